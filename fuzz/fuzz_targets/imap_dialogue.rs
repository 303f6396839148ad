//! The engine's client code against a scripted, hostile IMAP server: the pre-login dialogue
//! (plain and up to the STARTTLS handshake), LOGIN plus two sync passes with an in-memory
//! store, and the live connection test. The input is what the server says; the script format
//! is documented in `mailbell_sync::fuzzing`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

fn setup() -> &'static (Runtime, TcpListener) {
    static SETUP: OnceLock<(Runtime, TcpListener)> = OnceLock::new();
    SETUP.get_or_init(|| {
        // A paused clock: timeouts and the server's idle waits cost no real time.
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("runtime");
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("listener");
        (rt, listener)
    })
}

fuzz_target!(
    init: {
        // Caught panics (e.g. inside summarize) are handled by design; see summary.rs.
        let _ = std::panic::take_hook();
        setup();
    },
    |data: &[u8]| {
        let (rt, listener) = setup();
        rt.block_on(mailbell_sync::fuzzing::dialogue(listener, data));
    }
);
