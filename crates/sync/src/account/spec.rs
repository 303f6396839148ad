//! The rules an account must meet before it is saved, written once for every front end: what
//! a user typed (an [`AccountSpec`]) becomes a [`NewAccount`], or a [`FieldError`] that names
//! the field to fix and says how.
//!
//! Messages are sentences for a person; the CLI puts its flag's name before them, the window
//! shows them next to the field.

use std::path::Path;

use crate::discover::DiscoveryError;
use crate::error::{AccountField, FieldError, FieldProblem};
use crate::model::{NewAccount, Security, DEFAULT_INTERVAL_SECS, MIN_INTERVAL_SECS};
use crate::net::names::valid_host;

/// An account as a user gave it, before any check. `None` means "not given": the server is
/// then left for discovery to find, the user name is the address, the folders follow the
/// default rule and the interval is the default one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSpec {
    pub display_name: String,
    pub email: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub username: Option<String>,
    /// An absolute path (front ends resolve what the user typed against their own directory).
    pub ca_file: Option<String>,
    pub folders: Option<Vec<String>>,
    pub interval_secs: Option<u32>,
    pub quirks: Vec<String>,
}

impl AccountSpec {
    /// Checks every field, in the order a form shows them, and returns the account to save
    /// with blanks trimmed. Without a host, `host` is empty: the caller runs discovery.
    pub fn validate(&self) -> Result<NewAccount, FieldError> {
        let email = check_email(&self.email)?;
        let security = self.security.unwrap_or(Security::Tls);
        let host = match self.host.as_deref() {
            Some(h) => check_host(h)?,
            None => String::new(),
        };
        let port = check_port(self.port.unwrap_or_else(|| security.default_port()))?;
        let username = match self.username.as_deref() {
            Some(u) => check_username(u)?,
            None => email.clone(),
        };
        let ca_file = match self.ca_file.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(check_ca_file(p)?),
            None => None,
        };
        let folders = match &self.folders {
            None => None,
            Some(list) => {
                let list: Vec<String> = list.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
                if list.is_empty() {
                    return Err(FieldError::of(
                        AccountField::Folders,
                        FieldProblem::NoFolders,
                        "Choose at least one folder to watch (INBOX is the usual one).",
                    ));
                }
                Some(list)
            }
        };
        let interval_secs = self.interval_secs.unwrap_or(DEFAULT_INTERVAL_SECS);
        if interval_secs < MIN_INTERVAL_SECS {
            return Err(FieldError {
                value: Some(interval_secs.to_string()),
                min: Some(MIN_INTERVAL_SECS),
                ..FieldError::of(
                    AccountField::Interval,
                    FieldProblem::IntervalTooShort,
                    format!("{interval_secs} seconds is too short: check at least every {MIN_INTERVAL_SECS} seconds."),
                )
            });
        }
        crate::quirks::validate(&self.quirks)
            .map_err(|e| FieldError::of(AccountField::Quirks, FieldProblem::UnknownQuirk, e.to_string()).with_value(e.0.clone()))?;
        Ok(NewAccount {
            display_name: self.display_name.trim().to_string(),
            email,
            host,
            port,
            security,
            username,
            ca_file,
            folders,
            interval_secs,
        })
    }
}

/// An email address: something before the last `@`, a domain name after it, no spaces. A
/// one-label domain (an intranet's `jane@corp`) is a domain too. An internationalised domain
/// is accepted and kept as typed; discovery looks it up in its ASCII form.
pub fn check_email(email: &str) -> Result<String, FieldError> {
    let email = email.trim();
    if email.is_empty() {
        return Err(FieldError::of(AccountField::Email, FieldProblem::Missing, "Enter your whole email address, e.g. jane@example.org."));
    }
    // Discovery's own reading of an address is the rule: what passes here, discovery can use.
    match crate::discover::names::parse_email(email) {
        Ok(_) => Ok(email.to_string()),
        Err(DiscoveryError::InvalidEmail { reason, .. }) => Err(FieldError::of(
            AccountField::Email,
            FieldProblem::Invalid,
            format!("{email:?} is not an email address: {reason} (expected name@domain, e.g. jane@example.org)."),
        )
        .with_value(email)
        .with_details(reason)),
        // Not reached (reading an address fails only as InvalidEmail); said as one all the same.
        Err(e) => {
            Err(FieldError::of(AccountField::Email, FieldProblem::Invalid, e.to_string()).with_value(email).with_details(e.to_string()))
        }
    }
}

