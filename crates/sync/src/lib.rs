//! mailbell-sync: the engine behind Mailbell. It owns the IMAP session, the incremental
//! fetch, the SQLite store and the keyring secrets. It knows nothing about Tauri: the desktop
//! app and the CLI are two thin front ends over the same API.

pub mod discover;
pub mod engine;
pub mod events;
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
pub mod imap;
pub mod model;
pub mod mutf7;
pub mod oauth;
pub mod paths;
pub mod quirks;
pub mod secrets;
pub mod store;
pub mod summary;
pub mod sync;
