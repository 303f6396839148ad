//! One module per subcommand; each is a thin call into the engine.

pub mod account;
pub mod messages;
mod oauth;
pub mod rules;
pub mod status;
pub mod sync;
pub mod watch;
