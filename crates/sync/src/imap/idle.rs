//! IDLE (RFC 2177): one round of waiting for the server to report a change.
//!
//! async-imap's own IDLE timeout restarts on every server line, and Dovecot says "* OK Still
//! here" every two minutes, so left alone an IDLE would never be re-issued. Each round here is
//! bounded by our own deadline: when it passes we send DONE, which both re-issues the IDLE well
//! before the 29-minute limit and proves the connection still answers (a silent, dead
//! connection fails the DONE within the response timeout).
//!
//! A watchdog bounds the silence too ([`IdleLimits::silence`]): servers say something during
//! IDLE now and then (Dovecot's `* OK Still here`), and every line they send restarts it. When
//! nothing at all came for that long, the round ends at once with DONE, whose answer must come
//! within [`IdleLimits::probe`]: none means the path is dead (a relay or NAT box that silently
//! stopped forwarding, which no TCP error ever reports), and the round fails with a timeout.

use std::future::Future;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response};

use super::error::ImapError;
use super::session::ImapSession;

/// How long one IDLE round may last, and how the watchdog judges a silent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleLimits {
    /// Longest single IDLE before it is ended and re-issued.
    pub round: Duration,
    /// Longest silence (not a single line from the server) before the connection is probed.
    pub silence: Duration,
    /// How long the probe (DONE after a silence) may wait for its answer.
    pub probe: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleOutcome {
    /// New mail: EXISTS.
    NewMail,
    /// Something else changed (flags, expunge).
    Changed,
    /// The round's deadline passed with nothing to report.
    Quiet,
    /// The caller asked to stop.
    Stopped,
}

fn classify(r: &Response<'_>) -> IdleOutcome {
    match r {
        Response::MailboxData(MailboxDatum::Exists(_)) | Response::MailboxData(MailboxDatum::Recent(_)) => IdleOutcome::NewMail,
        _ => IdleOutcome::Changed,
    }
}

impl ImapSession {
    /// Idles on the selected mailbox until the server reports something, the round's deadline
    /// or the watchdog's silence bound passes (see [`IdleLimits`]), or `stop` completes; then
    /// ends the IDLE and hands the session back. After a silence, an unanswered DONE fails the
    /// round with [`ImapError::Timeout`]: the connection is dead. `on_outcome` hears the
    /// outcome as soon as it is known, before the DONE round trip, so that a pass on another
    /// connection can start at once.
    pub async fn idle_round(
        self,
        limits: IdleLimits,
        stop: impl Future<Output = ()>,
        on_outcome: impl FnOnce(IdleOutcome),
    ) -> Result<(ImapSession, IdleOutcome), ImapError> {
        let mut session = self;
        // IDLE reads with async-imap's own loop: COMPRESS's answer must not be left for it.
        session.settle_compress().await?;
        let response_timeout = session.response_timeout();
        let (inner, parts) = session.into_parts();
        let mut handle = inner.idle();
        match tokio::time::timeout(response_timeout, crate::guard::unpanicked(handle.init())).await {
            Err(_) => {
                return Err(ImapError::Timeout {
                    host: parts.host.clone(),
                    port: parts.port,
                    what: "starting IDLE",
                    timeout: response_timeout,
                })
            }
            Ok(None) => return Err(ImapError::Protocol("the server's answer to IDLE cannot be parsed".into())),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(()))) => {}
        }
        let mut silent = false;
        let outcome = {
            // async-imap's own timeout restarts on every line the server sends: it is the
            // watchdog's silence bound.
            let (wait, _interrupt) = handle.wait_with_timeout(limits.silence);
            tokio::select! {
                r = tokio::time::timeout(limits.round, crate::guard::unpanicked(wait)) => match r {
                    Err(_) => IdleOutcome::Quiet,
                    Ok(Some(Ok(IdleResponse::Timeout))) => {
                        silent = true;
                        IdleOutcome::Quiet
                    }
                    Ok(None) => return Err(ImapError::Protocol("a server response during IDLE cannot be parsed".into())),
                    Ok(Some(Ok(IdleResponse::NewData(data)))) => classify(data.parsed()),
                    Ok(Some(Ok(_))) => IdleOutcome::Quiet,
                    Ok(Some(Err(e))) => return Err(e.into()),
                },
                () = stop => IdleOutcome::Stopped,
            }
        };
        on_outcome(outcome);
        let wait_done = if silent { limits.probe.min(response_timeout) } else { response_timeout };
        let inner = match tokio::time::timeout(wait_done, crate::guard::unpanicked(handle.done())).await {
            Err(_) => {
                return Err(ImapError::Timeout {
                    host: parts.host.clone(),
                    port: parts.port,
                    what: if silent {
                        "ending an IDLE after a silence (watchdog): connection presumed dead"
                    } else {
                        "ending IDLE: connection presumed dead"
                    },
                    timeout: wait_done,
                })
            }
            Ok(None) => return Err(ImapError::Protocol("the server's answer to DONE cannot be parsed".into())),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(s))) => s,
        };
        Ok((ImapSession::from_parts(inner, parts), outcome))
    }
}
