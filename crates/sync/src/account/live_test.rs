//! The live connection test: what the setup wizard, the account editor and `account check`
//! show before an account is saved or changed.
//!
//! The test walks the same steps a sync does, one at a time, and reports each: Connect (DNS
//! and TCP), Secure (TLS or STARTTLS, with the certificate verified exactly as for a sync),
//! Authenticate (LOGIN), ListFolders (LIST, with counts where LIST-STATUS makes them free).
//! A failed step says why in the server's own words where there are any, and what to do; the
//! steps after it are skipped. It uses the same pre-login helpers as `imap::connect` (greeting,
//! CAPABILITY, STARTTLS with its buffer thrown away, the cached TLS connector), so what
//! passes here passes for the sync.
//!
//! The password is used for LOGIN only: it is never part of the report.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use serde::Serialize;
use tokio::net::TcpStream;

use crate::imap::{
    authenticate, read_certificate, secure, AuthFailure, Capabilities, Credential, ImapError, Phase, Progress, ServerConfig,
};
use crate::model::{watched_by_default, Security};
use crate::net::cert::{self, CertificateInfo};
use crate::net::tcp::connect_any;
use crate::net::tls;
use crate::providers::{self, Access, Provider};

/// The four steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Step {
    /// Host name lookup and TCP connection (and, without implicit TLS, the greeting).
    Connect,
    /// TLS or STARTTLS, certificate verified.
    Secure,
    /// LOGIN with the user name and password.
    Authenticate,
    /// LIST of every folder.
    ListFolders,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StepReport {
    pub step: Step,
    pub status: StepStatus,
    /// What happened: for a success, what was found (address, TLS, folder count); for a
    /// failure, the error with the server's own words where it gave any.
    pub detail: String,
    /// The same as a kind with its arguments, for a front end's own words (`detail` then goes
    /// under "Details"). None for a step that was not reached.
    pub detail_kind: Option<StepDetail>,
    pub elapsed_ms: u64,
}

/// What a step found, or that it failed, as a kind with its arguments. In JSON, `kind` is one
/// of the names below, its arguments beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum StepDetail {
    /// Connected to `address` (ip:port); `imap`: the server greeted as an IMAP server (without
    /// implicit TLS the greeting comes before encryption).
    Connected {
        address: String,
        imap: bool,
    },
    /// Encrypted (TLS from the first byte, or STARTTLS) with a verified certificate: its subject,
    /// issuer and end (RFC 3339), empty when it could not be read.
    Secured {
        starttls: bool,
        subject: String,
        issuer: String,
        not_after: String,
    },
    /// Plain was chosen: the password travels in the clear.
    NotEncrypted,
    LoggedIn {
        user: String,
    },
    Folders {
        count: u32,
    },
    /// The step failed: the report's `problem`, with the arguments a sentence about it needs.
    Failed {
        problem: Problem,
        host: String,
        port: u16,
        user: String,
    },
}

/// What went wrong, for a front end to act on (e.g. put the message next to the right field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Problem {
    HostNotFound,
    ConnectionRefused,
    TimedOut,
    NetworkUnreachable,
    UntrustedCertificate,
    TlsFailed,
    CaFileUnusable,
    StarttlsNotOffered,
    StarttlsRefused,
    NotImap,
    ServerClosed,
    LoginDisabled,
    AuthFailed,
    /// The server refused the OAuth2 access token.
    TokenRefused,
    /// The server offers no OAuth2 sign-in (AUTH=OAUTHBEARER or AUTH=XOAUTH2).
    OauthNotOffered,
    ListFailed,
    ConnectionLost,
}

/// Which advice the report gives, so that a front end can say it in the user's language (the
/// English `advice` stays for the CLI). Its arguments are in the report: `host`, `port`,
/// `certificate` (`not_after`, `names`), `provider` (`name`, `note`, `help_url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Advice {
    NameServiceSilent,
    CheckHostName,
    CheckPortRunning,
    CheckFirewall,
    CheckNetwork,
    CheckHostAndPort,
    TokenRefused,
    ProviderOauth,
    ProviderSpecialPassword,
    CheckPasswordProvider,
    CheckPassword,
    LoginDisabled,
    UsePassword,
    ListFailed,
    CertificateExpired,
    CertificateNameMismatch,
    TrustSelfSigned,
    TrustCa,
    ChooseCaFile,
    StarttlsNotOffered,
    UseTls,
    TlsWrongPort,
    TlsTooOld,
    StoppedAnswering,
    ServerClosed,
    NotImap,
    ConnectionBroke,
    TryAgain,
}

