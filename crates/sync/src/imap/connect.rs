//! Opening a connection: TCP, TLS or STARTTLS, the greeting, capabilities and login.
//!
//! The dialogue before login (greeting, CAPABILITY, STARTTLS) is spoken here by hand rather
//! than through async-imap, for two reasons: async-imap's unauthenticated client cannot issue a
//! tagged CAPABILITY, and after STARTTLS every byte the server sent before the handshake must
//! be thrown away (RFC 3207's response-injection attack), which is easiest when the reader is
//! ours and we simply drop its buffer.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::error::ImapError;
use super::session::ImapSession;
use super::stream::ImapStream;
use crate::model::Security;
use crate::net::cert::{self, CertificateInfo};
use crate::net::tcp::{self, ConnectError};
use crate::net::tls::{self, TlsError};

/// Where and how to connect. The password is passed to [`login`] separately and never stored.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub ca_file: Option<String>,
    /// The one certificate (SHA-256, `net::cert::normalise_sha256`'s form) this account
    /// trusts instead of verifying the chain (`net::tls::handshake_pinned`).
    pub pinned_sha256: Option<String>,
    pub timeouts: Timeouts,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// The longest silence tolerated while waiting for any server response.
    pub response: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(15), response: Duration::from_secs(60) }
    }
}

/// Longest line accepted before login: a hostile server must not make us buffer without end.
const MAX_PREAUTH_LINE: u64 = 64 * 1024;

pub type Capabilities = BTreeSet<String>;

