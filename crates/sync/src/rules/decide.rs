//! The decision: does this new message ring, wait for the digest, or stay silent?
//!
//! The order, first match wins (ARCHITECTURE.md § What rings):
//! 1. already read on the server → silent (`seen`): it is not news, whoever sent it;
//! 2. the account's or the folder's notifications off → silent (`account_off`, `folder_off`):
//!    an explicit switch for that place; an important sender does not override it, or a
//!    folder could never be made fully silent (filters that file a boss's mail away say so);
//! 3. an important sender → rings (`important_sender`), in quiet hours and from junk too: the
//!    issue's promise, and why someone lists a sender at all;
//! 4. a junk-type folder → silent (`junk`);
//! 5. a muted sender or domain, a muted list → silent (`muted_sender`, `muted_list`);
//! 6. quiet hours now → quiet (`quiet_hours`): held for the digest at their end;
//! 7. announced late (a restart after a kill) → rings (`late`): front ends sum late mail up
//!    in one notification, as before;
//! 8. else it rings (no reason).

use serde::Serialize;

use super::model::{Pattern, Ring, Rules};

/// Why a message rings as it does; serialised snake_case as the events' `ring_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RingReason {
    ImportantSender,
    QuietHours,
    MutedSender,
    MutedList,
    FolderOff,
    AccountOff,
    Junk,
    Seen,
    Late,
}

impl RingReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RingReason::ImportantSender => "important_sender",
            RingReason::QuietHours => "quiet_hours",
            RingReason::MutedSender => "muted_sender",
            RingReason::MutedList => "muted_list",
            RingReason::FolderOff => "folder_off",
            RingReason::AccountOff => "account_off",
            RingReason::Junk => "junk",
            RingReason::Seen => "seen",
            RingReason::Late => "late",
        }
    }
}

/// What the decision looks at, gathered by the engine (store, folder list, clock).
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub from_addr: Option<&'a str>,
    /// The id inside the List-Id header's `<>`.
    pub list_id: Option<&'a str>,
    /// Read on the server when first fetched.
    pub seen: bool,
    pub late: bool,
    /// The decoded name of the folder it was first seen in.
    pub folder: &'a str,
    /// That folder's RFC 6154 attribute, e.g. `\Junk`.
    pub special_use: Option<&'a str>,
    pub folder_notify: bool,
    pub account_notify: bool,
    /// The local time is in the quiet hours.
    pub quiet_now: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub ring: Ring,
    pub reason: Option<RingReason>,
}

impl Decision {
    fn new(ring: Ring, reason: Option<RingReason>) -> Decision {
        Decision { ring, reason }
    }
}

/// Whether a folder holds junk: the `\Junk` attribute, or a name providers and clients use for
/// it (servers without RFC 6154 still have one), compared on the last part of the name.
pub fn is_junk_folder(name: &str, special_use: Option<&str>) -> bool {
    const NAMES: &[&str] = &[
        "junk",
        "spam",
        "junk e-mail",
        "junk email",
        "junk mail",
        "bulk mail",
        "bulk",
        "spamverdacht",
        "pourriel",
        "indésirables",
        "courrier indésirable",
    ];
    if special_use.is_some_and(|s| s.eq_ignore_ascii_case("\\Junk")) {
        return true;
    }
    let last = name.rsplit(['/', '.']).next().unwrap_or(name).trim().to_lowercase();
    NAMES.contains(&last.as_str())
}

fn any_match(entries: &[String], lists: bool, from: Option<&str>, list: Option<&str>) -> Option<bool> {
    entries.iter().filter_map(|e| Pattern::parse(e, lists)).find(|p| p.matches(from, list)).map(|p| matches!(p, Pattern::List(_)))
}

