//! Which OAuth2 sign-in an address or server offers: the identity servers an administrator
//! lists in `oauth-providers.json` in the data directory (self-hosted ones, or other clients
//! for the big providers), else the built-in provider table with a client id from the
//! environment.
//!
//! Mailbell ships no client ids of its own: a client registered with Google or Microsoft
//! belongs to whoever distributes the build, who sets `MAILBELL_OAUTH_CLIENT_ID_GMAIL`,
//! `MAILBELL_OAUTH_CLIENT_ID_OUTLOOK` (or `MAILBELL_OAUTH_CLIENT_ID` for any), or writes the
//! file. The file is a JSON array of entries such as
//!
//! ```json
//! [{"name": "Example ID", "domains": ["example.org"], "hosts": ["imap.example.org"],
//!   "provider": "custom", "authorize_url": "https://id.example.org/authorize",
//!   "token_url": "https://id.example.org/token", "revoke_url": null,
//!   "scopes": ["email", "imap"], "client_id": "mailbell", "client_secret": null}]
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{OAuthConfig, OAuthError};
use crate::providers;

pub const PROVIDERS_FILE: &str = "oauth-providers.json";
/// Largest providers file read.
const MAX_FILE: u64 = 256 * 1024;

#[derive(Debug, Clone, Deserialize)]
struct FileEntry {
    name: String,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(flatten)]
    config: OAuthConfig,
}

/// An OAuth2 sign-in that an address's server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Offer {
    /// The built-in provider's id (`gmail`), or what the file says (e.g. `custom`).
    pub provider: String,
    /// The provider's name to show ("Gmail", "Example ID").
    pub name: String,
    /// `None` when the provider signs in with OAuth2 but no client is configured for it.
    #[serde(skip)]
    pub config: Option<OAuthConfig>,
    /// Why the sign-in cannot be offered, when `config` is `None`.
    pub unavailable: Option<String>,
}

/// The sign-in for this address (`email`'s domain) or server `host`, if any. A broken
/// providers file is an error that names the file.
pub fn offer(email: &str, host: &str, data_dir: &Path) -> Result<Option<Offer>, OAuthError> {
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let matches = |e: &FileEntry| {
        e.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) || e.hosts.iter().any(|h| !host.is_empty() && h.eq_ignore_ascii_case(host))
    };
    let entries = read_file(&data_dir.join(PROVIDERS_FILE))?;
    if let Some(e) = entries.into_iter().find(matches) {
        e.config.validate()?;
        return Ok(Some(Offer { provider: e.config.provider.clone(), name: e.name, config: Some(e.config), unavailable: None }));
    }
    let Some(p) = providers::for_host(host).or_else(|| providers::for_domain(domain)).filter(|p| p.oauth.is_some()) else {
        return Ok(None);
    };
    let var = format!("MAILBELL_OAUTH_CLIENT_ID_{}", p.id.to_ascii_uppercase().replace('-', "_"));
    let client_id = std::env::var(&var).or_else(|_| std::env::var("MAILBELL_OAUTH_CLIENT_ID")).unwrap_or_default();
    if client_id.trim().is_empty() {
        let why = format!(
            "This build of Mailbell has no client registered at {} for signing in: use an app password, or set {var} (see the README).",
            p.name
        );
        return Ok(Some(Offer { provider: p.id.to_string(), name: p.name.to_string(), config: None, unavailable: Some(why) }));
    }
    Ok(Some(Offer { provider: p.id.to_string(), name: p.name.to_string(), config: p.oauth_config(client_id.trim()), unavailable: None }))
}

fn read_file(path: &Path) -> Result<Vec<FileEntry>, OAuthError> {
    let bad = |detail: String| OAuthError::Config(format!("{}: {detail}", path.display()));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(bad(e.to_string())),
    };
    if meta.len() > MAX_FILE {
        return Err(bad(format!("larger than {} KiB", MAX_FILE / 1024)));
    }
    let text = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    serde_json::from_slice(&text).map_err(|e| bad(format!("not a JSON list of providers ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(json: Option<&str>) -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        if let Some(j) = json {
            std::fs::write(d.path().join(PROVIDERS_FILE), j).expect("write");
        }
        d
    }

    #[test]
    fn the_file_wins_then_the_table_says_what_is_missing() {
        let d = dir_with(Some(
            r#"[{"name":"Example ID","domains":["example.org"],"hosts":["imap.example.net"],"provider":"custom",
                "authorize_url":"http://127.0.0.1:9/a","token_url":"http://127.0.0.1:9/t","revoke_url":null,
                "scopes":["imap"],"client_id":"mb","client_secret":null}]"#,
        ));
        let o = offer("jane@example.org", "", d.path()).expect("ok").expect("offer");
        assert_eq!(o.name, "Example ID");
        assert_eq!(o.config.as_ref().map(|c| c.client_id.as_str()), Some("mb"));
        assert!(offer("jane@other.org", "imap.example.net", d.path()).expect("ok").is_some(), "by host");
        assert_eq!(offer("jane@other.org", "imap.other.org", d.path()).expect("ok"), None);

        // Gmail is in the table; without a client id the offer says why it cannot be used.
        if std::env::var_os("MAILBELL_OAUTH_CLIENT_ID_GMAIL").is_none() && std::env::var_os("MAILBELL_OAUTH_CLIENT_ID").is_none() {
            let o = offer("jane@gmail.com", "", d.path()).expect("ok").expect("offer");
            assert_eq!(o.name, "Gmail");
            assert!(o.config.is_none());
            assert!(o.unavailable.as_deref().is_some_and(|w| w.contains("MAILBELL_OAUTH_CLIENT_ID_GMAIL")), "{o:?}");
        }
        assert_eq!(offer("jane@fastmail.com", "", d.path()).expect("ok"), None, "password providers offer nothing");
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let d = dir_with(Some("{not json"));
        let e = offer("jane@example.org", "", d.path()).expect_err("broken");
        assert!(e.to_string().contains(PROVIDERS_FILE), "{e}");
        let d = dir_with(Some(
            r#"[{"name":"Plain","domains":["example.org"],"provider":"custom","authorize_url":"http://id.example.org/a",
                "token_url":"http://id.example.org/t","revoke_url":null,"scopes":[],"client_id":"mb","client_secret":null}]"#,
        ));
        let e = offer("jane@example.org", "", d.path()).expect_err("http refused");
        assert!(e.to_string().contains("https"), "{e}");
        assert_eq!(offer("jane@example.org", "", dir_with(None).path()).expect("no file is fine"), None);
    }
}