/// What a session signs in with.
#[derive(Clone, Copy)]
pub enum Credential<'a> {
    /// LOGIN with a password.
    Password(&'a str),
    /// AUTHENTICATE OAUTHBEARER or XOAUTH2 with an OAuth2 access token.
    Bearer(&'a str),
}

/// Why signing in on an opened connection failed.
pub(crate) enum AuthFailure {
    /// NO or BAD: the server's own words.
    Refused(String),
    Other(ImapError),
}

/// Connects, secures the connection as configured and logs in.
#[cfg(feature = "fuzzing")]
pub async fn login(cfg: &ServerConfig, username: &str, password: &str) -> Result<ImapSession, ImapError> {
    let (stream, caps) = open(cfg).await?;
    login_on(cfg, stream, &caps, username, password).await
}

/// Logs in with a password on a connection [`open`] secured (e.g. while the password was
/// still being read from the keyring).
pub async fn login_on(
    cfg: &ServerConfig,
    stream: ImapStream,
    caps: &Capabilities,
    username: &str,
    password: &str,
) -> Result<ImapSession, ImapError> {
    authenticate(cfg, stream, caps, username, Credential::Password(password)).await.map_err(|f| match f {
        AuthFailure::Refused(text) => ImapError::AuthFailed { user: username.to_string(), host: cfg.host.clone(), text },
        AuthFailure::Other(e) => e,
    })
}

/// Connects, secures the connection as configured and signs in with an OAuth2 access token
/// (OAUTHBEARER, else XOAUTH2). A refused token is [`ImapError::TokenRefused`].
pub async fn login_bearer(cfg: &ServerConfig, username: &str, access_token: &str) -> Result<ImapSession, ImapError> {
    let (stream, caps) = open(cfg).await?;
    authenticate(cfg, stream, &caps, username, Credential::Bearer(access_token)).await.map_err(|f| match f {
        AuthFailure::Refused(text) => ImapError::TokenRefused { user: username.to_string(), host: cfg.host.clone(), text },
        AuthFailure::Other(e) => e,
    })
}

/// Signs in on an opened, secured connection whose pre-login capabilities are `caps`, and
/// learns the capabilities that hold after it.
pub(crate) async fn authenticate(
    cfg: &ServerConfig,
    stream: ImapStream,
    caps: &Capabilities,
    username: &str,
    credential: Credential<'_>,
) -> Result<ImapSession, AuthFailure> {
    use super::sasl::{BearerAuth, Mechanism};
    let client = async_imap::Client::new(stream);
    let (attempt, refusal, what) = match credential {
        Credential::Password(password) => {
            if caps.contains("LOGINDISABLED") {
                return Err(AuthFailure::Other(ImapError::LoginDisabled { host: cfg.host.clone() }));
            }
            let attempt = crate::guard::unpanicked(client.login_with_capabilities(username, password));
            (futures::future::Either::Left(attempt), None, "LOGIN")
        }
        Credential::Bearer(token) => {
            let Some(mech) = Mechanism::choose(caps) else {
                return Err(AuthFailure::Other(ImapError::NoOAuth { host: cfg.host.clone() }));
            };
            let auth = BearerAuth::new(mech, username, token, &cfg.host, cfg.port);
            let refusal = std::sync::Arc::clone(&auth.refusal);
            // async-imap does not hand over AUTHENTICATE's capability list: none, ask below.
            let attempt = crate::guard::unpanicked(async move { client.authenticate(mech.name(), auth).await.map(|s| (s, None)) });
            (futures::future::Either::Right(attempt), Some(refusal), mech.name())
        }
    };
    let (session, caps) = match tokio::time::timeout(cfg.timeouts.response, attempt).await {
        Err(_) => return Err(AuthFailure::Other(timeout(cfg, "logging in"))),
        Ok(None) => return Err(AuthFailure::Other(ImapError::Protocol(format!("the server's answer to {what} cannot be parsed")))),
        Ok(Some(Ok(s))) => s,
        Ok(Some(Err((async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text), _)))) => {
            let mut words = super::error::server_words(&text);
            // RFC 5530 [UNAVAILABLE]: the server cannot check credentials now (its password
            // database or token introspection is down). Not the user's to fix: try again later.
            if text.to_ascii_uppercase().contains("UNAVAILABLE") {
                return Err(AuthFailure::Other(ImapError::LoginUnavailable { host: cfg.host.clone(), text: words }));
            }
            // A refused bearer token also came with a JSON status (RFC 7628 §3.2.2).
            if let Some(status) = refusal.and_then(|r| r.lock().unwrap_or_else(|p| p.into_inner()).take()) {
                words = format!("{words} {status}");
            }
            return Err(AuthFailure::Refused(words));
        }
        Ok(Some(Err((e, _)))) => return Err(AuthFailure::Other(e.into())),
    };
    let mut session = ImapSession::new(session, cfg.host.clone(), cfg.port, cfg.timeouts.response);
    // Capabilities change after login (Dovecot lists far more). Most servers put the new
    // list in the LOGIN completion; ask only when this one did not.
    match caps {
        Some(caps) => session.set_capabilities(caps.iter().map(super::session::cap_name_of).collect()),
        None => session.refresh_capabilities().await.map_err(AuthFailure::Other)?,
    }
    Ok(session)
}

/// Everything up to, not including, authentication: returns the secured stream and the
/// capabilities the server announced on it.
pub async fn open(cfg: &ServerConfig) -> Result<(ImapStream, Capabilities), ImapError> {
    // The TLS connector (the first of a process loads the CA store) is built while the TCP
    // connection is being made, not after: neither needs the other.
    let connecting = tcp::connect(&cfg.host, cfg.port, cfg.timeouts.connect);
    let tcp = if cfg.security != Security::Plain && cfg.pinned_sha256.is_none() {
        tokio::join!(connecting, tls::prepare(cfg.ca_file.as_deref())).0
    } else {
        connecting.await
    };
    let tcp = tcp.map_err(|e| match e {
        ConnectError::Timeout => timeout_with(cfg, "connecting", cfg.timeouts.connect),
        ConnectError::Io(source) => ImapError::Connect { host: cfg.host.clone(), port: cfg.port, source },
    })?;
    let peer = tcp.peer_addr().ok();
    match secure(cfg, tcp, &mut ()).await {
        Ok(done) => Ok(done),
        // Show the user the certificate they are asked to trust: its fingerprint is what
        // they check with the administrator and pin. This costs a second connection, once:
        // the account then waits for the user.
        Err((_, ImapError::UntrustedCertificate { host, detail, cert: None })) => {
            let cert = match peer {
                Some(addr) => read_certificate(cfg, addr, &detail).await.map(Box::new),
                None => None,
            };
            Err(ImapError::UntrustedCertificate { host, detail, cert })
        }
        Err((_, e)) => Err(e),
    }
}

