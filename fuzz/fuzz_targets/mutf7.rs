//! Modified UTF-7 mailbox names: decoding anything never panics, and both directions
//! round-trip (`mailbell_sync::fuzzing::mutf7`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mailbell_sync::fuzzing::mutf7(data);
});
