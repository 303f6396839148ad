//! Desktop notifications: one per new message that rings by the user's rules (the engine's
//! `ring`), or one summary when a pass brings a burst; one digest at the end of the quiet
//! hours; none while notifications are off or paused. Linux notification bodies are markup, so mail
//! text is escaped before it goes into one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mailbell_sync::{DigestEvent, Event, NewMessageEvent, Ring};
use serde_json::json;
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::models::MessageKey;

/// More new messages than this in one pass of one account make one summary notification.
pub const BURST: usize = 3;
/// Lines of a summary's body that name a message.
const SUMMARY_LINES: usize = 3;

const ICON: &[u8] = include_bytes!("../../icons/64x64.png");

/// Puts Mailbell's icon in the data directory for notification servers, which want a file.
pub fn install_icon(data_dir: &Path) -> Option<PathBuf> {
    let path = data_dir.join("mailbell-icon.png");
    if std::fs::read(&path).is_ok_and(|b| b == ICON) {
        return Some(path);
    }
    match std::fs::write(&path, ICON) {
        Ok(()) => Some(path),
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "cannot write the notification icon");
            None
        }
    }
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Plain text (the notification's summary line is not markup).
    pub title: String,
    /// Markup-escaped.
    pub body: String,
    /// The message a click should reveal.
    pub target: Option<MessageKey>,
    /// The note is about `target` alone: a click opens it in the reading pane, and its
    /// actions (where the server shows actions) act on it.
    pub single: bool,
    /// The account whose summary of new mail this is: it replaces that account's summary while
    /// one is open, instead of stacking another (notifier.rs). None: a note of its own.
    pub group: Option<String>,
}

/// The action type of a single message's notification: its buttons, by action id.
pub const MESSAGE_ACTIONS: &str = "message";

/// A button's label, in the desktop's language.
type Label = fn() -> String;

/// The buttons of a single message's notification: (action id, label). The ids are
/// `MessageAction`'s names.
pub const ACTIONS: [(&str, Label); 3] = [
    ("read", || crate::tr!("notify-action-read")),
    ("archive", || crate::tr!("notify-action-archive")),
    ("delete", || crate::tr!("notify-action-delete")),
];

/// Registers [`MESSAGE_ACTIONS`] with the notification plugin.
pub fn register_actions<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_notification::{Action, ActionType};
    let actions = ACTIONS.iter().map(|(id, title)| Action::builder(*id, title()).build()).collect();
    if let Err(e) = app.notification().register_action_types(vec![ActionType::builder(MESSAGE_ACTIONS).actions(actions).build()]) {
        tracing::warn!(error = %e, "cannot register the notification actions");
    }
}

/// Whether the notification server shows action buttons (the `actions` capability of
/// org.freedesktop.Notifications). Asked once per run, when the first notification goes out;
/// no answer (no server yet) is asked again next time. Elsewhere than Linux: no buttons.
pub async fn server_offers_actions() -> bool {
    use std::sync::OnceLock;
    static OFFERS: OnceLock<bool> = OnceLock::new();
    if let Some(v) = OFFERS.get() {
        return *v;
    }
    match capabilities().await {
        Some(caps) => {
            let offers = caps.iter().any(|c| c == "actions");
            tracing::info!(offers, "the notification server's action buttons");
            *OFFERS.get_or_init(|| offers)
        }
        None => false,
    }
}

#[cfg(target_os = "linux")]
async fn capabilities() -> Option<Vec<String>> {
    let ask = async {
        let bus = zbus::Connection::session().await?;
        let reply = bus
            .call_method(
                Some("org.freedesktop.Notifications"),
                "/org/freedesktop/Notifications",
                Some("org.freedesktop.Notifications"),
                "GetCapabilities",
                &(),
            )
            .await?;
        reply.body().deserialize::<Vec<String>>()
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), ask).await {
        Ok(Ok(caps)) => Some(caps),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "cannot ask the notification server what it shows");
            None
        }
        Err(_) => None,
    }
}

#[cfg(not(target_os = "linux"))]
async fn capabilities() -> Option<Vec<String>> {
    None
}

/// Escapes text for a notification body (a subset of XML markup on Linux).
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn sender(m: &NewMessageEvent) -> String {
    let name = m.from_name.as_deref().filter(|n| !n.trim().is_empty());
    let addr = m.from_addr.as_deref().filter(|a| !a.trim().is_empty());
    let s = name.or(addr).map(str::to_string).unwrap_or_else(|| m.from.clone());
    if s.trim().is_empty() {
        crate::tr!("notify-unknown-sender")
    } else {
        clip(&s, 80)
    }
}

