//! One message, on the user's request (issue 15): read it (`show`, a bounded `BODY.PEEK` that
//! never sets `\Seen`), and act on it (`act`: mark read, archive, delete) and take that back
//! (`undo`). Each opens a short-lived session of its own, so the CLI uses these without an
//! engine and the engine's workers keep their sessions to the sync.
//!
//! The sync stays EXAMINE + PEEK: `act` and `undo` are the only code in Mailbell that changes
//! anything on a server, and only the one message the user named.

mod model;

pub use model::{ActionDone, Address, Attachment, MessageAction, MessageRef, MessageView};

/// How many bytes of a message `show` fetches at most: enough for any ordinary letter with
/// its HTML, and a bound on what a hostile or huge message can make Mailbell hold and parse.
pub const BODY_BYTES: u32 = 1024 * 1024;
