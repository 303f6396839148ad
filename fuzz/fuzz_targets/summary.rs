//! `summary::summarize` on arbitrary header and body bytes (and an INTERNALDATE): never a
//! panic, always a clean summary. Layout of the input: see `mailbell_sync::fuzzing::summary`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // summarize() catches panics from inside mail-parser by design (a debug assertion of
        // the parser can fire on hostile input): that is not a finding. libFuzzer's hook
        // would abort on any panic, caught or not; with the default hook an uncaught panic
        // still aborts the run (libfuzzer-sys catches it at the top).
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| {
        mailbell_sync::fuzzing::summary(data);
    }
);