/// The setting a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Field {
    Host,
    Port,
    Security,
    CaFile,
    Password,
    /// The sign-in in the browser (OAuth2).
    Oauth,
}

impl Problem {
    pub fn field(self) -> Field {
        match self {
            Problem::HostNotFound | Problem::NetworkUnreachable => Field::Host,
            Problem::ConnectionRefused | Problem::TimedOut | Problem::NotImap | Problem::ServerClosed | Problem::ConnectionLost => {
                Field::Port
            }
            Problem::UntrustedCertificate | Problem::CaFileUnusable => Field::CaFile,
            Problem::TlsFailed | Problem::StarttlsNotOffered | Problem::StarttlsRefused | Problem::LoginDisabled => Field::Security,
            Problem::AuthFailed | Problem::ListFailed => Field::Password,
            Problem::TokenRefused | Problem::OauthNotOffered => Field::Oauth,
        }
    }
}

/// What the test knows about the provider, from the built-in table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    pub access: Access,
    pub note: String,
    pub help_url: String,
}

impl From<&Provider> for ProviderInfo {
    fn from(p: &Provider) -> Self {
        ProviderInfo { id: p.id.into(), name: p.name.into(), access: p.access, note: p.note.into(), help_url: p.help_url.into() }
    }
}

/// A folder as the test found it, for the wizard's "choose folders" step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FolderInfo {
    /// Decoded UTF-8 name.
    pub name: String,
    pub delimiter: Option<String>,
    /// RFC 6154 attribute, e.g. `\Sent`, `\Junk`.
    pub special_use: Option<String>,
    /// False for `\Noselect` / `\NonExistent` folders, which only hold the hierarchy.
    pub selectable: bool,
    /// Counts, present when the server answered LIST-STATUS (no extra round trip).
    pub messages: Option<u32>,
    pub unseen: Option<u32>,
    /// Whether Mailbell's default rule would watch it.
    pub watched_by_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LiveTestReport {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    /// Every step passed.
    pub ok: bool,
    /// Connect, Secure, Authenticate, ListFolders, in that order.
    pub steps: Vec<StepReport>,
    /// The first failure, if any.
    pub problem: Option<Problem>,
    /// The setting that failure concerns.
    pub field: Option<Field>,
    /// What to do about it.
    pub advice: Option<String>,
    /// The same advice as a kind, for a front end's own words.
    pub advice_kind: Option<Advice>,
    /// The certificate, when it was not trusted.
    pub certificate: Option<CertificateInfo>,
    /// The provider, when the built-in table knows the host or the user name's domain.
    pub provider: Option<ProviderInfo>,
    /// Capabilities after login (before it when login failed).
    pub capabilities: Vec<String>,
    /// INBOX first, then by name.
    pub folders: Vec<FolderInfo>,
}

impl LiveTestReport {
    pub fn step(&self, step: Step) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.step == step)
    }
}

/// Runs the live test against `cfg` with these credentials. Never fails: every outcome is in
/// the report.
pub async fn live_test(cfg: &ServerConfig, username: &str, password: &str) -> LiveTestReport {
    live_test_with_progress(cfg, username, password, |_| {}).await
}

/// [`live_test`], calling `on_step` as each step ends (the wizard shows them one by one; a
/// slow server otherwise looks like a frozen window). Skipped steps are reported too.
pub async fn live_test_with_progress(
    cfg: &ServerConfig,
    username: &str,
    password: &str,
    on_step: impl FnMut(&StepReport) + Send,
) -> LiveTestReport {
    live_test_with(cfg, username, Credential::Password(password), on_step).await
}

