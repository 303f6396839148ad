//! The message verbs on the engine (issue 15): thin over `message`'s free functions, with the
//! engine's sink (so front ends update at once) and the undo tokens, which live only here, in
//! memory, for [`UNDO_SECS`].

use super::Engine;
use crate::error::SyncError;
use crate::message::{ActionDone, MessageAction, MessageRef, MessageView};

/// How long an action can be undone.
pub const UNDO_SECS: u64 = 60;

impl Engine {
    /// The message as the reading pane shows it, fetched now with a bounded `BODY.PEEK` (it
    /// stays unread on the server).
    pub async fn show_message(&self, r: &MessageRef) -> Result<MessageView, SyncError> {
        let _ = r;
        Err(SyncError::Internal("showing a message is not built yet".into()))
    }

    /// Does what the user asked to this one message on the server, records it in the store
    /// and emits the matching `message_update`.
    pub async fn act_on_message(&self, r: &MessageRef, action: MessageAction) -> Result<ActionDone, SyncError> {
        let _ = (r, action);
        Err(SyncError::Internal("acting on a message is not built yet".into()))
    }

    /// Takes back the action the token names (once, within [`UNDO_SECS`]).
    pub async fn undo_action(&self, token: &str) -> Result<(), SyncError> {
        let _ = token;
        Err(SyncError::UndoExpired { secs: UNDO_SECS })
    }
}