/// Reads the certificate `cfg.host` presents at `addr` (after STARTTLS when so configured),
/// without verifying it. `None` when even an unverified handshake fails.
pub(crate) async fn read_certificate(cfg: &ServerConfig, addr: std::net::SocketAddr, reason: &str) -> Option<CertificateInfo> {
    let deadline = cfg.timeouts.connect + cfg.timeouts.response;
    let der = tokio::time::timeout(deadline, peer_certificate(cfg, addr)).await.ok()??;
    cert::describe(&der, reason)
}

async fn peer_certificate(cfg: &ServerConfig, addr: std::net::SocketAddr) -> Option<Vec<u8>> {
    let tcp = tcp::connect_any(&[addr], cfg.timeouts.connect).await.ok()?;
    let tcp = match cfg.security {
        Security::Tls => tcp,
        Security::Starttls => {
            let mut plain = BufReader::new(tcp);
            greeting(cfg, &mut plain).await.ok()?;
            write_line(cfg, &mut plain, "C1 STARTTLS").await.ok()?;
            let (ok, _) = read_tagged(cfg, &mut plain, "C1", |_| {}).await.ok()?;
            if !ok {
                return None;
            }
            plain.into_inner()
        }
        Security::Plain => return None,
    };
    let tls = tls::handshake_unverified(&cfg.host, cfg.timeouts.connect, tcp).await?;
    tls::peer_der(&tls)
}

/// Where the pre-login dialogue stood when it failed: before the server had answered (or,
/// with implicit TLS, before TLS started), or while securing the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Answering,
    Securing,
}

/// What [`secure`] reports as it goes; the live test turns it into its steps.
pub(crate) trait Progress: Send {
    /// The server is there: with implicit TLS, the TCP connection is up (`None`); otherwise
    /// it greeted with these capabilities. Securing starts now.
    fn answered(&mut self, _caps: Option<&Capabilities>) {}
    /// TLS is up, the certificate verified.
    fn secured(&mut self, _tls: &tokio_native_tls::TlsStream<TcpStream>) {}
}

impl Progress for () {}

/// The pre-login dialogue on a connected socket: greeting, CAPABILITY, STARTTLS or implicit
/// TLS as configured (never falling back), and the capabilities that hold on the result.
pub(crate) async fn secure(
    cfg: &ServerConfig,
    tcp: TcpStream,
    progress: &mut dyn Progress,
) -> Result<(ImapStream, Capabilities), (Phase, ImapError)> {
    let answering = |e: ImapError| (Phase::Answering, e);
    let securing = |e: ImapError| (Phase::Securing, e);
    match cfg.security {
        Security::Tls => {
            progress.answered(None);
            let tls = tls_handshake(cfg, tcp).await.map_err(securing)?;
            progress.secured(&tls);
            let mut tls = BufReader::new(tls);
            let caps = match greeting(cfg, &mut tls).await.map_err(securing)? {
                Some(caps) => caps,
                None => capability(cfg, &mut tls).await.map_err(securing)?,
            };
            Ok((ImapStream::tls(into_inner_checked(tls).map_err(securing)?), caps))
        }
        Security::Starttls => {
            let mut plain = BufReader::new(tcp);
            // The plain-text greeting only decides whether to try STARTTLS; a missing STARTTLS
            // (stripped or not) is refused, never worked around.
            let caps = match greeting(cfg, &mut plain).await.map_err(answering)? {
                Some(caps) => caps,
                None => capability(cfg, &mut plain).await.map_err(answering)?,
            };
            progress.answered(Some(&caps));
            if !caps.contains("STARTTLS") {
                return Err(securing(ImapError::StartTlsNotOffered { host: cfg.host.clone(), port: cfg.port }));
            }
            write_line(cfg, &mut plain, "M1 STARTTLS").await.map_err(securing)?;
            let (ok, text) = read_tagged(cfg, &mut plain, "M1", |_| {}).await.map_err(securing)?;
            if !ok {
                return Err(securing(ImapError::StartTlsRefused { host: cfg.host.clone(), text }));
            }
            // Dropping the reader's buffer discards anything the server sent after its OK and
            // before the handshake: such bytes are unauthenticated and may be an attacker's.
            let tcp = plain.into_inner();
            let tls = tls_handshake(cfg, tcp).await.map_err(securing)?;
            progress.secured(&tls);
            let mut tls = BufReader::new(tls);
            // Nothing said before the handshake is trusted: ask again over TLS.
            let caps = capability(cfg, &mut tls).await.map_err(securing)?;
            Ok((ImapStream::tls(into_inner_checked(tls).map_err(securing)?), caps))
        }
        Security::Plain => {
            let mut plain = BufReader::new(tcp);
            let caps = match greeting(cfg, &mut plain).await.map_err(answering)? {
                Some(caps) => caps,
                None => capability(cfg, &mut plain).await.map_err(answering)?,
            };
            let stream = into_inner_checked(plain).map_err(answering)?;
            progress.answered(Some(&caps));
            Ok((ImapStream::plain(stream), caps))
        }
    }
}