/// The live test with any credential: a password, or an OAuth2 access token.
pub async fn live_test_with(
    cfg: &ServerConfig,
    username: &str,
    credential: Credential<'_>,
    on_step: impl FnMut(&StepReport) + Send,
) -> LiveTestReport {
    let provider = providers::for_host(&cfg.host).or_else(|| username.rsplit_once('@').and_then(|(_, d)| providers::for_domain(d)));
    let mut t = Test {
        report: LiveTestReport {
            host: cfg.host.clone(),
            port: cfg.port,
            security: cfg.security,
            username: username.to_string(),
            ok: false,
            steps: Vec::new(),
            problem: None,
            field: None,
            advice: None,
            advice_kind: None,
            certificate: None,
            provider: provider.map(ProviderInfo::from),
            capabilities: Vec::new(),
            folders: Vec::new(),
        },
        provider,
        on_step: Box::new(on_step),
    };
    t.run(cfg, username, credential).await;
    for step in [Step::Connect, Step::Secure, Step::Authenticate, Step::ListFolders] {
        if t.report.step(step).is_none() {
            t.push(StepReport { step, status: StepStatus::Skipped, detail: String::new(), detail_kind: None, elapsed_ms: 0 });
        }
    }
    t.report.ok = t.report.steps.iter().all(|s| s.status != StepStatus::Failed) && t.report.problem.is_none();
    t.report.field = t.report.problem.map(Problem::field);
    t.report
}

struct Test<'a> {
    report: LiveTestReport,
    provider: Option<&'static Provider>,
    on_step: Box<dyn FnMut(&StepReport) + Send + 'a>,
}

