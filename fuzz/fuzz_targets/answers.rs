//! Untrusted answers that need no network: autoconfig XML, OAuth2 token endpoint answers and
//! the request heads reaching the sign-in listener (`mailbell_sync::fuzzing::answers`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mailbell_sync::fuzzing::answers(data);
});
