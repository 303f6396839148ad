//! Server discovery: from an email address to the IMAP server settings, so that a user needs
//! to know only their address and password.
//!
//! The sources, in order; the first that answers wins and the rest are not asked:
//! 1. the built-in table of big providers ([`crate::providers`]);
//! 2. Mozilla autoconfig on the domain itself (`autoconfig.<domain>`, then
//!    `<domain>/.well-known/...`), then the Thunderbird ISPDB;
//! 3. RFC 6186 SRV records (`_imaps._tcp`, then `_imap._tcp` with STARTTLS);
//! 4. guesses (`imap.<domain>`, `mail.<domain>`, `<domain>`; 993 TLS, then 143 STARTTLS),
//!    each probed with a short timeout: TCP, TLS or STARTTLS, and the IMAP greeting. No
//!    credentials are sent to a guess.
//!
//! Every candidate says where it came from. Documents and DNS answers are untrusted input:
//! see [`autoconfig`] for the XML policy; host names and ports are checked wherever they come
//! from. Every network step has its timeout and the whole has one too.

pub(crate) mod autoconfig;
pub(crate) mod names;
mod options;
mod probe;

use std::net::SocketAddr;
use std::time::Duration;

use futures::future::join_all;
use serde::{Deserialize, Serialize};

pub use options::{
    parse_guess_ports, parse_nameserver, DiscoveryOptions, DEFAULT_AUTOCONFIG_URLS, DEFAULT_ISPDB_URL, ENV_AUTOCONFIG_URL, ENV_DNS_SERVER,
    ENV_GUESS_PORTS, ENV_ISPDB_URL,
};

use crate::imap::{ServerConfig, Timeouts};
use crate::model::Security;
use crate::net::cert::CertReason;
use crate::net::dns::{Dns, SrvAnswer};
use crate::net::http;
use crate::net::names::{domain_to_unicode, percent_encode};
use crate::providers;
use names::{parse_email, Address};
use probe::{probe, ProbeOutcome};

/// Where a candidate came from. In JSON, `source` is one of `builtin`, `autoconfig`, `ispdb`,
/// `srv`, `guess`, with `provider`, `source_url` or `source_record` beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Source {
    /// The built-in provider table; `provider` is the row's id (e.g. `gmail`).
    Builtin { provider: String },
    /// A Mozilla autoconfig document at this URL.
    Autoconfig {
        #[serde(rename = "source_url")]
        url: String,
    },
    /// The Thunderbird ISPDB entry at this URL.
    Ispdb {
        #[serde(rename = "source_url")]
        url: String,
    },
    /// An RFC 6186 SRV record of this name.
    Srv {
        #[serde(rename = "source_record")]
        record: String,
    },
    /// A guessed name that answered a probe.
    Guess,
}

impl Source {
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Builtin { .. } => SourceKind::Builtin,
            Source::Autoconfig { .. } => SourceKind::Autoconfig,
            Source::Ispdb { .. } => SourceKind::Ispdb,
            Source::Srv { .. } => SourceKind::Srv,
            Source::Guess => SourceKind::Guess,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Builtin { provider } => write!(f, "the built-in provider table ({provider})"),
            Source::Autoconfig { url } => write!(f, "autoconfig {url}"),
            Source::Ispdb { url } => write!(f, "the Thunderbird ISPDB {url}"),
            Source::Srv { record } => write!(f, "DNS SRV record {record}"),
            Source::Guess => write!(f, "a guess that answered as an IMAP server"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum SourceKind {
    Builtin,
    Autoconfig,
    Ispdb,
    Srv,
    Guess,
}

/// One possible server for an address, best first in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Candidate {
    pub host: String,
    pub port: u16,
    pub security: Security,
    #[serde(flatten)]
    pub source: Source,
    /// The login name the source suggests (the whole address, or the part before the @).
    pub username_hint: Option<String>,
    /// What the user must know: app password, OAuth, an untrusted certificate...
    pub note: Option<String>,
    /// The same as kinds, for a front end's own words (`note` is the engine's English).
    #[serde(default)]
    pub note_kinds: Vec<CandidateNote>,
    /// Where the provider explains it.
    pub help_url: Option<String>,
    /// Named quirks (see `quirks::KNOWN`) to switch on for this server.
    pub quirks: Vec<String>,
}

/// Something the user must know about a candidate, as a kind with its arguments. In JSON,
/// `kind` is one of the names below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum CandidateNote {
    /// The note of the built-in table's provider with this id (app password, OAuth...).
    Provider { provider: String },
    /// Offered without encryption: the password would travel in the clear.
    NotEncrypted,
    /// An IMAP server answered, but its certificate is not trusted; the connection test shows it.
    UntrustedCertificate { reason: CertReason },
    /// The autoconfig document lists only OAuth2 sign-in.
    OauthOnly,
    /// The document asks for an encrypted password exchange (CRAM-MD5), which Mailbell does not do.
    EncryptedPassword,
    /// The document lists only sign-in methods Mailbell does not use (`methods`, its words).
    UnusableSignIn { methods: String },
}

