//! Server quirks as named opt-ins rather than special cases scattered through the sync: each
//! switches one behaviour off for servers known (or configured) to get it wrong.

use crate::model::Account;

/// Every quirk Mailbell knows, with what it does.
pub const KNOWN: &[(&str, &str)] = &[
    (
        BROKEN_QRESYNC,
        "do not use CONDSTORE/QRESYNC even when offered; follow read state with plain FLAGS fetches (iCloud's VANISHED responses are malformed)",
    ),
    (NO_COMPRESS, "do not use COMPRESS=DEFLATE even when offered (for a server whose compressed stream breaks)"),
    (NO_PREVIEW, "do not use PREVIEW even when offered; build the preview from the first 4 KiB of the body (for a server whose previews are wrong)"),
];

pub const BROKEN_QRESYNC: &str = "broken-qresync";
pub const NO_COMPRESS: &str = "no-compress";
pub const NO_PREVIEW: &str = "no-preview";

/// Host name suffixes of servers with known quirks, applied without the user asking.
const BY_HOST: &[(&str, &str)] = &[("mail.me.com", BROKEN_QRESYNC)];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    pub broken_qresync: bool,
    pub no_compress: bool,
    pub no_preview: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown server quirk {0:?}: known ones are {list}", list = KNOWN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
pub struct UnknownQuirk(pub String);

/// Checks quirk names given by a user.
pub fn validate(names: &[String]) -> Result<(), UnknownQuirk> {
    match names.iter().find(|n| !KNOWN.iter().any(|(k, _)| k == n)) {
        Some(bad) => Err(UnknownQuirk(bad.clone())),
        None => Ok(()),
    }
}

impl Quirks {
    /// The account's own quirks plus those known for its host.
    pub fn for_account(account: &Account) -> Quirks {
        let host = account.host.to_ascii_lowercase();
        let by_host = BY_HOST.iter().filter(|(suffix, _)| host == *suffix || host.ends_with(&format!(".{suffix}"))).map(|(_, q)| *q);
        let mut q = Quirks::default();
        for name in account.quirks.iter().map(String::as_str).chain(by_host) {
            match name {
                BROKEN_QRESYNC => q.broken_qresync = true,
                NO_COMPRESS => q.no_compress = true,
                NO_PREVIEW => q.no_preview = true,
                _ => {}
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Security;

    fn account(host: &str, quirks: &[&str]) -> Account {
        Account {
            id: "a".into(),
            display_name: String::new(),
            email: "x@y".into(),
            host: host.into(),
            port: 993,
            security: Security::Tls,
            username: "x".into(),
            ca_file: None,
            folders: None,
            interval_secs: 300,
            enabled: true,
            created_at: String::new(),
            quirks: quirks.iter().map(|s| s.to_string()).collect(),
            oauth: None,
            notify: true,
            pinned_cert_sha256: None,
        }
    }

    #[test]
    fn quirks_come_from_the_account_and_known_hosts() {
        assert!(!Quirks::for_account(&account("imap.example.org", &[])).broken_qresync);
        assert!(Quirks::for_account(&account("imap.example.org", &["broken-qresync"])).broken_qresync);
        assert!(Quirks::for_account(&account("p42-imap.mail.me.com", &[])).broken_qresync);
        assert!(!Quirks::for_account(&account("notmail.me.com.evil", &[])).broken_qresync);
        assert!(validate(&["broken-qresync".into()]).is_ok());
        let q = Quirks::for_account(&account("imap.example.org", &["no-compress", "no-preview"]));
        assert!(q.no_compress && q.no_preview && !q.broken_qresync);
        assert!(validate(&["nope".into()]).unwrap_err().to_string().contains("broken-qresync"));
    }
}