fn timeout(cfg: &ServerConfig, what: &'static str) -> ImapError {
    timeout_with(cfg, what, cfg.timeouts.response)
}

pub(crate) fn timeout_with(cfg: &ServerConfig, what: &'static str, t: Duration) -> ImapError {
    ImapError::Timeout { host: cfg.host.clone(), port: cfg.port, what, timeout: t }
}

/// The server must not have said anything we did not ask for before login: bytes left in the
/// buffer would otherwise be lost between our reader and async-imap's.
pub(crate) fn into_inner_checked<S: AsyncRead>(r: BufReader<S>) -> Result<S, ImapError> {
    if !r.buffer().is_empty() {
        return Err(ImapError::Protocol("the server sent data before it was asked".into()));
    }
    Ok(r.into_inner())
}

/// The verified TLS handshake of `net::tls`, its failures worded for an IMAP account.
pub(crate) async fn tls_handshake(cfg: &ServerConfig, tcp: TcpStream) -> Result<tokio_native_tls::TlsStream<TcpStream>, ImapError> {
    let done = match &cfg.pinned_sha256 {
        Some(pin) => tls::handshake_pinned(&cfg.host, pin, cfg.timeouts.connect, tcp).await,
        None => tls::handshake(&cfg.host, cfg.ca_file.as_deref(), cfg.timeouts.connect, tcp).await,
    };
    done.map_err(|e| tls_error(cfg, e))
}

fn tls_error(cfg: &ServerConfig, e: TlsError) -> ImapError {
    match e {
        TlsError::CaFile { path, detail } => ImapError::CaFile { path, detail },
        TlsError::Untrusted { detail } => ImapError::UntrustedCertificate { host: cfg.host.clone(), detail, cert: None },
        TlsError::Changed { der } => ImapError::CertificateChanged {
            host: cfg.host.clone(),
            pinned: cfg.pinned_sha256.clone().unwrap_or_default(),
            cert: cert::describe(&der, "not the pinned certificate").map(Box::new),
        },
        TlsError::Failed { detail } => ImapError::Tls { host: cfg.host.clone(), detail },
        TlsError::Timeout(t) => timeout_with(cfg, "negotiating TLS", t),
    }
}

async fn read_line<R: AsyncBufReadExt + Unpin>(cfg: &ServerConfig, r: &mut R) -> Result<String, ImapError> {
    let mut buf = Vec::new();
    let mut limited = (&mut *r).take(MAX_PREAUTH_LINE);
    let read = tokio::time::timeout(cfg.timeouts.response, limited.read_until(b'\n', &mut buf));
    let n = read.await.map_err(|_| timeout(cfg, "waiting for the server"))??;
    if n == 0 {
        return Err(ImapError::ConnectionLost);
    }
    if !buf.ends_with(b"\n") {
        return Err(ImapError::Protocol("over-long line before login".into()));
    }
    Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
}