impl Test<'_> {
    fn push(&mut self, r: StepReport) {
        (self.on_step)(&r);
        self.report.steps.push(r);
    }

    fn ok(&mut self, step: Step, started: Instant, detail: String, kind: StepDetail) {
        self.push(StepReport { step, status: StepStatus::Ok, detail, detail_kind: Some(kind), elapsed_ms: ms(started) });
    }

    fn skipped(&mut self, step: Step, detail: &str, kind: StepDetail) {
        self.push(StepReport { step, status: StepStatus::Skipped, detail: detail.into(), detail_kind: Some(kind), elapsed_ms: 0 });
    }

    fn fail(&mut self, step: Step, started: Instant, problem: Problem, detail: String, (kind, advice): (Advice, String)) {
        // The problem first: a progress listener may want to read it with the failed step.
        self.report.problem = Some(problem);
        self.report.advice = Some(advice);
        self.report.advice_kind = Some(kind);
        let said =
            StepDetail::Failed { problem, host: self.report.host.clone(), port: self.report.port, user: self.report.username.clone() };
        self.push(StepReport { step, status: StepStatus::Failed, detail, detail_kind: Some(said), elapsed_ms: ms(started) });
    }

    async fn run(&mut self, cfg: &ServerConfig, username: &str, credential: Credential<'_>) {
        let where_ = format!("{}:{}", cfg.host, cfg.port);

        // Connect: DNS, then TCP.
        let started = Instant::now();
        let addrs = match resolve(cfg).await {
            Ok(a) => a,
            Err((problem, detail)) => {
                let advice = match problem {
                    Problem::TimedOut => {
                        (Advice::NameServiceSilent, "The name service did not answer: check the network connection.".to_string())
                    }
                    _ => (
                        Advice::CheckHostName,
                        format!("Check the spelling of the server name {:?}; discovery can find it from your address.", cfg.host),
                    ),
                };
                return self.fail(Step::Connect, started, problem, detail, advice);
            }
        };
        let tcp = match connect_any(&addrs, cfg.timeouts.connect).await {
            Ok(s) => s,
            Err(e) => {
                let (problem, detail, advice) = connect_failure(cfg, &e);
                return self.fail(Step::Connect, started, problem, detail, advice);
            }
        };
        let peer = tcp.peer_addr().unwrap_or(addrs[0]);
        let _ = tcp.set_nodelay(true);

        // Secure (and the greeting, which comes before TLS for STARTTLS and plain): the same
        // dialogue as a sync's, reported step by step.
        let mut seen = Steps { test: &mut *self, peer, started, cert_detail: None };
        let outcome = secure(cfg, tcp, &mut seen).await;
        let (started, cert_detail) = (seen.started, seen.cert_detail.take());
        let (stream, caps) = match outcome {
            Ok(ok) => ok,
            Err((Phase::Answering, e)) => return self.dialogue_failed(Step::Connect, started, cfg, e),
            Err((Phase::Securing, e)) => return self.secure_failed(cfg, peer, started, e).await,
        };
        let (detail, verified) = cert_detail.unwrap_or_default();
        let secured = |starttls| {
            let (subject, issuer, not_after) = verified.map(|c| (c.subject, c.issuer, c.not_after)).unwrap_or_default();
            StepDetail::Secured { starttls, subject, issuer, not_after }
        };
        match cfg.security {
            Security::Plain => self.skipped(
                Step::Secure,
                "not encrypted: plain was chosen, so the password travels in the clear",
                StepDetail::NotEncrypted,
            ),
            Security::Tls => self.ok(Step::Secure, started, format!("TLS (implicit), {detail}"), secured(false)),
            Security::Starttls => self.ok(Step::Secure, started, format!("STARTTLS, {detail}"), secured(true)),
        }
        self.report.capabilities = caps.iter().cloned().collect();

        // Authenticate.
        let started = Instant::now();
        let mut session = match authenticate(cfg, stream, &caps, username, credential).await {
            Ok(s) => s,
            Err(AuthFailure::Refused(text)) => {
                let detail = format!("the server refused the login for {username:?}: {text}");
                let problem = if matches!(credential, Credential::Bearer(_)) { Problem::TokenRefused } else { Problem::AuthFailed };
                return self.fail(Step::Authenticate, started, problem, detail, self.auth_advice(credential));
            }
            Err(AuthFailure::Other(ImapError::LoginDisabled { .. })) => {
                let detail = format!("{where_} refuses LOGIN on this connection (LOGINDISABLED)");
                let advice = (
                    Advice::LoginDisabled,
                    "The server wants an encrypted connection before the password: use TLS (port 993) or STARTTLS (port 143).".to_string(),
                );
                return self.fail(Step::Authenticate, started, Problem::LoginDisabled, detail, advice);
            }
            Err(AuthFailure::Other(e @ ImapError::NoOAuth { .. })) => {
                let advice = (Advice::UsePassword, "Sign in with a password (or an app password) for this server instead.".to_string());
                return self.fail(Step::Authenticate, started, Problem::OauthNotOffered, e.to_string(), advice);
            }
            Err(AuthFailure::Other(e)) => return self.dialogue_failed(Step::Authenticate, started, cfg, e),
        };
        self.report.capabilities = session.capabilities().iter().cloned().collect();
        self.ok(Step::Authenticate, started, format!("logged in as {username:?}"), StepDetail::LoggedIn { user: username.to_string() });

        // ListFolders.
        let started = Instant::now();
        match session.list_folders(false).await {
            Ok((folders, _)) => {
                let mut out: Vec<FolderInfo> = folders
                    .into_iter()
                    .map(|f| {
                        let watched = f.selectable && watched_by_default(&f.listed.name, f.listed.special_use.as_deref(), None);
                        FolderInfo {
                            name: f.listed.name,
                            delimiter: f.listed.delimiter,
                            special_use: f.listed.special_use,
                            selectable: f.selectable,
                            messages: f.status.and_then(|s| s.messages),
                            unseen: f.status.and_then(|s| s.unseen),
                            watched_by_default: watched,
                        }
                    })
                    .collect();
                out.sort_by(|a, b| (a.name != "INBOX", &a.name).cmp(&(b.name != "INBOX", &b.name)));
                let n = out.len();
                self.report.folders = out;
                let count = u32::try_from(n).unwrap_or(u32::MAX);
                self.ok(Step::ListFolders, started, format!("{n} folder{}", if n == 1 { "" } else { "s" }), StepDetail::Folders { count });
            }
            Err(e) => {
                let detail = format!("LIST failed: {e}");
                self.fail(
                    Step::ListFolders,
                    started,
                    Problem::ListFailed,
                    detail,
                    (
                        Advice::ListFailed,
                        "The login worked but the server would not list the folders; try again later, or ask the provider.".into(),
                    ),
                );
            }
        }
        session.logout().await;
    }

    /// The Secure step failed: say why, and read the certificate when it was not trusted.
    async fn secure_failed(&mut self, cfg: &ServerConfig, peer: SocketAddr, started: Instant, e: ImapError) {
        match e {
            ImapError::UntrustedCertificate { detail, .. } => {
                let cert = read_certificate(cfg, peer, &detail).await;
                let mut text = format!("the certificate of {} is not trusted: {detail}", cfg.host);
                if let Some(c) = &cert {
                    text.push_str(&format!(
                        " (subject {}; issuer {}; valid {} to {}; SHA-256 {})",
                        c.subject, c.issuer, c.not_before, c.not_after, c.sha256_fingerprint
                    ));
                }
                let advice = untrusted_advice(cfg, cert.as_ref(), &detail);
                self.report.certificate = cert;
                self.fail(Step::Secure, started, Problem::UntrustedCertificate, text, advice);
            }
            ImapError::CaFile { path, detail } => {
                let text = format!("cannot use the CA file {path}: {detail}");
                self.fail(
                    Step::Secure,
                    started,
                    Problem::CaFileUnusable,
                    text,
                    (
                        Advice::ChooseCaFile,
                        "Choose a PEM file holding the CA certificate (it starts with -----BEGIN CERTIFICATE-----).".into(),
                    ),
                );
            }
            ImapError::StartTlsNotOffered { .. } => {
                let text = format!("{}:{} does not offer STARTTLS", cfg.host, cfg.port);
                let advice = (Advice::StarttlsNotOffered, "Without STARTTLS the password would travel unencrypted, so Mailbell will not log in. Use TLS instead (usually port 993); choose plain only if you trust every network in between.".to_string());
                self.fail(Step::Secure, started, Problem::StarttlsNotOffered, text, advice);
            }
            ImapError::StartTlsRefused { text, .. } => {
                let detail = format!("the server refused STARTTLS: {text}");
                self.fail(
                    Step::Secure,
                    started,
                    Problem::StarttlsRefused,
                    detail,
                    (Advice::UseTls, "Use TLS instead (usually port 993).".into()),
                );
            }
            ImapError::Tls { detail, .. } => {
                let text = format!("TLS handshake with {} failed: {detail}", cfg.host);
                let advice = match cfg.security {
                    Security::Tls => (
                        Advice::TlsWrongPort,
                        format!("Check the port: {} may not speak TLS from the first byte (port 143 usually wants STARTTLS).", cfg.port),
                    ),
                    _ => (Advice::TlsTooOld, "The server's TLS is too old or broken: Mailbell needs TLS 1.2 or later.".into()),
                };
                self.fail(Step::Secure, started, Problem::TlsFailed, text, advice);
            }
            other => self.dialogue_failed(Step::Secure, started, cfg, other),
        }
    }

    /// Any other failure during the dialogue, attributed to `step`.
    fn dialogue_failed(&mut self, step: Step, started: Instant, cfg: &ServerConfig, e: ImapError) {
        let (problem, advice) = match &e {
            ImapError::Timeout { .. } => (Problem::TimedOut, (Advice::StoppedAnswering, format!("{}:{} stopped answering: check the port, or try again later.", cfg.host, cfg.port))),
            ImapError::Bye(_) => (Problem::ServerClosed, (Advice::ServerClosed, "The server closed the connection; its words are above.".to_string())),
            ImapError::Protocol(_) => (Problem::NotImap, (Advice::NotImap, format!("Something answers at {}:{}, but not like an IMAP server: check the port (993 for TLS, 143 for STARTTLS) and the security mode.", cfg.host, cfg.port))),
            ImapError::ConnectionLost | ImapError::Io(_) => (Problem::ConnectionLost, (Advice::ConnectionBroke, "The connection broke off: check the port and security mode, or try again.".to_string())),
            _ => (Problem::ConnectionLost, (Advice::TryAgain, "Try again; if it persists, check the server settings.".to_string())),
        };
        self.fail(step, started, problem, e.to_string(), advice);
    }

    fn auth_advice(&self, credential: Credential<'_>) -> (Advice, String) {
        if let Credential::Bearer(_) = credential {
            return (
                Advice::TokenRefused,
                "The server refused the sign-in token: sign in again; if it keeps refusing, the token may lack the mail scope.".into(),
            );
        }
        match self.provider {
            Some(p) if p.access == Access::OAuth => (Advice::ProviderOauth, format!("{} {} See {}", p.name, p.note, p.help_url)),
            Some(p) if p.needs_special_password() => (Advice::ProviderSpecialPassword, format!("{}: {} See {}", p.name, p.note, p.help_url)),
            Some(p) => (Advice::CheckPasswordProvider, format!("Check the user name and password. {}: {} See {}", p.name, p.note, p.help_url)),
            None => (Advice::CheckPassword, "Check the user name and password (the user name is often the whole email address). Some providers need an app password for mail programs.".into()),
        }
    }
}