/// A server name or address: only the name, no scheme, path, user or spaces.
pub fn check_host(host: &str) -> Result<String, FieldError> {
    let host = host.trim();
    if host.is_empty() {
        return Err(FieldError::of(AccountField::Host, FieldProblem::Missing, "Enter the IMAP server's name, e.g. imap.example.org."));
    }
    if host.contains(char::is_whitespace) || host.contains('/') || host.contains('@') || valid_host(host).is_none() {
        return Err(FieldError::of(
            AccountField::Host,
            FieldProblem::Invalid,
            format!("{host:?} is not a server name: enter only the name, e.g. imap.example.org."),
        )
        .with_value(host));
    }
    Ok(host.to_string())
}

/// A port: anything but 0.
pub fn check_port(port: u16) -> Result<u16, FieldError> {
    if port == 0 {
        return Err(FieldError::of(AccountField::Port, FieldProblem::PortZero, "0 is not a port: use 993 for TLS or 143 for STARTTLS."));
    }
    Ok(port)
}

/// A login name: not blank.
pub fn check_username(username: &str) -> Result<String, FieldError> {
    match username.trim() {
        "" => Err(FieldError::of(AccountField::Username, FieldProblem::Missing, "Enter the user name (usually your whole email address).")),
        u => Ok(u.to_string()),
    }
}

/// A CA certificate file: an absolute path to a PEM certificate.
pub fn check_ca_file(path: &str) -> Result<String, FieldError> {
    if !Path::new(path).is_absolute() {
        return Err(FieldError::of(
            AccountField::CaFile,
            FieldProblem::CaFileNotAbsolute,
            format!("Give the full path of the CA certificate, e.g. /home/you/ca.pem (not {path:?})."),
        ));
    }
    crate::net::load_ca(Path::new(path))
        .map_err(|e| FieldError::of(AccountField::CaFile, FieldProblem::CaFileUnusable, e.to_string()).with_details(e.to_string()))?;
    Ok(path.to_string())
}

