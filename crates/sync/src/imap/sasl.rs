//! SASL for bearer tokens: OAUTHBEARER (RFC 7628) where the server offers it, else Google's
//! XOAUTH2, which Gmail, Outlook and Dovecot all understand. A refused token is answered by a
//! `+` challenge holding a JSON status; the client must reply with an empty line before the
//! server sends its tagged NO (RFC 7628 §3.2.3). The JSON is kept for the error message.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    OAuthBearer,
    XOAuth2,
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::OAuthBearer => "OAUTHBEARER",
            Mechanism::XOAuth2 => "XOAUTH2",
        }
    }

    /// The standard one first. `caps` are upper-case capability names.
    pub fn choose(caps: &BTreeSet<String>) -> Option<Mechanism> {
        if caps.contains("AUTH=OAUTHBEARER") {
            Some(Mechanism::OAuthBearer)
        } else if caps.contains("AUTH=XOAUTH2") {
            Some(Mechanism::XOAuth2)
        } else {
            None
        }
    }
}

/// The client's first (and only) message.
pub fn initial_response(mech: Mechanism, user: &str, token: &str, host: &str, port: u16) -> Vec<u8> {
    match mech {
        Mechanism::XOAuth2 => format!("user={user}\x01auth=Bearer {token}\x01\x01").into_bytes(),
        Mechanism::OAuthBearer => {
            // GS2 header with the authorization identity; ',' and '=' escaped (RFC 5801).
            let saslname = user.replace('=', "=3D").replace(',', "=2C");
            format!("n,a={saslname},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01").into_bytes()
        }
    }
}

/// Drives one AUTHENTICATE exchange for async-imap.
pub struct BearerAuth {
    first: Option<Vec<u8>>,
    /// The server's error challenge (JSON), when it sent one.
    pub refusal: Arc<Mutex<Option<String>>>,
}

impl BearerAuth {
    pub fn new(mech: Mechanism, user: &str, token: &str, host: &str, port: u16) -> BearerAuth {
        BearerAuth { first: Some(initial_response(mech, user, token, host, port)), refusal: Arc::new(Mutex::new(None)) }
    }
}

impl async_imap::Authenticator for BearerAuth {
    type Response = Vec<u8>;

    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        match self.first.take() {
            Some(first) => first,
            None => {
                // The error challenge: keep its words (bounded), answer with the empty line.
                let text: String = String::from_utf8_lossy(challenge).chars().filter(|c| !c.is_control()).take(300).collect();
                *self.refusal.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::Authenticator;

    #[test]
    fn responses_follow_the_specs() {
        assert_eq!(
            initial_response(Mechanism::XOAuth2, "alice@example.org", "tok", "h", 993),
            b"user=alice@example.org\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            initial_response(Mechanism::OAuthBearer, "a,b=c", "tok", "imap.example.org", 993),
            b"n,a=a=2Cb=3Dc,\x01host=imap.example.org\x01port=993\x01auth=Bearer tok\x01\x01"
        );
    }

    #[test]
    fn oauthbearer_is_preferred_and_a_refusal_is_answered_empty() {
        let caps = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(Mechanism::choose(&caps(&["AUTH=XOAUTH2", "AUTH=OAUTHBEARER"])), Some(Mechanism::OAuthBearer));
        assert_eq!(Mechanism::choose(&caps(&["AUTH=XOAUTH2", "AUTH=PLAIN"])), Some(Mechanism::XOAuth2));
        assert_eq!(Mechanism::choose(&caps(&["AUTH=PLAIN"])), None);
        let mut a = BearerAuth::new(Mechanism::XOAuth2, "u", "t", "h", 1);
        assert!(!a.process(b"").is_empty());
        assert!(a.process(br#"{"status":"401","schemes":"bearer"}"#).is_empty());
        assert_eq!(a.refusal.lock().unwrap().as_deref(), Some(r#"{"status":"401","schemes":"bearer"}"#));
    }
}
