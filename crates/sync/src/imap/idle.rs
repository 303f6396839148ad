//! IDLE (RFC 2177): one round of waiting for the server to report a change.
//!
//! async-imap's own IDLE timeout restarts on every server line, and Dovecot says "* OK Still
//! here" every two minutes, so left alone an IDLE would never be re-issued. Each round here is
//! bounded by our own deadline: when it passes we send DONE, which both re-issues the IDLE well
//! before the 29-minute limit and proves the connection still answers (a silent, dead
//! connection fails the DONE within the response timeout).

use std::future::Future;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response};

use super::error::ImapError;
use super::session::ImapSession;

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
    /// Idles on the selected mailbox until the server reports something, `round` passes, or
    /// `stop` completes; then ends the IDLE and hands the session back. `on_outcome` hears the
    /// outcome as soon as it is known, before the DONE round trip, so that a pass on another
    /// connection can start at once.
    pub async fn idle_round(
        self,
        round: Duration,
        stop: impl Future<Output = ()>,
        on_outcome: impl FnOnce(IdleOutcome),
    ) -> Result<(ImapSession, IdleOutcome), ImapError> {
        let response_timeout = self.response_timeout();
        let (inner, parts) = self.into_parts();
        let mut handle = inner.idle();
        match tokio::time::timeout(response_timeout, crate::guard::unpanicked(handle.init())).await {
            Err(_) => return Err(ImapError::Protocol("the server did not accept IDLE in time".into())),
            Ok(None) => return Err(ImapError::Protocol("the server's answer to IDLE cannot be parsed".into())),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(()))) => {}
        }
        let outcome = {
            let (wait, _interrupt) = handle.wait();
            tokio::select! {
                r = tokio::time::timeout(round, crate::guard::unpanicked(wait)) => match r {
                    Err(_) => IdleOutcome::Quiet,
                    Ok(None) => return Err(ImapError::Protocol("a server response during IDLE cannot be parsed".into())),
                    Ok(Some(Ok(IdleResponse::NewData(data)))) => classify(data.parsed()),
                    Ok(Some(Ok(_))) => IdleOutcome::Quiet,
                    Ok(Some(Err(e))) => return Err(e.into()),
                },
                () = stop => IdleOutcome::Stopped,
            }
        };
        on_outcome(outcome);
        let inner = match tokio::time::timeout(response_timeout, crate::guard::unpanicked(handle.done())).await {
            Err(_) => return Err(ImapError::Protocol("the server did not end IDLE in time: connection presumed dead".into())),
            Ok(None) => return Err(ImapError::Protocol("the server's answer to DONE cannot be parsed".into())),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(s))) => s,
        };
        Ok((ImapSession::from_parts(inner, parts), outcome))
    }
}