/// A password (or app password) must not be empty.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    if password.is_empty() {
        return Err(FieldError::of(AccountField::Password, FieldProblem::Missing, "Enter the password (or app password) of this account."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_carry_their_kind_and_arguments() {
        assert_eq!(check_email("").unwrap_err().kind, FieldProblem::Missing);
        let e = check_email("jane@").unwrap_err();
        assert_eq!((e.kind, e.value.as_deref()), (FieldProblem::Invalid, Some("jane@")));
        assert!(e.details.is_some(), "the parser's reason is kept for Details");
        let e = check_host("imap.example.org/x").unwrap_err();
        assert_eq!((e.field, e.kind, e.value.as_deref()), (AccountField::Host, FieldProblem::Invalid, Some("imap.example.org/x")));
        assert_eq!(check_port(0).unwrap_err().kind, FieldProblem::PortZero);
        assert_eq!(check_username(" ").unwrap_err().kind, FieldProblem::Missing);
        assert_eq!(check_password("").unwrap_err().kind, FieldProblem::Missing);
        assert_eq!(check_ca_file("ca.pem").unwrap_err().kind, FieldProblem::CaFileNotAbsolute);
        let e = check_ca_file("/nonexistent/ca.pem").unwrap_err();
        assert_eq!(e.kind, FieldProblem::CaFileUnusable);
        assert!(e.details.is_some());
        let e = AccountSpec { interval_secs: Some(5), ..spec() }.validate().unwrap_err();
        assert_eq!((e.kind, e.value.as_deref(), e.min), (FieldProblem::IntervalTooShort, Some("5"), Some(MIN_INTERVAL_SECS)));
    }

    fn spec() -> AccountSpec {
        AccountSpec {
            display_name: " Work ".into(),
            email: "jane@example.org".into(),
            host: Some(" imap.example.org ".into()),
            port: Some(993),
            security: Some(Security::Tls),
            username: Some("jane@example.org".into()),
            ca_file: Some("  ".into()),
            folders: Some(vec!["INBOX".into(), " ".into(), "Lists/rust".into()]),
            interval_secs: Some(300),
            quirks: vec![],
        }
    }

    fn field(s: AccountSpec) -> AccountField {
        s.validate().expect_err("should be refused").field
    }

    #[test]
    fn a_good_spec_becomes_a_new_account() {
        let new = spec().validate().expect("valid");
        assert_eq!(new.host, "imap.example.org");
        assert_eq!(new.display_name, "Work");
        assert_eq!(new.ca_file, None, "a blank CA file means none");
        assert_eq!(new.folders.as_deref(), Some(&["INBOX".to_string(), "Lists/rust".to_string()][..]));
    }

    #[test]
    fn what_is_not_given_takes_its_default() {
        let new = AccountSpec { email: "jane@example.org".into(), ..Default::default() }.validate().expect("valid");
        assert_eq!((new.host.as_str(), new.port, new.security), ("", 993, Security::Tls));
        assert_eq!(new.username, "jane@example.org");
        assert_eq!((new.folders, new.interval_secs), (None, DEFAULT_INTERVAL_SECS));
        let starttls = AccountSpec { email: "a@b".into(), security: Some(Security::Starttls), ..Default::default() };
        assert_eq!(starttls.validate().expect("valid").port, 143);
    }

    #[test]
    fn each_bad_field_is_named() {
        for email in ["jane", "@example.org", "jane@", "ja ne@example.org", "", "jane@exa_mple.org"] {
            assert_eq!(field(AccountSpec { email: email.into(), ..spec() }), AccountField::Email, "{email:?}");
        }
        for host in [" ", "imap.example.org/x", "jane@imap.example.org", "https://imap.example.org", "a b"] {
            assert_eq!(field(AccountSpec { host: Some(host.into()), ..spec() }), AccountField::Host, "{host:?}");
        }
        assert_eq!(field(AccountSpec { port: Some(0), ..spec() }), AccountField::Port);
        assert_eq!(field(AccountSpec { username: Some(" ".into()), ..spec() }), AccountField::Username);
        assert_eq!(field(AccountSpec { ca_file: Some("ca.pem".into()), ..spec() }), AccountField::CaFile);
        assert_eq!(field(AccountSpec { ca_file: Some("/nonexistent/ca.pem".into()), ..spec() }), AccountField::CaFile);
        assert_eq!(field(AccountSpec { folders: Some(vec![" ".into()]), ..spec() }), AccountField::Folders);
        assert_eq!(field(AccountSpec { interval_secs: Some(5), ..spec() }), AccountField::Interval);
        assert_eq!(field(AccountSpec { quirks: vec!["nope".into()], ..spec() }), AccountField::Quirks);
        let quirk = AccountSpec { quirks: vec!["nope".into()], ..spec() }.validate().expect_err("unknown quirk");
        assert_eq!((quirk.kind, quirk.value.as_deref()), (FieldProblem::UnknownQuirk, Some("nope")));
        assert_eq!(check_password("").expect_err("empty").field, AccountField::Password);
    }

    #[test]
    fn intranet_and_internationalised_domains_are_addresses() {
        assert_eq!(check_email(" jane@corp ").as_deref(), Ok("jane@corp"));
        assert_eq!(check_email("jürgen@bücher.de").as_deref(), Ok("jürgen@bücher.de"));
    }

    #[test]
    fn a_file_that_is_not_a_certificate_is_refused_with_its_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("not-a-cert.pem");
        std::fs::write(&path, "hello").expect("write");
        let e = check_ca_file(&path.display().to_string()).expect_err("refused");
        assert_eq!(e.field, AccountField::CaFile);
        assert!(e.message.contains("not-a-cert.pem") && e.message.contains("cannot use the CA file"), "{}", e.message);
    }
}
