//! mailbell-sync: the engine behind Mailbell. It owns the IMAP session, the incremental
//! fetch, the SQLite store and the keyring secrets. It knows nothing about Tauri: the desktop
//! app and the CLI are two thin front ends over the same API.

pub mod mutf7;
pub mod secrets;
pub mod summary;
pub mod model;
pub mod store;
pub mod imap;
pub mod events;
pub mod sync;
pub mod engine;
pub mod paths;
pub mod quirks;
pub mod discover;
pub mod oauth;
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
