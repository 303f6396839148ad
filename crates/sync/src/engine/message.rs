//! The message verbs on the engine (issue 15): thin over `message`'s free functions, with the
//! engine's sink (so front ends update at once) and the undo tokens, which live only here, in
//! memory, for [`UNDO_SECS`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Engine;
use crate::error::SyncError;
use crate::message::{self, ActionDone, Context, MessageAction, MessageRef, MessageView, Undo};

/// How long an action can be undone.
pub const UNDO_SECS: u64 = 60;

/// The undo tokens given out and not yet used or expired.
#[derive(Default)]
pub(crate) struct Undos {
    pending: HashMap<String, (Instant, Undo)>,
}

impl Undos {
    fn put(&mut self, undo: Undo) -> String {
        let now = Instant::now();
        self.pending.retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(UNDO_SECS));
        // Unguessable, so that one front end cannot undo by guessing another's token.
        let token = format!("{:032x}", rand::random::<u128>());
        self.pending.insert(token.clone(), (now, undo));
        token
    }

    /// The undo of a token, once, if it has not expired.
    fn take(&mut self, token: &str) -> Option<Undo> {
        let (at, undo) = self.pending.remove(token)?;
        (at.elapsed() < Duration::from_secs(UNDO_SECS)).then_some(undo)
    }
}

impl Engine {
    fn message_context(&self) -> Context<'_> {
        Context {
            store: &self.shared.store,
            secrets: &self.shared.secrets,
            tokens: &self.shared.tokens,
            timeouts: self.shared.opts.timeouts,
            sink: self.shared.sink.as_ref(),
        }
    }

    fn lock_undos(&self) -> std::sync::MutexGuard<'_, Undos> {
        self.undos.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The message as the reading pane shows it, fetched now with a bounded `BODY.PEEK` (it
    /// stays unread on the server).
    pub async fn show_message(&self, r: &MessageRef) -> Result<MessageView, SyncError> {
        message::show(&self.message_context(), r, self.shared.opts.message_bytes).await
    }

    /// Does what the user asked to this one message on the server, records it in the store
    /// and emits the matching `message_update`. The answer carries an undo token, valid for
    /// [`UNDO_SECS`], when there is something to take back.
    pub async fn act_on_message(&self, r: &MessageRef, action: MessageAction) -> Result<ActionDone, SyncError> {
        let acted = message::act(&self.message_context(), r, action).await?;
        let mut done = acted.done;
        done.undo = acted.undo.map(|u| self.lock_undos().put(u));
        Ok(done)
    }

    /// Takes back the action the token names (once, within [`UNDO_SECS`]).
    pub async fn undo_action(&self, token: &str) -> Result<(), SyncError> {
        let undo = self.lock_undos().take(token).ok_or(SyncError::UndoExpired { secs: UNDO_SECS })?;
        tracing::debug!(account = %undo.account(), "undoing an action");
        message::undo(&self.message_context(), &undo).await
    }
}

/// The front ends run these on multi-threaded runtimes (Tauri's async commands, `tokio::spawn`),
/// which need `Send` futures: this fails to compile if one stops being `Send`.
#[cfg(test)]
#[allow(dead_code)]
fn the_verbs_futures_are_send(engine: &Engine, r: &MessageRef) {
    fn send<T: Send>(_: T) {}
    send(engine.show_message(r));
    send(engine.act_on_message(r, MessageAction::Read));
    send(engine.undo_action("token"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageRef;

    /// An undo to keep: its content does not matter to the tokens.
    fn some_undo() -> Undo {
        Undo::for_tests(MessageRef { account: "a1".into(), folder: "INBOX".into(), uidvalidity: Some(7), uid: 3 })
    }

    #[test]
    fn a_token_works_once_and_not_after_it_expired() {
        let mut undos = Undos::default();
        let token = undos.put(some_undo());
        assert_eq!(token.len(), 32);
        assert_ne!(undos.put(some_undo()), token, "tokens are not reused");
        assert!(undos.take(&token).is_some());
        assert!(undos.take(&token).is_none(), "a token works once");
        assert!(undos.take("not a token").is_none());

        let old = undos.put(some_undo());
        let long_ago = Instant::now().checked_sub(Duration::from_secs(UNDO_SECS + 1)).expect("a past instant");
        undos.pending.get_mut(&old).expect("kept").0 = long_ago;
        assert!(undos.take(&old).is_none(), "expired");
        // Expired ones are dropped when the next one is kept.
        let stale = undos.put(some_undo());
        undos.pending.get_mut(&stale).expect("kept").0 = long_ago;
        undos.put(some_undo());
        assert!(!undos.pending.contains_key(&stale));
    }
}
