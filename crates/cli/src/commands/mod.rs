//! One module per subcommand; each is a thin call into the engine.

pub mod account;
pub mod message;
pub mod messages;
mod oauth;
pub mod status;
pub mod sync;
pub mod watch;
