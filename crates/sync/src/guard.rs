//! Containment for panics in the IMAP parsing crates. imap-proto 0.17 slices response text
//! by bytes and panics on some non-ASCII input from a server (e.g. `[CODE]été`): mail servers
//! are untrusted, so every read is guarded, and such a panic becomes a protocol error that
//! closes the connection instead of killing the notifier.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

/// Runs `f`, turning a panic inside it into `None`.
pub(crate) async fn unpanicked<F: Future>(f: F) -> Option<F::Output> {
    AssertUnwindSafe(f).catch_unwind().await.ok()
}

/// Log targets that would write secrets at debug or trace level (async-imap traces every
/// command it encodes, LOGIN included; zbus and secret-service trace D-Bus messages, the
/// keyring's Secret included). Front ends add these to any log filter.
pub const QUIET_LOG_TARGETS: &[&str] = &["async_imap=info", "imap_proto=info", "zbus=info", "secret_service=info"];

/// Crates whose panics come from parsing what a server sent: logged as a warning, not
/// printed as a crash. Everything else still reaches the previous hook.
const PARSER_CRATES: &[&str] = &["imap-proto", "async-imap", "mail-parser"];

/// Installs (once) a panic hook that keeps parser panics off stderr; front ends call it at
/// start. The panic itself is still caught by `unpanicked` and reported as an error.
pub fn install_quiet_parser_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let from_parser = info.location().is_some_and(|l| PARSER_CRATES.iter().any(|c| l.file().contains(c)));
            if from_parser {
                let what = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
                tracing::warn!("a server response could not be parsed ({what}; in {at})");
            } else {
                previous(info);
            }
        }));
    });
}