pub(crate) async fn write_line<W: AsyncWrite + Unpin>(cfg: &ServerConfig, w: &mut W, line: &str) -> Result<(), ImapError> {
    let write = async {
        w.write_all(line.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
        w.flush().await
    };
    tokio::time::timeout(cfg.timeouts.response, write).await.map_err(|_| timeout(cfg, "sending a command"))??;
    Ok(())
}

/// Reads the greeting; returns the capabilities it carries, if any ("* OK [CAPABILITY ...]").
pub(crate) async fn greeting<R: AsyncBufReadExt + Unpin>(cfg: &ServerConfig, r: &mut R) -> Result<Option<Capabilities>, ImapError> {
    let line = read_line(cfg, r).await?;
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("* OK") {
        Ok(greeting_capabilities(&upper))
    } else if upper.starts_with("* BYE") {
        Err(ImapError::Bye(line[5..].trim().to_string()))
    } else if upper.starts_with("* PREAUTH") {
        // A pre-authenticated connection skips our security checks; refuse rather than guess.
        Err(ImapError::Protocol("the server greets with PREAUTH, which Mailbell does not support".into()))
    } else {
        Err(ImapError::Protocol(format!("not an IMAP server greeting: {}", truncate(&line, 120))))
    }
}

fn greeting_capabilities(upper: &str) -> Option<Capabilities> {
    let start = upper.find("[CAPABILITY ")? + "[CAPABILITY ".len();
    let end = start + upper[start..].find(']')?;
    let caps: Capabilities = upper[start..end].split_ascii_whitespace().map(str::to_string).collect();
    caps.contains("IMAP4REV1").then_some(caps)
}

pub(crate) async fn capability<S: AsyncRead + AsyncWrite + Unpin>(
    cfg: &ServerConfig,
    s: &mut BufReader<S>,
) -> Result<Capabilities, ImapError> {
    write_line(cfg, s, "M0 CAPABILITY").await?;
    let mut caps = Capabilities::new();
    let (ok, text) = read_tagged(cfg, s, "M0", |line| {
        if let Some(rest) = strip_prefix_ci(line, "* CAPABILITY ") {
            caps.extend(rest.split_ascii_whitespace().map(str::to_ascii_uppercase));
        }
    })
    .await?;
    if !ok {
        return Err(ImapError::Command { command: "CAPABILITY".into(), text });
    }
    Ok(caps)
}

/// Reads lines until the tagged completion of `tag`; returns (was OK, its text).
pub(crate) async fn read_tagged<R: AsyncBufReadExt + Unpin>(
    cfg: &ServerConfig,
    r: &mut R,
    tag: &str,
    mut untagged: impl FnMut(&str),
) -> Result<(bool, String), ImapError> {
    loop {
        let line = read_line(cfg, r).await?;
        if let Some(rest) = line.strip_prefix(tag).and_then(|x| x.strip_prefix(' ')) {
            let ok = rest.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("OK"));
            return Ok((ok, rest.to_string()));
        }
        if strip_prefix_ci(&line, "* BYE").is_some() {
            return Err(ImapError::Bye(line[5..].trim().to_string()));
        }
        untagged(&line);
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greeting_capabilities_are_read_when_complete() {
        let g = "* OK [CAPABILITY IMAP4REV1 SASL-IR STARTTLS AUTH=PLAIN] DOVECOT READY.";
        let caps = greeting_capabilities(g).expect("caps");
        assert!(caps.contains("STARTTLS") && caps.contains("AUTH=PLAIN"));
        assert_eq!(greeting_capabilities("* OK READY"), None);
        assert_eq!(greeting_capabilities("* OK [CAPABILITY STARTTLS"), None, "unterminated");
        assert_eq!(greeting_capabilities("* OK [CAPABILITY FOO] X"), None, "not an IMAP4rev1 list");
    }

    #[test]
    fn prefix_match_ignores_case_and_survives_short_input() {
        assert_eq!(strip_prefix_ci("* capability IMAP4rev1", "* CAPABILITY "), Some("IMAP4rev1"));
        assert_eq!(strip_prefix_ci("*", "* BYE"), None);
        assert_eq!(strip_prefix_ci("* Bü", "* BYE"), None);
    }
}