fn subject(m: &NewMessageEvent) -> String {
    if m.subject.trim().is_empty() {
        crate::tr!("notify-no-subject")
    } else {
        clip(&m.subject, 160)
    }
}

fn clip(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut t: String = one_line.chars().take(max - 1).collect();
    t.push('…');
    t
}

fn key(m: &NewMessageEvent) -> MessageKey {
    MessageKey { account: m.account.clone(), folder: m.folder.clone(), uidvalidity: m.uidvalidity, uid: m.uid }
}

/// Gathers the new messages of each account's pass and turns them into notifications when the
/// pass ends (the engine sends `account_status` with a final state then).
///
/// A burst makes a summary of the account's new mail; while that summary is open on the
/// desktop, the account's next new mail grows it ("5 new messages" becomes "7 new messages",
/// one notification replaced) rather than stacking more notifications beside it.
#[derive(Debug, Default)]
pub struct Batcher {
    pending: BTreeMap<String, Vec<NewMessageEvent>>,
    /// Each account's summary that may still be open: the messages it counts.
    summaries: BTreeMap<String, Vec<NewMessageEvent>>,
}

impl Batcher {
    /// Feeds one engine event; returns the notifications due now.
    pub fn feed(&mut self, event: &Event, account_label: impl Fn(&str) -> String) -> Vec<Note> {
        match event {
            Event::NewMessage(m) => {
                self.pending.entry(m.account.clone()).or_default().push(m.clone());
                Vec::new()
            }
            Event::AccountStatus(s)
                if !matches!(s.state, mailbell_sync::AccountState::Syncing | mailbell_sync::AccountState::Connecting) =>
            {
                let msgs = self.pending.remove(&s.account).unwrap_or_default();
                self.pass_notes(&s.account, msgs, &account_label(&s.account))
            }
            // Once, at the end of the quiet hours, for every account together.
            Event::Digest(d) => vec![digest_note(d)],
            _ => Vec::new(),
        }
    }

    /// Keeps the summaries of the accounts for which `open` holds (the desktop still shows
    /// them): the others are closed, and the next burst gets a notification of its own.
    pub fn keep_summaries(&mut self, open: impl Fn(&str) -> bool) {
        self.summaries.retain(|account, _| open(account));
    }

    /// The notes of one pass of `account`: those of `notes_for`, except that fresh mail that
    /// rings grows the account's open summary, and a new summary is remembered as open.
    fn pass_notes(&mut self, account: &str, msgs: Vec<NewMessageEvent>, label: &str) -> Vec<Note> {
        let (late, fresh): (Vec<NewMessageEvent>, Vec<NewMessageEvent>) =
            msgs.into_iter().filter(|m| m.ring == Ring::Ring).partition(|m| m.late);
        let mut notes = notes_for(&late, label);
        if fresh.is_empty() {
            return notes;
        }
        let fresh = match self.summaries.remove(account) {
            Some(mut open) => {
                open.extend(fresh.iter().map(lean));
                open
            }
            None => fresh,
        };
        let mut fresh_notes = fresh_notes(&fresh, label);
        if fresh.len() > BURST {
            for n in &mut fresh_notes {
                n.group = Some(account.to_string());
            }
            self.summaries.insert(account.to_string(), fresh.iter().map(lean).collect());
        }
        notes.extend(fresh_notes);
        notes
    }
}

/// What a summary keeps of a message: what its lines and its click need, not the preview.
fn lean(m: &NewMessageEvent) -> NewMessageEvent {
    NewMessageEvent { preview: String::new(), folders: Vec::new(), ..m.clone() }
}

