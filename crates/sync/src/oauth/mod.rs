//! OAuth2 sign-in for providers that refuse passwords (Gmail, Microsoft 365, identity servers
//! in front of self-hosted mail).
//!
//! - `flow`: the authorization-code flow with PKCE for native apps (RFC 6749, RFC 7636,
//!   RFC 8252): the consent page opens in the system browser and the code comes back to a
//!   listener on 127.0.0.1 with a random port.
//! - `token`: the token endpoint (code exchange, refresh) and revocation (RFC 7009).
//! - `cache`: access tokens in memory, refreshed before they expire.
//! - `registry`: which sign-in an address offers (administrator's file, built-in table).
//!
//! The IMAP side (XOAUTH2 and OAUTHBEARER, RFC 7628) is `imap::sasl`: this module speaks
//! HTTP to identity servers over `net` and never to a mail server.
//!
//! Only the refresh token is kept, in the keyring entry that holds a password for other
//! accounts. Access tokens live in memory only. Neither ever reaches the store, a log line,
//! an event or an error message.

mod cache;
pub(crate) mod flow;
pub(crate) mod form;
mod pkce;
mod registry;
pub(crate) mod token;

pub use crate::model::OAuthConfig;
pub use cache::TokenCache;
pub use flow::{start, Authorization, REDIRECT_WAIT};
pub use registry::{offer, Offer, PROVIDERS_FILE};
pub use token::{refresh, revoke, Tokens};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("the OAuth2 settings are not usable: {0}")]
    Config(String),
    #[error("cannot listen for the browser's answer on 127.0.0.1: {0}")]
    Listener(String),
    #[error("no answer came back from the browser within {} minutes: start the sign-in again", .0 / 60)]
    TimedOut(u64),
    #[error("the sign-in was refused ({error}){}", fmt_description(.description))]
    Denied { error: String, description: Option<String> },
    #[error("cannot reach the sign-in server {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the sign-in has expired or was revoked ({error}{}): sign in again", fmt_description(.description))]
    SignInAgain { error: String, description: Option<String> },
    #[error("the sign-in server refused the request ({error}){}", fmt_description(.description))]
    Refused { error: String, description: Option<String> },
    #[error("the sign-in server gave an answer Mailbell cannot use: {0}")]
    BadAnswer(String),
}

fn fmt_description(d: &Option<String>) -> String {
    match d {
        Some(d) if !d.is_empty() => format!(": {d}"),
        _ => String::new(),
    }
}

impl OAuthError {
    /// Only the user can fix it by signing in again (no retry will help).
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, OAuthError::SignInAgain { .. })
    }
}

impl OAuthConfig {
    /// Checks the endpoints: https, except on the loopback interface (a local identity
    /// server, or a test's), where http is allowed as RFC 8252 allows for redirects.
    pub fn validate(&self) -> Result<(), OAuthError> {
        if self.client_id.trim().is_empty() {
            return Err(OAuthError::Config("no client id: give the one registered for Mailbell at the provider".into()));
        }
        for (what, url) in
            [("authorization", Some(&self.authorize_url)), ("token", Some(&self.token_url)), ("revocation", self.revoke_url.as_ref())]
        {
            let Some(url) = url else { continue };
            let parsed = crate::net::http::Url::parse(url)
                .ok_or_else(|| OAuthError::Config(format!("the {what} URL {url:?} is not an http(s) URL")))?;
            if !parsed.https && !is_loopback(&parsed.host) {
                return Err(OAuthError::Config(format!("the {what} URL {url:?} must use https (http only on 127.0.0.1 or localhost)")));
            }
        }
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn config(base: &str) -> OAuthConfig {
        OAuthConfig {
            provider: "custom".into(),
            authorize_url: format!("{base}/authorize"),
            token_url: format!("{base}/token"),
            revoke_url: Some(format!("{base}/revoke")),
            scopes: vec!["mail".into()],
            client_id: "mailbell".into(),
            client_secret: None,
        }
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        assert_eq!(config("https://id.example.org").validate(), Ok(()));
        assert_eq!(config("http://127.0.0.1:8080").validate(), Ok(()));
        assert_eq!(config("http://localhost:8080").validate(), Ok(()));
        let e = config("http://id.example.org").validate().expect_err("plain http refused");
        assert!(e.to_string().contains("must use https"), "{e}");
        let e = OAuthConfig { client_id: " ".into(), ..config("https://id.example.org") }.validate().expect_err("no client");
        assert!(e.to_string().contains("client id"), "{e}");
        assert!(OAuthConfig { token_url: "ftp://x".into(), ..config("https://id.example.org") }.validate().is_err());
    }
}
