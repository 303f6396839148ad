//! Access tokens in memory, per account, with their expiry. A token is used until a minute
//! before it expires (a pass started just before expiry must not fail halfway through login),
//! then refreshed from the refresh token in the keyring.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refresh this long before the provider's expiry.
const MARGIN: Duration = Duration::from_secs(60);
/// Assumed lifetime when the provider does not say (`expires_in` is optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(30 * 60);

#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl TokenCache {
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// The account's access token, unless it is missing or about to expire.
    pub fn get(&self, account_id: &str) -> Option<String> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.get(account_id).filter(|(_, until)| Instant::now() + MARGIN < *until).map(|(t, _)| t.clone())
    }

    pub fn put(&self, account_id: &str, token: String, expires_at: Option<Instant>) {
        let until = expires_at.unwrap_or_else(|| Instant::now() + DEFAULT_LIFETIME);
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(account_id.to_string(), (token, until));
    }

    /// Forgets the account's token (the server refused it, or the account is gone).
    pub fn forget(&self, account_id: &str) {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(account_id);
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_about_to_expire_are_not_handed_out() {
        let c = TokenCache::new();
        c.put("a", "fresh".into(), Some(Instant::now() + Duration::from_secs(3600)));
        c.put("b", "stale".into(), Some(Instant::now() + Duration::from_secs(30)));
        c.put("c", "unknown-lifetime".into(), None);
        assert_eq!(c.get("a").as_deref(), Some("fresh"));
        assert_eq!(c.get("b"), None, "inside the margin");
        assert_eq!(c.get("c").as_deref(), Some("unknown-lifetime"));
        c.forget("a");
        assert_eq!(c.get("a"), None);
    }
}