/// The notifications for the new messages of one pass of one account. Only mail the engine
/// says rings does (`ring`): not mail already read on the server when Mailbell first saw it,
/// nor mail of a folder or account whose notifications are off, nor muted senders and lists,
/// nor junk, nor what waits for the digest of the quiet hours; all of it is still listed and
/// counted. Mail an earlier run stored but never announced (`late`) is summed up in one note
/// of its own.
pub fn notes_for(msgs: &[NewMessageEvent], account: &str) -> Vec<Note> {
    let (late, fresh): (Vec<NewMessageEvent>, Vec<NewMessageEvent>) =
        msgs.iter().filter(|m| m.ring == Ring::Ring).cloned().partition(|m| m.late);
    let mut notes = Vec::new();
    if !late.is_empty() {
        let mut lines: Vec<String> = late
            .iter()
            .rev()
            .take(SUMMARY_LINES)
            .map(|m| format!("{}: {}", escape_markup(&sender(m)), escape_markup(&subject(m))))
            .collect();
        if late.len() > SUMMARY_LINES {
            lines.push(crate::tr!("notify-and-more", count = late.len() - SUMMARY_LINES));
        }
        let title = crate::tr!("notify-late-title", count = late.len(), account = account);
        notes.push(Note { title, body: lines.join("\n"), target: late.last().map(key), single: false, group: None });
    }
    notes.extend(fresh_notes(&fresh, account));
    notes
}

fn fresh_notes(msgs: &[NewMessageEvent], account: &str) -> Vec<Note> {
    if msgs.len() <= BURST {
        return msgs
            .iter()
            .map(|m| Note {
                title: sender(m),
                body: format!("{}\n{} · {}", escape_markup(&subject(m)), escape_markup(&m.folder), escape_markup(account)),
                target: Some(key(m)),
                single: true,
                group: None,
            })
            .collect();
    }
    let mut lines: Vec<String> =
        msgs.iter().rev().take(SUMMARY_LINES).map(|m| format!("{}: {}", escape_markup(&sender(m)), escape_markup(&subject(m)))).collect();
    if msgs.len() > SUMMARY_LINES {
        lines.push(crate::tr!("notify-and-more", count = msgs.len() - SUMMARY_LINES));
    }
    vec![Note {
        title: crate::tr!("notify-burst-title", count = msgs.len(), account = account),
        body: lines.join("\n"),
        target: msgs.last().map(key),
        single: false,
        group: None,
    }]
}

/// The one notification at the end of the quiet hours: how many came and are still news, and
/// who sent the newest few. A click reveals the newest.
pub fn digest_note(d: &DigestEvent) -> Note {
    let mut lines: Vec<String> =
        d.messages.iter().take(SUMMARY_LINES).map(|m| format!("{}: {}", escape_markup(&sender(m)), escape_markup(&subject(m)))).collect();
    let named = lines.len();
    if d.count as usize > named {
        lines.push(crate::tr!("notify-and-more", count = d.count as usize - named));
    }
    let title = crate::tr!("notify-digest-title", count = d.count);
    Note { title, body: lines.join("\n"), target: d.messages.first().map(key), single: false, group: None }
}