/// Turns the pre-login dialogue's progress into the Connect step (and the start of Secure).
struct Steps<'t, 'a> {
    test: &'t mut Test<'a>,
    peer: SocketAddr,
    /// When the step under way started.
    started: Instant,
    /// The verified certificate: one line about it, and the certificate as read.
    cert_detail: Option<(String, Option<CertificateInfo>)>,
}

impl Progress for Steps<'_, '_> {
    fn answered(&mut self, caps: Option<&Capabilities>) {
        let detail = match caps {
            None => format!("connected to {}", self.peer),
            Some(caps) => {
                self.test.report.capabilities = caps.iter().cloned().collect();
                format!("connected to {}; IMAP server answered", self.peer)
            }
        };
        let kind = StepDetail::Connected { address: self.peer.to_string(), imap: caps.is_some() };
        self.test.ok(Step::Connect, self.started, detail, kind);
        self.started = Instant::now();
    }

    fn secured(&mut self, tls: &tokio_native_tls::TlsStream<TcpStream>) {
        self.cert_detail = Some(verified_certificate(tls));
    }
}

fn ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Resolves the host with the system resolver (as a sync does).
async fn resolve(cfg: &ServerConfig) -> Result<Vec<SocketAddr>, (Problem, String)> {
    match tokio::time::timeout(cfg.timeouts.connect, tokio::net::lookup_host((cfg.host.as_str(), cfg.port))).await {
        Err(_) => Err((Problem::TimedOut, format!("looking up {} took longer than {} s", cfg.host, cfg.timeouts.connect.as_secs()))),
        Ok(Err(e)) => Err((Problem::HostNotFound, format!("cannot find the server {:?}: {e}", cfg.host))),
        Ok(Ok(addrs)) => {
            let v: Vec<SocketAddr> = addrs.collect();
            if v.is_empty() {
                Err((Problem::HostNotFound, format!("the server name {:?} has no address", cfg.host)))
            } else {
                Ok(v)
            }
        }
    }
}

