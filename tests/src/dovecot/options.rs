//! What a test can ask of its server: users, capabilities, TLS, auth delays.

#[cfg(doc)]
use super::Dovecot;
use crate::OAuthServer;

/// A mail account on the test server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub password: String,
}

impl User {
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> User {
        User { name: name.into(), password: password.into() }
    }
}

/// Which server certificate the instance presents. Every variant is signed by the instance's
/// own CA ([`Dovecot::ca_cert_path`]), so a client that trusts that CA refuses the bad ones for
/// the one reason the variant is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Certificate {
    /// Valid now, SAN `DNS:localhost, IP:127.0.0.1`.
    #[default]
    Valid,
    /// Right names, but its validity ended in the past.
    Expired,
    /// Valid now, but only for `DNS:mail.example.org` (no loopback name or address).
    WrongHost,
}

/// The capability of Dovecot's imap_zlib plugin (RFC 4978), which the test server loads:
/// hide it (`hide_capability(COMPRESS_DEFLATE)`) for a server without it, e.g. for a proxy that
/// must read the commands on the wire.
pub const COMPRESS_DEFLATE: &str = "COMPRESS=DEFLATE";

/// How to set up a test server. `DovecotOptions::default()` is a well-behaved modern server with
/// one user, `alice` / `alice-secret-pw`.
#[derive(Debug, Clone)]
pub struct DovecotOptions {
    pub users: Vec<User>,
    /// Announce LIST-STATUS (RFC 5819). `false` makes clients take the STATUS-per-folder path.
    pub list_status: bool,
    /// Enable TLS: an implicit-TLS port plus STARTTLS on the plain port. `false` gives an
    /// instance without any TLS (see [`Dovecot::tls_port`]): Dovecot cannot drop STARTTLS from
    /// one port only.
    pub starttls: bool,
    /// Further capabilities to hide from CAPABILITY, e.g. `"IDLE"`, `"CONDSTORE"`. STARTTLS and
    /// AUTH= cannot be hidden this way.
    pub hide_capabilities: Vec<String>,
    /// Keep Dovecot's production delays after a failed login (up to 2 s failure delay, growing
    /// per-IP penalty). Off by default so wrong-password tests stay fast.
    pub realistic_auth_delays: bool,
    /// Dovecot's `mail_max_userip_connections` (its default, 10, is also typical of providers).
    pub max_connections_per_user: u32,
    /// The server certificate to present (see [`Certificate`]).
    pub certificate: Certificate,
    /// Dovecot's `disable_plaintext_auth`. `true` makes the plain port announce LOGINDISABLED
    /// and refuse LOGIN, but only to clients Dovecot does not count as secure: a connection
    /// whose source and destination addresses are equal (127.0.0.1 to itself) counts as
    /// secure, so reach the port from another address, e.g. through
    /// `Proxy::start_from(.., 127.0.0.2)`.
    pub disable_plaintext_auth: bool,
    /// When set, Dovecot also accepts OAuth 2.0 bearer tokens (SASL `XOAUTH2` and RFC 7628
    /// `OAUTHBEARER`), checking each one with an RFC 7662 introspection POST to this URL on every
    /// login (no auth cache), e.g. [`OAuthServer::introspect_url`]. Passwords keep working for
    /// `PLAIN`/`LOGIN`. The token's `username` must equal the SASL user (lower-cased).
    /// A refused token gets one `+ <base64 JSON>` continuation, then `NO [AUTHENTICATIONFAILED]`
    /// after the client's (empty) answer; an unreachable introspection endpoint gets
    /// `NO [UNAVAILABLE]` at once. tests/tests/oauth_harness.rs pins the exact bytes.
    pub oauth2_introspection_url: Option<String>,
    /// The bearer mechanisms offered with [`oauth2_introspection_url`](Self::oauth2_introspection_url)
    /// (lower case): both by default; `["xoauth2"]` gives a server like Gmail's of old, so a
    /// client's choice by capability can be tested.
    pub oauth2_mechanisms: Vec<String>,
    /// Special-use folders to leave out (by name, e.g. `"Archive"`): the account then has no
    /// such folder at all, as on a server that marks none (every test account has Drafts,
    /// Sent, Trash, Junk and Archive otherwise).
    pub without_special_use: Vec<String>,
}

impl Default for DovecotOptions {
    fn default() -> Self {
        DovecotOptions {
            users: vec![User::new("alice", "alice-secret-pw")],
            list_status: true,
            starttls: true,
            hide_capabilities: Vec::new(),
            realistic_auth_delays: false,
            max_connections_per_user: 10,
            certificate: Certificate::Valid,
            disable_plaintext_auth: false,
            oauth2_introspection_url: None,
            oauth2_mechanisms: vec!["xoauth2".into(), "oauthbearer".into()],
            without_special_use: Vec::new(),
        }
    }
}

impl DovecotOptions {
    /// Adds a user (the default `alice` stays).
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.push(User::new(name, password));
        self
    }
    pub fn list_status(mut self, on: bool) -> Self {
        self.list_status = on;
        self
    }
    pub fn starttls(mut self, on: bool) -> Self {
        self.starttls = on;
        self
    }
    pub fn hide_capability(mut self, cap: impl Into<String>) -> Self {
        self.hide_capabilities.push(cap.into());
        self
    }
    pub fn realistic_auth_delays(mut self, on: bool) -> Self {
        self.realistic_auth_delays = on;
        self
    }
    pub fn max_connections_per_user(mut self, n: u32) -> Self {
        self.max_connections_per_user = n;
        self
    }
    pub fn certificate(mut self, certificate: Certificate) -> Self {
        self.certificate = certificate;
        self
    }
    pub fn disable_plaintext_auth(mut self, on: bool) -> Self {
        self.disable_plaintext_auth = on;
        self
    }
    /// See [`DovecotOptions::oauth2_introspection_url`].
    pub fn oauth2_introspection_url(mut self, url: impl Into<String>) -> Self {
        self.oauth2_introspection_url = Some(url.into());
        self
    }
    /// See [`DovecotOptions::without_special_use`].
    pub fn without_special_use(mut self, name: impl Into<String>) -> Self {
        self.without_special_use.push(name.into());
        self
    }
    /// Accepts the tokens of this server (its introspection URL).
    pub fn oauth2(self, server: &OAuthServer) -> Self {
        self.oauth2_introspection_url(server.introspect_url())
    }
}