/// Shows a note through tauri-plugin-notification, with the message's action buttons when
/// `actions` (the server shows them) and the note is about one message. Failures are logged,
/// never fatal.
pub fn show<R: Runtime>(app: &AppHandle<R>, note: &Note, icon: Option<&Path>, actions: bool) {
    let mut b = app.notification().builder().title(&note.title).body(&note.body);
    if let Some(icon) = icon {
        b = b.icon(icon.to_string_lossy());
    }
    if let Some(t) = &note.target {
        b = b.extra("message", json!(t)).extra("single", json!(note.single));
        if note.single && actions {
            b = b.action_type_id(MESSAGE_ACTIONS);
        }
    }
    if let Err(e) = b.show() {
        tracing::warn!(error = %e, "could not show a notification");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailbell_sync::{AccountState, AccountStatusEvent};

    fn msg(uid: u32, subject: &str) -> NewMessageEvent {
        NewMessageEvent {
            account: "a1".into(),
            folder: "INBOX".into(),
            uidvalidity: 1,
            uid,
            from: "Bob <bob@example.org>".into(),
            subject: subject.into(),
            date: "2026-01-01T00:00:00Z".into(),
            preview: String::new(),
            from_name: Some("Bob".into()),
            from_addr: Some("bob@example.org".into()),
            message_id: None,
            seen: false,
            identity: format!("row:{uid}"),
            folders: vec!["INBOX".into()],
            late: false,
            ring: Ring::Ring,
            ring_reason: None,
            list_id: None,
        }
    }

    fn end(state: AccountState) -> Event {
        Event::AccountStatus(AccountStatusEvent {
            account: "a1".into(),
            state,
            error: None,
            new_messages: 0,
            next_pass_at: None,
            retries: 0,
            push: false,
            push_mode: mailbell_sync::PushMode::None,
            push_folders: 0,
            sweep_secs: None,
            problem: None,
        })
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape_markup("<img src=x onerror=alert(1)> & co"), "&lt;img src=x onerror=alert(1)&gt; &amp; co");
        let notes = notes_for(&[msg(1, "<b>hi</b>")], "alice@example.org");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].body.starts_with("&lt;b&gt;hi&lt;/b&gt;\n"), "{}", notes[0].body);
        assert_eq!(notes[0].title, "Bob");
    }

    #[test]
    fn a_pass_of_up_to_three_gives_one_each_more_gives_one_summary() {
        let mut b = Batcher::default();
        let label = |_: &str| "alice".to_string();
        for i in 1..=3 {
            assert!(b.feed(&Event::NewMessage(msg(i, &format!("s{i}"))), label).is_empty());
        }
        assert!(b.feed(&end(AccountState::Syncing), label).is_empty(), "a pass starting flushes nothing");
        assert_eq!(b.feed(&end(AccountState::Ok), label).len(), 3);
        assert!(b.feed(&end(AccountState::Ok), label).is_empty(), "flushed once");

        for i in 1..=7 {
            b.feed(&Event::NewMessage(msg(i, &format!("s{i}"))), label);
        }
        let notes = b.feed(&end(AccountState::Error), label);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].title, "7 new messages · alice");
        assert!(notes[0].body.contains("s7") && notes[0].body.ends_with("and 4 more"), "{}", notes[0].body);
        assert_eq!(notes[0].target.as_ref().map(|k| k.uid), Some(7));
    }

    #[test]
    fn read_mail_rings_nothing_and_late_mail_is_summed_up_apart() {
        let read = NewMessageEvent { seen: true, ring: Ring::Silent, ring_reason: Some("seen".into()), ..msg(1, "read elsewhere") };
        let late = |i: u32| NewMessageEvent { late: true, ..msg(i, &format!("late {i}")) };
        let notes = notes_for(&[read, late(2), late(3), msg(4, "fresh")], "alice");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(notes[0].title, "2 messages while Mailbell was stopped · alice");
        assert!(notes[0].body.contains("late 3") && notes[0].body.contains("late 2"));
        assert_eq!(notes[1].title, "Bob");
        assert!(notes[1].body.starts_with("fresh\n"));
        assert!(notes_for(&[late(5)], "a")[0].title.starts_with("1 message while"));
    }

    #[test]
    fn only_what_the_rules_ring_rings() {
        let with =
            |uid: u32, ring: Ring, reason: &str| NewMessageEvent { ring, ring_reason: Some(reason.into()), ..msg(uid, &format!("m{uid}")) };
        let msgs = [
            with(1, Ring::Silent, "folder_off"),
            with(2, Ring::Silent, "muted_list"),
            with(3, Ring::Quiet, "quiet_hours"),
            with(4, Ring::Ring, "important_sender"),
            msg(5, "plain"),
        ];
        let notes = notes_for(&msgs, "alice");
        assert_eq!(notes.iter().map(|n| n.target.as_ref().map(|k| k.uid)).collect::<Vec<_>>(), vec![Some(4), Some(5)], "{notes:?}");
        // A burst counts only what rings: three ringing among many silent ones are three notes.
        let mut many: Vec<NewMessageEvent> = (10..20).map(|i| with(i, Ring::Silent, "muted_sender")).collect();
        many.extend((1..=3).map(|i| msg(i, "rings")));
        assert_eq!(notes_for(&many, "alice").len(), 3);
        // Late mail that rings is still summed up apart; late mail that does not ring is not.
        let late = |uid: u32, ring: Ring| NewMessageEvent { late: true, ring, ..msg(uid, "late") };
        let notes = notes_for(&[late(1, Ring::Ring), late(2, Ring::Silent)], "alice");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].title, "1 message while Mailbell was stopped · alice");
    }

    #[test]
    fn the_end_of_the_quiet_hours_is_one_digest() {
        let digest = |count: u32, n: u32| {
            Event::Digest(DigestEvent {
                count,
                messages: (1..=n).rev().map(|i| msg(i, &format!("<quiet {i}>"))).collect(),
                since: "2026-01-01T22:00:00+01:00".into(),
                until: "2026-01-02T07:00:00+01:00".into(),
            })
        };
        let mut b = Batcher::default();
        let notes = b.feed(&digest(7, 5), |_| "alice".into());
        assert_eq!(notes.len(), 1, "one notification however many came");
        assert_eq!(notes[0].title, "While quiet hours were on: 7 messages");
        assert_eq!(notes[0].body, "Bob: &lt;quiet 5&gt;\nBob: &lt;quiet 4&gt;\nBob: &lt;quiet 3&gt;\nand 4 more");
        assert_eq!(notes[0].target.as_ref().map(|k| k.uid), Some(5), "a click shows the newest");
        let one = b.feed(&digest(1, 1), |_| "alice".into());
        assert_eq!((one[0].title.as_str(), one[0].body.as_str()), ("While quiet hours were on: 1 message", "Bob: &lt;quiet 1&gt;"));
        // It does not wait for a pass to end, and leaves a pass's pending mail alone.
        b.feed(&Event::NewMessage(msg(9, "pending")), |_| "alice".into());
        assert_eq!(b.feed(&digest(2, 2), |_| "alice".into()).len(), 1);
        assert_eq!(b.feed(&end(AccountState::Ok), |_| "alice".into()).len(), 1);
    }

    #[test]
    fn an_open_summary_grows_instead_of_stacking() {
        let mut b = Batcher::default();
        let label = |_: &str| "alice".to_string();
        let pass = |b: &mut Batcher, uids: std::ops::RangeInclusive<u32>| {
            for i in uids {
                b.feed(&Event::NewMessage(msg(i, &format!("s{i}"))), label);
            }
            b.feed(&end(AccountState::Ok), label)
        };
        let first = pass(&mut b, 1..=5);
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].title.as_str(), first[0].group.as_deref()), ("5 new messages · alice", Some("a1")));
        // Open on the desktop: two more make it "7 new messages", the same notification.
        b.keep_summaries(|a| a == "a1");
        let grown = pass(&mut b, 6..=7);
        assert_eq!(grown.len(), 1, "{grown:?}");
        assert_eq!((grown[0].title.as_str(), grown[0].group.as_deref()), ("7 new messages · alice", Some("a1")));
        assert!(grown[0].body.starts_with("Bob: s7\nBob: s6\nBob: s5\n") && grown[0].body.ends_with("and 4 more"), "{}", grown[0].body);
        assert_eq!(grown[0].target.as_ref().map(|k| k.uid), Some(7), "a click reveals the newest");
        // A pass with nothing that rings leaves it open; one message more grows it again.
        assert!(b.feed(&end(AccountState::Ok), label).is_empty());
        assert_eq!(pass(&mut b, 8..=8)[0].title, "8 new messages · alice");
        // Closed (or dismissed) on the desktop: the next message is a notification of its own.
        b.keep_summaries(|_| false);
        let single = pass(&mut b, 9..=9);
        assert_eq!((single.len(), single[0].title.as_str(), single[0].group.as_deref(), single[0].single), (1, "Bob", None, true));
        assert!(notes_for(&[msg(1, "x")], "alice").iter().all(|n| n.group.is_none()), "notes_for alone groups nothing");
    }

    #[test]
    fn only_a_note_about_one_message_is_single() {
        let one = notes_for(&[msg(1, "a")], "x");
        assert!(one[0].single, "a click opens it, its buttons act on it");
        let burst: Vec<_> = (1..=5).map(|i| msg(i, "b")).collect();
        let summary = notes_for(&burst, "x");
        assert_eq!(summary.len(), 1);
        assert!(!summary[0].single, "a summary's click only reveals its newest row, and it has no buttons");
        let late = notes_for(&[NewMessageEvent { late: true, ..msg(9, "l") }], "x");
        assert!(!late[0].single);
        assert_eq!(ACTIONS.map(|(id, _)| id), ["read", "archive", "delete"], "the ids are MessageAction's names");
        for (id, _) in ACTIONS {
            assert!(serde_json::from_value::<mailbell_sync::MessageAction>(serde_json::json!(id)).is_ok(), "{id}");
        }
    }

    #[test]
    fn empty_sender_and_subject_have_words() {
        let mut m = msg(1, "  ");
        m.from_name = None;
        m.from_addr = None;
        m.from = String::new();
        let n = &notes_for(&[m], "x")[0];
        assert_eq!(n.title, "Unknown sender");
        assert!(n.body.starts_with("(no subject)"));
    }
}