/// One thing discovery tried, for showing the user (and tests) what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Attempt {
    pub source: SourceKind,
    /// URL, record name, or host:port.
    pub target: String,
    /// What came of it.
    pub result: String,
    /// The same as a kind, for a front end's own words (`result` then goes under "Details").
    pub result_kind: AttemptResult,
}

/// What came of an attempt. In JSON, `kind` is one of the names below, its arguments beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum AttemptResult {
    /// The built-in table does not know the domain.
    NotInTable,
    /// The built-in table's provider `name`, at host:port.
    Provider {
        name: String,
        host: String,
        port: u16,
    },
    /// A document with this many usable IMAP servers.
    Servers {
        count: u32,
    },
    /// A document without a usable IMAP server.
    NoImapServer,
    /// The document could not be fetched or read (`result` says why).
    Unreadable,
    /// SRV targets, as host:port.
    Targets {
        targets: Vec<String>,
    },
    /// An SRV record with the target ".": the service is not offered.
    NoService,
    NoRecord,
    /// The name could not be looked up (`result` says why).
    LookupFailed,
    /// A guess answered as an IMAP server.
    ImapAnswered,
    /// A guess answered as an IMAP server with a certificate that is not trusted.
    Untrusted {
        reason: CertReason,
    },
    /// A guess gave no usable answer (`result` says why).
    NoAnswer,
}

/// Candidates and the trail that led to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Discovery {
    pub domain: String,
    /// Never empty.
    pub candidates: Vec<Candidate>,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum DiscoveryError {
    #[error("{email:?} is not an email address: {reason}")]
    InvalidEmail { email: String, reason: String },
    #[error("could not find the IMAP server for {}", domain_to_unicode(.domain))]
    NotFound { domain: String, attempts: Vec<Attempt> },
    #[error("{} says it offers no IMAP service (its SRV records point to \".\")", domain_to_unicode(.domain))]
    NoService { domain: String, attempts: Vec<Attempt> },
    #[error("looking for the IMAP server of {} took longer than {} s", domain_to_unicode(.domain), .after.as_secs())]
    TimedOut { domain: String, after: Duration },
    #[error("discovery is misconfigured: {0}")]
    Config(String),
}

impl DiscoveryError {
    /// What was tried before giving up, when anything was.
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            DiscoveryError::NotFound { attempts, .. } | DiscoveryError::NoService { attempts, .. } => attempts,
            _ => &[],
        }
    }
}

/// Finds the IMAP server candidates for `email`, best first. Never returns an empty list:
/// finding nothing is [`DiscoveryError::NotFound`].
pub async fn discover(email: &str, opts: &DiscoveryOptions) -> Result<Vec<Candidate>, DiscoveryError> {
    discover_detailed(email, opts).await.map(|d| d.candidates)
}

/// Like [`discover`], with the trail of what was tried.
pub async fn discover_detailed(email: &str, opts: &DiscoveryOptions) -> Result<Discovery, DiscoveryError> {
    let address = parse_email(email)?;
    let domain = address.domain.clone();
    match tokio::time::timeout(opts.total_timeout, run(&address, opts)).await {
        Ok(r) => r,
        Err(_) => Err(DiscoveryError::TimedOut { domain, after: opts.total_timeout }),
    }
}