/// The decision for one new message (see the module's order).
pub fn decide(rules: &Rules, f: &Facts<'_>) -> Decision {
    use RingReason as R;
    if f.seen {
        return Decision::new(Ring::Silent, Some(R::Seen));
    }
    if !f.account_notify {
        return Decision::new(Ring::Silent, Some(R::AccountOff));
    }
    if !f.folder_notify {
        return Decision::new(Ring::Silent, Some(R::FolderOff));
    }
    if any_match(&rules.important, false, f.from_addr, None).is_some() {
        return Decision::new(Ring::Ring, Some(R::ImportantSender));
    }
    if is_junk_folder(f.folder, f.special_use) {
        return Decision::new(Ring::Silent, Some(R::Junk));
    }
    if let Some(is_list) = any_match(&rules.muted, true, f.from_addr, f.list_id) {
        return Decision::new(Ring::Silent, Some(if is_list { R::MutedList } else { R::MutedSender }));
    }
    if f.quiet_now {
        return Decision::new(Ring::Quiet, Some(R::QuietHours));
    }
    if f.late {
        return Decision::new(Ring::Ring, Some(R::Late));
    }
    Decision::new(Ring::Ring, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            quiet_hours: vec![],
            important: vec!["boss@example.org".into(), "family.example".into()],
            muted: vec!["news@shop.example".into(), "ads.example".into(), "list:dev.lists.example".into()],
        }
    }

    fn facts() -> Facts<'static> {
        Facts { from_addr: Some("jane@example.org"), folder: "INBOX", folder_notify: true, account_notify: true, ..Facts::default() }
    }

    fn d(f: Facts<'_>) -> (Ring, Option<&'static str>) {
        let x = decide(&rules(), &f);
        (x.ring, x.reason.map(RingReason::as_str))
    }

    #[test]
    fn plain_mail_rings() {
        assert_eq!(d(facts()), (Ring::Ring, None));
    }

    #[test]
    fn read_mail_is_silent_whoever_sent_it() {
        assert_eq!(d(Facts { seen: true, ..facts() }), (Ring::Silent, Some("seen")));
        assert_eq!(d(Facts { seen: true, from_addr: Some("boss@example.org"), quiet_now: true, ..facts() }), (Ring::Silent, Some("seen")));
    }

    #[test]
    fn switches_beat_important_senders() {
        let boss = Facts { from_addr: Some("boss@example.org"), ..facts() };
        assert_eq!(d(Facts { account_notify: false, ..boss.clone() }), (Ring::Silent, Some("account_off")));
        assert_eq!(d(Facts { folder_notify: false, ..boss.clone() }), (Ring::Silent, Some("folder_off")));
        assert_eq!(d(Facts { account_notify: false, folder_notify: false, ..facts() }), (Ring::Silent, Some("account_off")));
    }

    #[test]
    fn important_senders_ring_through_quiet_hours_junk_and_mutes() {
        let boss = Facts { from_addr: Some("Boss@Example.org"), ..facts() };
        assert_eq!(d(Facts { quiet_now: true, ..boss.clone() }), (Ring::Ring, Some("important_sender")));
        assert_eq!(d(Facts { folder: "Junk", special_use: Some("\\Junk"), ..boss.clone() }), (Ring::Ring, Some("important_sender")));
        assert_eq!(d(Facts { list_id: Some("dev.lists.example"), ..boss }), (Ring::Ring, Some("important_sender")));
        let cousin = Facts { from_addr: Some("cousin@mail.family.example"), quiet_now: true, ..facts() };
        assert_eq!(d(cousin), (Ring::Ring, Some("important_sender")), "a domain covers its subdomains");
    }

    #[test]
    fn junk_is_silent() {
        assert_eq!(d(Facts { folder: "Junk", special_use: Some("\\Junk"), ..facts() }), (Ring::Silent, Some("junk")));
        assert_eq!(d(Facts { folder: "[Gmail]/Spam", ..facts() }), (Ring::Silent, Some("junk")), "by name, without the attribute");
        assert_eq!(
            d(Facts { folder: "Junk", quiet_now: true, ..facts() }),
            (Ring::Silent, Some("junk")),
            "junk is not held for the digest"
        );
    }

    #[test]
    fn mutes_are_silent() {
        assert_eq!(d(Facts { from_addr: Some("news@shop.example"), ..facts() }), (Ring::Silent, Some("muted_sender")));
        assert_eq!(d(Facts { from_addr: Some("x@ads.example"), ..facts() }), (Ring::Silent, Some("muted_sender")));
        assert_eq!(d(Facts { list_id: Some("Dev.Lists.Example"), ..facts() }), (Ring::Silent, Some("muted_list")));
        assert_eq!(d(Facts { list_id: Some("other.lists.example"), ..facts() }), (Ring::Ring, None));
        assert_eq!(d(Facts { list_id: Some("dev.lists.example"), quiet_now: true, ..facts() }), (Ring::Silent, Some("muted_list")));
    }

    #[test]
    fn quiet_hours_hold_and_late_mail_rings() {
        assert_eq!(d(Facts { quiet_now: true, ..facts() }), (Ring::Quiet, Some("quiet_hours")));
        assert_eq!(d(Facts { quiet_now: true, late: true, ..facts() }), (Ring::Quiet, Some("quiet_hours")));
        assert_eq!(d(Facts { late: true, ..facts() }), (Ring::Ring, Some("late")));
    }

    #[test]
    fn junk_folders_by_attribute_or_name() {
        assert!(is_junk_folder("Whatever", Some("\\junk")));
        for name in ["Junk", "Spam", "INBOX.Spam", "[Gmail]/Spam", "Junk E-mail", "Bulk Mail"] {
            assert!(is_junk_folder(name, None), "{name}");
        }
        for name in ["INBOX", "Work", "Spamalot", "Trash"] {
            assert!(!is_junk_folder(name, None), "{name}");
        }
    }
}
