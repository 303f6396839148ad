//! The reading pane's and the message verbs' vocabulary: which message (a [`MessageRef`], the
//! fields of a `new_message` event), what it says ([`MessageView`]), and what was done to it
//! ([`ActionDone`]). Front ends receive these as JSON (`mailbell-cli message ... --json`, the
//! app's commands), so field names only grow.

use serde::{Deserialize, Serialize};

/// One message on the server, addressed the way a `new_message` event names it. Without
/// `uidvalidity` the UID is taken as meant for the folder as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageRef {
    pub account: String,
    /// The folder's decoded name, as in events.
    pub folder: String,
    pub uidvalidity: Option<u32>,
    pub uid: u32,
}

/// One mailbox of an address header. Both parts are plain text made safe for display
/// (control and bidi-override characters removed, length bounded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Address {
    pub name: Option<String>,
    pub address: String,
}

/// An attachment as the pane lists it: its (cleaned, clipped) name, type and decoded size.
/// Its content is never handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// A message as the reading pane shows it, made from at most the byte bound of its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageView {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub subject: String,
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// The Date header, RFC 3339 (absent or unreadable: null).
    pub date: Option<String>,
    /// Without the angle brackets.
    pub message_id: Option<String>,
    /// The List-Id header's identifier (`list.example.org`), for muting a list.
    pub list_id: Option<String>,
    /// `\Seen` on the server when it was fetched (reading it here changed nothing).
    pub seen: bool,
    /// RFC822.SIZE: the whole message on the server.
    pub size: u32,
    /// The text part, or text made from the HTML part when there is no text part.
    pub text: String,
    /// The HTML part, sanitised (no scripts, forms, frames, event handlers, fetching CSS;
    /// links http/https/mailto only). Remote images are still in it: the app's frame blocks
    /// them until the user allows them.
    pub html: Option<String>,
    /// How many remote resources (http/https images) the sanitised HTML refers to.
    pub remote_images: u32,
    pub attachments: Vec<Attachment>,
    /// The message is bigger than the byte bound: this is only the part that fits (open it in
    /// a mail program for the rest).
    pub truncated: bool,
}

/// What the user asked to do with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum MessageAction {
    /// Mark it read on the server (`\Seen`).
    Read,
    /// Move it to the account's `\Archive` folder.
    Archive,
    /// Move it to the account's `\Trash` folder.
    Delete,
}

impl MessageAction {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageAction::Read => "read",
            MessageAction::Archive => "archive",
            MessageAction::Delete => "delete",
        }
    }
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ActionDone {
    pub action: MessageAction,
    /// The message acted on (its folder's UIDVALIDITY filled in).
    pub message: MessageRef,
    /// The folder it was moved to (decoded name), for Archive and Delete.
    pub moved_to: Option<String>,
    /// An opaque token for `Engine::undo_action`, valid for about a minute; null where there
    /// is nothing to undo (the CLI, or a message that was already read).
    pub undo: Option<String>,
}