fn connect_failure(cfg: &ServerConfig, e: &io::Error) -> (Problem, String, (Advice, String)) {
    let at = format!("{}:{}", cfg.host, cfg.port);
    match e.kind() {
        io::ErrorKind::ConnectionRefused => (
            Problem::ConnectionRefused,
            format!("connection refused by {at}: nothing accepts connections on that port"),
            (
                Advice::CheckPortRunning,
                format!(
                    "Check the port (IMAP is usually 993 with TLS or 143 with STARTTLS) and that the server at {} is running.",
                    cfg.host
                ),
            ),
        ),
        io::ErrorKind::TimedOut => (
            Problem::TimedOut,
            format!("{at} did not accept the connection within {} s", cfg.timeouts.connect.as_secs()),
            (Advice::CheckFirewall, "Check the server name and port, and whether a firewall blocks the port.".into()),
        ),
        io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => (
            Problem::NetworkUnreachable,
            format!("cannot reach {at}: {e}"),
            (Advice::CheckNetwork, "Check the network connection (and VPN, if the server needs one).".into()),
        ),
        _ => (
            Problem::ConnectionRefused,
            format!("cannot connect to {at}: {e}"),
            (Advice::CheckHostAndPort, "Check the server name and port.".into()),
        ),
    }
}

