//! PKCE (RFC 7636): a random verifier kept here, its SHA-256 challenge sent with the
//! authorization request, so that a code intercepted on the way back is useless to others.
//! Also the random `state` that ties the browser's answer to this request.

use base64::Engine as _;
use rand::RngCore;

fn random_urlsafe(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// 32 random bytes: 43 characters of the unreserved set, the shortest RFC 7636 allows.
pub(crate) fn verifier() -> String {
    random_urlsafe(32)
}

/// `BASE64URL(SHA256(verifier))` without padding (method `S256`).
pub(crate) fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()))
}

pub(crate) fn state() -> String {
    random_urlsafe(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_example() {
        // RFC 7636 appendix B.
        assert_eq!(challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifiers_are_random_and_well_formed() {
        let (a, b) = (verifier(), verifier());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{a}");
    }
}