struct Run<'a> {
    address: &'a Address,
    opts: &'a DiscoveryOptions,
    dns: Dns,
    attempts: Vec<Attempt>,
}

async fn run(address: &Address, opts: &DiscoveryOptions) -> Result<Discovery, DiscoveryError> {
    let dns = Dns::new(opts.nameserver, opts.dns_timeout).map_err(DiscoveryError::Config)?;
    let mut r = Run { address, opts, dns, attempts: Vec::new() };
    let found = r.steps().await?;
    let domain = address.domain.clone();
    match found {
        Some(candidates) => Ok(Discovery { domain, candidates, attempts: r.attempts }),
        None => Err(DiscoveryError::NotFound { domain, attempts: r.attempts }),
    }
}

impl Run<'_> {
    fn note(&mut self, source: SourceKind, target: impl Into<String>, result_kind: AttemptResult, result: impl Into<String>) {
        let (target, result) = (target.into(), result.into());
        tracing::debug!(?source, %target, %result, "discovery");
        self.attempts.push(Attempt { source, target, result, result_kind });
    }

    async fn steps(&mut self) -> Result<Option<Vec<Candidate>>, DiscoveryError> {
        if self.opts.builtin {
            if let Some(c) = self.builtin() {
                return Ok(Some(c));
            }
        }
        if let Some(c) = self.autoconfig().await {
            return Ok(Some(c));
        }
        if let Some(c) = self.ispdb().await {
            return Ok(Some(c));
        }
        if self.opts.srv {
            match self.srv().await {
                SrvResult::Found(c) => return Ok(Some(c)),
                SrvResult::NoService => {
                    return Err(DiscoveryError::NoService {
                        domain: self.address.domain.clone(),
                        attempts: std::mem::take(&mut self.attempts),
                    })
                }
                SrvResult::Nothing => {}
            }
        }
        Ok(self.guesses().await)
    }

    fn builtin(&mut self) -> Option<Vec<Candidate>> {
        let domain = self.address.domain.clone();
        let Some(p) = providers::for_domain(&domain) else {
            self.note(SourceKind::Builtin, &domain, AttemptResult::NotInTable, "not a provider in the built-in table");
            return None;
        };
        let found = AttemptResult::Provider { name: p.name.into(), host: p.host.into(), port: p.port };
        self.note(SourceKind::Builtin, &domain, found, format!("{} ({}:{})", p.name, p.host, p.port));
        Some(vec![Candidate {
            host: p.host.to_string(),
            port: p.port,
            security: p.security,
            source: Source::Builtin { provider: p.id.to_string() },
            username_hint: Some(p.username_for(&self.address.email, &self.address.local)),
            note: Some(p.note.to_string()),
            note_kinds: vec![CandidateNote::Provider { provider: p.id.to_string() }],
            help_url: Some(p.help_url.to_string()),
            quirks: p.quirks.iter().map(|q| q.to_string()).collect(),
        }])
    }

    fn expand(&self, template: &str) -> String {
        template
            .replace("{domain}", &self.address.domain)
            .replace("{email}", &percent_encode(&self.address.email))
            .replace("{localpart}", &percent_encode(&self.address.local))
    }

    fn fetch_settings(&self) -> http::Fetch<'_> {
        http::Fetch {
            timeout: self.opts.http_timeout,
            max_body: autoconfig::MAX_DOCUMENT,
            ca_file: self.opts.ca_file.clone(),
            dns: &self.dns,
        }
    }

    /// Fetches and parses one document; the reason, as a kind and in words, when it gives nothing.
    async fn document(&self, url: &str) -> Result<autoconfig::Parsed, (AttemptResult, String)> {
        let body = http::get(url, &self.fetch_settings()).await.map_err(|e| (AttemptResult::Unreadable, e.to_string()))?;
        let parsed = autoconfig::parse(&body, self.address).map_err(|e| (AttemptResult::Unreadable, e.to_string()))?;
        if parsed.servers.is_empty() {
            let why = match parsed.skipped.first() {
                Some(s) => format!("no usable IMAP server ({s})"),
                None => "no IMAP server in the document".to_string(),
            };
            return Err((AttemptResult::NoImapServer, why));
        }
        Ok(parsed)
    }

    async fn autoconfig(&mut self) -> Option<Vec<Candidate>> {
        let urls: Vec<String> = self.opts.autoconfig_urls.iter().map(|t| self.expand(t)).collect();
        // Both places are on the domain's own servers: ask them at once, take them in order.
        let results = join_all(urls.iter().map(|u| self.document(u))).await;
        let mut found = None;
        for (url, result) in urls.into_iter().zip(results) {
            if found.is_some() {
                break;
            }
            match result {
                Ok(parsed) => {
                    self.note(SourceKind::Autoconfig, &url, servers(&parsed), format!("{} IMAP server(s)", parsed.servers.len()));
                    found = Some(self.candidates_of(parsed, Source::Autoconfig { url }));
                }
                Err((kind, why)) => self.note(SourceKind::Autoconfig, &url, kind, why),
            }
        }
        found
    }

    async fn ispdb(&mut self) -> Option<Vec<Candidate>> {
        let url = self.expand(self.opts.ispdb_url.as_deref()?);
        match self.document(&url).await {
            Ok(parsed) => {
                self.note(SourceKind::Ispdb, &url, servers(&parsed), format!("{} IMAP server(s)", parsed.servers.len()));
                Some(self.candidates_of(parsed, Source::Ispdb { url }))
            }
            Err((kind, why)) => {
                self.note(SourceKind::Ispdb, &url, kind, why);
                None
            }
        }
    }

    fn candidates_of(&self, parsed: autoconfig::Parsed, source: Source) -> Vec<Candidate> {
        parsed
            .servers
            .into_iter()
            .map(|s| {
                let mut c = Candidate {
                    host: s.host,
                    port: s.port,
                    security: s.security,
                    source: source.clone(),
                    username_hint: s.username,
                    note: s.note,
                    note_kinds: s.note_kind.into_iter().collect(),
                    help_url: parsed.help_url.clone(),
                    quirks: Vec::new(),
                };
                if c.security == Security::Plain {
                    c.note = Some(join_notes(
                        c.note.take(),
                        "this server is offered without encryption: the password would travel in the clear",
                    ));
                    c.note_kinds.push(CandidateNote::NotEncrypted);
                }
                with_known_host(c)
            })
            .collect()
    }

    async fn srv(&mut self) -> SrvResult {
        let domain = self.address.domain.clone();
        let names = [(format!("_imaps._tcp.{domain}"), Security::Tls), (format!("_imap._tcp.{domain}"), Security::Starttls)];
        let answers = join_all(names.iter().map(|(n, _)| self.dns.srv(n))).await;
        let mut candidates = Vec::new();
        let mut no_service = 0;
        for ((name, security), answer) in names.into_iter().zip(answers) {
            match answer {
                Ok(SrvAnswer::Targets(targets)) => {
                    let listed: Vec<String> = targets.iter().map(|t| format!("{}:{}", t.host, t.port)).collect();
                    let words = listed.join(", ");
                    self.note(SourceKind::Srv, &name, AttemptResult::Targets { targets: listed }, words);
                    for t in targets {
                        candidates.push(with_known_host(Candidate {
                            host: t.host,
                            port: t.port,
                            security,
                            source: Source::Srv { record: name.clone() },
                            username_hint: Some(self.address.email.clone()),
                            note: None,
                            note_kinds: Vec::new(),
                            help_url: None,
                            quirks: Vec::new(),
                        }));
                    }
                }
                Ok(SrvAnswer::NoService) => {
                    no_service += 1;
                    self.note(SourceKind::Srv, &name, AttemptResult::NoService, "target \".\": the service is not offered");
                }
                Ok(SrvAnswer::None) => self.note(SourceKind::Srv, &name, AttemptResult::NoRecord, "no record"),
                Err(e) => self.note(SourceKind::Srv, &name, AttemptResult::LookupFailed, e),
            }
        }
        if !candidates.is_empty() {
            SrvResult::Found(candidates)
        } else if no_service == 2 {
            SrvResult::NoService
        } else {
            SrvResult::Nothing
        }
    }

    async fn guesses(&mut self) -> Option<Vec<Candidate>> {
        if self.opts.guess_ports.is_empty() {
            return None;
        }
        let domain = self.address.domain.clone();
        let hosts = [format!("imap.{domain}"), format!("mail.{domain}"), domain.clone()];
        let lookups = join_all(hosts.iter().map(|h| self.dns.addresses(h, 0))).await;
        let mut probes = Vec::new();
        for (host, lookup) in hosts.iter().zip(lookups) {
            match lookup {
                Ok(addrs) => {
                    for (port, security) in &self.opts.guess_ports {
                        let addrs: Vec<SocketAddr> = addrs.iter().map(|a| SocketAddr::new(a.ip(), *port)).collect();
                        probes.push((host.clone(), *port, *security, addrs));
                    }
                }
                Err(e) => self.note(SourceKind::Guess, host, AttemptResult::LookupFailed, e),
            }
        }
        let timeout = self.opts.probe_timeout;
        let configs: Vec<ServerConfig> = probes
            .iter()
            .map(|(host, port, security, _)| ServerConfig {
                host: host.clone(),
                port: *port,
                security: *security,
                ca_file: self.opts.ca_file.clone(),
                pinned_sha256: None,
                timeouts: Timeouts { connect: timeout, response: timeout },
            })
            .collect();
        let outcomes = join_all(configs.iter().zip(&probes).map(|(cfg, (_, _, _, addrs))| probe(cfg, addrs, timeout))).await;
        let mut trusted = Vec::new();
        let mut untrusted = Vec::new();
        for ((host, port, security, _), outcome) in probes.into_iter().zip(outcomes) {
            let target = format!("{host}:{port} ({security})");
            let candidate = |note: Option<(CandidateNote, String)>| {
                let (kind, note) = note.unzip();
                with_known_host(Candidate {
                    host: host.clone(),
                    port,
                    security,
                    source: Source::Guess,
                    username_hint: Some(self.address.email.clone()),
                    note,
                    note_kinds: kind.into_iter().collect(),
                    help_url: None,
                    quirks: Vec::new(),
                })
            };
            match outcome {
                ProbeOutcome::Imap => {
                    let note = (security == Security::Plain)
                        .then(|| (CandidateNote::NotEncrypted, "no encryption: the password would travel in the clear".to_string()));
                    trusted.push(candidate(note));
                    self.note(SourceKind::Guess, target, AttemptResult::ImapAnswered, "an IMAP server answered");
                }
                ProbeOutcome::Untrusted(why) => {
                    // No certificate was read: the flags are unknown, OpenSSL's words decide.
                    let reason = CertReason::of(&why, false, false, false);
                    let note = format!("an IMAP server answered, but its certificate is not trusted ({why}): the connection test shows the certificate and how to trust it");
                    untrusted.push(candidate(Some((CandidateNote::UntrustedCertificate { reason }, note))));
                    let result = format!("an IMAP server answered; certificate not trusted ({why})");
                    self.note(SourceKind::Guess, target, AttemptResult::Untrusted { reason }, result);
                }
                ProbeOutcome::Failed(why) => self.note(SourceKind::Guess, target, AttemptResult::NoAnswer, why),
            }
        }
        trusted.extend(untrusted);
        (!trusted.is_empty()).then_some(trusted)
    }
}