fn untrusted_advice(cfg: &ServerConfig, cert: Option<&CertificateInfo>, reason: &str) -> (Advice, String) {
    if let Some(c) = cert {
        if c.expired {
            return (Advice::CertificateExpired, format!("The server's certificate expired on {}: tell the server's administrator. Mailbell will not connect with an expired certificate.", c.not_after));
        }
        if reason.to_ascii_lowercase().contains("mismatch") && !c.names.is_empty() {
            return (
                Advice::CertificateNameMismatch,
                format!(
                    "The certificate is for {}, not {}: use one of those names as the server, or ask the administrator.",
                    c.names.join(", "),
                    cfg.host
                ),
            );
        }
    }
    let (kind, what) = match cert {
        Some(c) if c.self_signed => {
            (Advice::TrustSelfSigned, "this self-signed certificate (its PEM is in the report) or the CA that signed it")
        }
        _ => (Advice::TrustCa, "the CA certificate that signed it"),
    };
    let current = match &cfg.ca_file {
        Some(f) => format!(" The CA file in use, {f}, did not sign it."),
        None => String::new(),
    };
    (
        kind,
        format!(
            "If you trust this server, save {what} as a PEM file and give it to Mailbell as the account's CA file (--ca-file). Check the SHA-256 fingerprint with the server's administrator first.{current}"
        ),
    )
}

/// One line about the verified certificate, for the Secure step, and the certificate.
fn verified_certificate(tls: &tokio_native_tls::TlsStream<TcpStream>) -> (String, Option<CertificateInfo>) {
    let described = tls::peer_der(tls).and_then(|der| cert::describe(&der, ""));
    match &described {
        Some(c) => (format!("certificate verified: {} issued by {}, valid until {}", c.subject, c.issuer, c.not_after), described),
        None => ("certificate verified".into(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_points_at_a_field() {
        assert_eq!(Problem::AuthFailed.field(), Field::Password);
        assert_eq!(Problem::UntrustedCertificate.field(), Field::CaFile);
        assert_eq!(Problem::StarttlsNotOffered.field(), Field::Security);
        assert_eq!(Problem::HostNotFound.field(), Field::Host);
        assert_eq!(Problem::ConnectionRefused.field(), Field::Port);
    }

    #[tokio::test]
    async fn a_failed_step_says_its_problem_as_a_kind_beside_the_words() {
        // Nothing listens on a port just let go: the Connect step fails, refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cfg = ServerConfig {
            host: "127.0.0.1".into(),
            port,
            security: Security::Tls,
            ca_file: None,
            pinned_sha256: None,
            timeouts: crate::imap::Timeouts { connect: std::time::Duration::from_secs(5), response: std::time::Duration::from_secs(5) },
        };
        let r = live_test(&cfg, "jane@example.org", "pw").await;
        let connect = r.step(Step::Connect).unwrap();
        assert_eq!(connect.status, StepStatus::Failed);
        assert!(connect.detail.contains("connection refused"), "{}", connect.detail);
        let said =
            StepDetail::Failed { problem: Problem::ConnectionRefused, host: "127.0.0.1".into(), port, user: "jane@example.org".into() };
        assert_eq!(connect.detail_kind, Some(said));
        assert_eq!(r.step(Step::Secure).unwrap().detail_kind, None, "a skipped step says nothing");
        let v = serde_json::to_value(connect).unwrap();
        assert_eq!((v["detail_kind"]["kind"].as_str(), v["detail_kind"]["problem"].as_str()), (Some("failed"), Some("connection_refused")));
        let secured = StepDetail::Secured {
            starttls: true,
            subject: "CN=a".into(),
            issuer: "CN=b".into(),
            not_after: "2030-01-01T00:00:00+00:00".into(),
        };
        let v = serde_json::to_value(secured).unwrap();
        assert_eq!((v["kind"].as_str(), v["starttls"].as_bool()), (Some("secured"), Some(true)));
        assert_eq!(serde_json::to_value(StepDetail::NotEncrypted).unwrap(), serde_json::json!({ "kind": "not_encrypted" }));
    }
}
