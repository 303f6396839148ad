//! The short probes discovery uses to tell whether a guessed server speaks IMAP: TCP, TLS or
//! STARTTLS and the greeting, through the same pre-login dialogue as a sync. No credentials
//! are ever sent to a guess.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::BufReader;

use crate::imap::{greeting, secure, ImapError, ServerConfig};
use crate::model::Security;
use crate::net::{tcp::connect_any, tls};

/// What a discovery probe found at one host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProbeOutcome {
    /// An IMAP server, secured as asked, with a trusted certificate.
    Imap,
    /// An IMAP server whose certificate is not trusted (reason given).
    Untrusted(String),
    /// Nothing usable: why.
    Failed(String),
}

/// A discovery probe: TCP, TLS or STARTTLS, and the IMAP greeting, within `timeout`. No
/// credentials are ever sent. `addrs` are the host's addresses (looked up by the caller,
/// possibly with an injected nameserver); the certificate is checked against `cfg.host`.
pub(crate) async fn probe(cfg: &ServerConfig, addrs: &[SocketAddr], timeout: Duration) -> ProbeOutcome {
    match tokio::time::timeout(timeout, probe_inner(cfg, addrs)).await {
        Ok(o) => o,
        Err(_) => ProbeOutcome::Failed(format!("no complete answer within {} s", timeout.as_secs_f32())),
    }
}

async fn probe_inner(cfg: &ServerConfig, addrs: &[SocketAddr]) -> ProbeOutcome {
    let tcp = match connect_any(addrs, cfg.timeouts.connect).await {
        Ok(s) => s,
        Err(e) => return ProbeOutcome::Failed(e.to_string()),
    };
    let peer = tcp.peer_addr().ok();
    match secure(cfg, tcp, &mut ()).await {
        Ok(_) => ProbeOutcome::Imap,
        Err((_, ImapError::UntrustedCertificate { detail, .. })) if cfg.security == Security::Starttls => {
            // The greeting before STARTTLS already showed an IMAP server.
            ProbeOutcome::Untrusted(detail)
        }
        Err((_, ImapError::UntrustedCertificate { detail, .. })) => {
            // Is it IMAP at all? Only an unverified handshake can tell; it reads the greeting
            // and says nothing.
            match peer {
                Some(p) if unverified_greeting(cfg, p).await => ProbeOutcome::Untrusted(detail),
                _ => ProbeOutcome::Failed(format!("untrusted certificate ({detail}) and no IMAP greeting")),
            }
        }
        Err((_, ImapError::StartTlsNotOffered { .. })) => ProbeOutcome::Failed("an IMAP server, but without STARTTLS".into()),
        Err((_, ImapError::StartTlsRefused { text, .. })) => ProbeOutcome::Failed(format!("STARTTLS refused: {text}")),
        Err((_, e)) => ProbeOutcome::Failed(e.to_string()),
    }
}

/// Implicit TLS with verification off, just to see an IMAP greeting.
async fn unverified_greeting(cfg: &ServerConfig, addr: SocketAddr) -> bool {
    let Ok(tcp) = connect_any(&[addr], cfg.timeouts.connect).await else { return false };
    let Some(tls) = tls::handshake_unverified(&cfg.host, cfg.timeouts.connect, tcp).await else { return false };
    greeting(cfg, &mut BufReader::new(tls)).await.is_ok()
}