/// A document's servers, counted.
fn servers(parsed: &autoconfig::Parsed) -> AttemptResult {
    AttemptResult::Servers { count: u32::try_from(parsed.servers.len()).unwrap_or(u32::MAX) }
}

enum SrvResult {
    Found(Vec<Candidate>),
    NoService,
    Nothing,
}

fn join_notes(a: Option<String>, b: &str) -> String {
    match a {
        Some(a) => format!("{a}; {b}"),
        None => b.to_string(),
    }
}

/// Adds what the provider table knows about a server found elsewhere (a custom domain hosted
/// by a big provider): its quirks, its note and help link.
fn with_known_host(mut c: Candidate) -> Candidate {
    if let Some(p) = providers::for_host(&c.host) {
        for q in p.quirks {
            if !c.quirks.iter().any(|x| x == q) {
                c.quirks.push(q.to_string());
            }
        }
        if c.note.is_none() {
            c.note = Some(p.note.to_string());
            c.note_kinds.push(CandidateNote::Provider { provider: p.id.to_string() });
        }
        if c.help_url.is_none() {
            c.help_url = Some(p.help_url.to_string());
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_serialise_with_a_flat_source() {
        let c = Candidate {
            host: "imap.example.org".into(),
            port: 993,
            security: Security::Tls,
            source: Source::Autoconfig { url: "https://autoconfig.example.org/x".into() },
            username_hint: Some("me@example.org".into()),
            note: None,
            note_kinds: vec![],
            help_url: None,
            quirks: vec![],
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["host"], "imap.example.org");
        assert_eq!(v["port"], 993);
        assert_eq!(v["security"], "tls");
        assert_eq!(v["source"], "autoconfig");
        assert_eq!(v["source_url"], "https://autoconfig.example.org/x");
        let back: Candidate = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
        let g = serde_json::to_value(Candidate { source: Source::Guess, ..c.clone() }).unwrap();
        assert_eq!(g["source"], "guess");
        let b = serde_json::to_value(Candidate { source: Source::Builtin { provider: "gmail".into() }, ..c }).unwrap();
        assert_eq!((b["source"].as_str(), b["provider"].as_str()), (Some("builtin"), Some("gmail")));
    }

    fn offline() -> DiscoveryOptions {
        DiscoveryOptions { autoconfig_urls: vec![], ispdb_url: None, srv: false, guess_ports: vec![], ..DiscoveryOptions::default() }
    }

    #[tokio::test]
    async fn the_table_answers_first_without_the_network() {
        let c = discover("Jane@Me.com", &offline()).await.unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].host.as_str(), c[0].port, c[0].security), ("imap.mail.me.com", 993, Security::Tls));
        assert_eq!(c[0].source, Source::Builtin { provider: "icloud".into() });
        assert_eq!(c[0].username_hint.as_deref(), Some("Jane"));
        assert_eq!(c[0].quirks, vec!["broken-qresync".to_string()]);
        assert!(c[0].help_url.as_deref().unwrap().starts_with("https://"));
        let g = discover("x@googlemail.com", &offline()).await.unwrap();
        assert_eq!(g[0].host, "imap.gmail.com");
        assert!(g[0].note.as_deref().unwrap().contains("app password"));
        // The note and the attempt as kinds too, for the window's own words.
        assert_eq!(g[0].note_kinds, vec![CandidateNote::Provider { provider: "gmail".into() }]);
        let d = discover_detailed("x@googlemail.com", &offline()).await.unwrap();
        let found = AttemptResult::Provider { name: "Gmail".into(), host: "imap.gmail.com".into(), port: 993 };
        assert_eq!(d.attempts[0].result_kind, found);
        let v = serde_json::to_value(&d.attempts[0]).unwrap();
        assert_eq!((v["result_kind"]["kind"].as_str(), v["result_kind"]["port"].as_u64()), (Some("provider"), Some(993)));
        let p = discover("x@proton.me", &offline()).await.unwrap();
        assert_eq!((p[0].host.as_str(), p[0].port, p[0].security), ("127.0.0.1", 1143, Security::Starttls));
    }

    #[tokio::test]
    async fn nothing_found_and_bad_addresses_are_errors() {
        match discover("me@example.invalid", &offline()).await {
            Err(DiscoveryError::NotFound { domain, attempts }) => {
                assert_eq!(domain, "example.invalid");
                assert_eq!(attempts.len(), 1, "{attempts:?}");
                assert_eq!(attempts[0].result_kind, AttemptResult::NotInTable);
            }
            other => panic!("{other:?}"),
        }
        let e = discover("no-at-sign", &offline()).await.unwrap_err();
        assert!(matches!(e, DiscoveryError::InvalidEmail { .. }), "{e}");
    }
}
