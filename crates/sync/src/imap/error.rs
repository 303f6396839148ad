//! What can go wrong talking to an IMAP server, worded so the user knows what to fix.

use std::time::Duration;

use crate::net::CertificateInfo;

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect { host: String, port: u16, source: std::io::Error },
    #[error("{host}:{port} did not answer within {}s while {what}", timeout.as_secs())]
    Timeout { host: String, port: u16, what: &'static str, timeout: Duration },
    #[error("certificate for {host} is not trusted ({detail}){}: pass --ca-file with the CA that signed it, check the host name, or, having checked the fingerprint with the server's administrator, pin it with `mailbell-cli account trust-cert`", fingerprint(.cert))]
    UntrustedCertificate { host: String, detail: String, cert: Option<Box<CertificateInfo>> },
    /// The account pins a certificate (the user trusted it) and the server presents another:
    /// either the server renewed it or someone is in between. Only the user can tell.
    #[error("the certificate of {host} changed: it is no longer the one trusted for this account (SHA-256 {pinned}){}; Mailbell stopped checking this account. Ask the server's administrator whether the certificate was renewed, then trust the new one with `mailbell-cli account trust-cert`", fingerprint(.cert))]
    CertificateChanged { host: String, pinned: String, cert: Option<Box<CertificateInfo>> },
    #[error("TLS handshake with {host} failed: {detail}")]
    Tls { host: String, detail: String },
    #[error("cannot use the CA file {path}: {detail}")]
    CaFile { path: String, detail: String },
    #[error("{host}:{port} does not offer STARTTLS: refusing to send the password unencrypted (use --security tls on port 993, or plain only if you really mean it)")]
    StartTlsNotOffered { host: String, port: u16 },
    #[error("STARTTLS was refused by {host}: {text}")]
    StartTlsRefused { host: String, text: String },
    #[error("{host} refuses to log in on an unencrypted connection (LOGINDISABLED): use --security tls or starttls")]
    LoginDisabled { host: String },
    #[error("authentication failed for {user} on {host}: check the password (server said: {text})")]
    AuthFailed { user: String, host: String, text: String },
    #[error("{host} cannot check logins right now (server said: {text}): Mailbell will try again")]
    LoginUnavailable { host: String, text: String },
    #[error("{host} refused the sign-in token for {user} (server said: {text}): sign in again")]
    TokenRefused { user: String, host: String, text: String },
    #[error(
        "{host} does not offer OAuth2 sign-in (no AUTH=OAUTHBEARER or AUTH=XOAUTH2): use a password or an app password for this server"
    )]
    NoOAuth { host: String },
    #[error("the server closed the connection: {0}")]
    Bye(String),
    #[error("the connection to the server was lost")]
    ConnectionLost,
    #[error("{command} failed: {text}")]
    Command { command: String, text: String },
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
}

impl ImapError {
    /// A failure of one command in one folder: the connection is still good and the other
    /// folders can go on.
    pub fn is_folder_local(&self) -> bool {
        matches!(self, ImapError::Command { .. })
    }

    /// Retrying will not help until the user changes something (password, settings, CA).
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            ImapError::AuthFailed { .. }
                | ImapError::TokenRefused { .. }
                | ImapError::NoOAuth { .. }
                | ImapError::UntrustedCertificate { .. }
                | ImapError::CertificateChanged { .. }
                | ImapError::CaFile { .. }
                | ImapError::StartTlsNotOffered { .. }
                | ImapError::LoginDisabled { .. }
        )
    }
}

/// " (the server presents ... SHA-256 ...)" for a certificate that could be read.
fn fingerprint(cert: &Option<Box<CertificateInfo>>) -> String {
    match cert {
        Some(c) => format!("; the server presents {} issued by {}, SHA-256 {}", c.subject, c.issuer, c.sha256_fingerprint),
        None => String::new(),
    }
}

/// The server's own words from async-imap's NO/BAD text, which it formats as
/// `code: Some(..), info: Some("...")` (Rust debug output, not fit for a user).
pub(crate) fn server_words(formatted: &str) -> String {
    let Some(start) = formatted.find("info: Some(\"") else {
        return formatted.to_string();
    };
    let rest = &formatted[start + "info: Some(\"".len()..];
    let inner = rest.strip_suffix("\")").unwrap_or(rest);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        use async_imap::error::Error as E;
        match e {
            E::Io(io) => ImapError::Io(io),
            E::ConnectionLost => ImapError::ConnectionLost,
            E::Bad(text) | E::No(text) => ImapError::Command { command: "command".into(), text: server_words(&text) },
            E::Parse(p) => ImapError::Protocol(p.to_string()),
            other => ImapError::Protocol(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::server_words;

    #[test]
    fn server_words_are_recovered_from_debug_formatting() {
        assert_eq!(
            server_words(r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(server_words(r#"code: None, info: Some("say \"hi\"")"#), "say \"hi\"");
        assert_eq!(server_words("plain text"), "plain text");
    }
}
