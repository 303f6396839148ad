//! Small user settings shared by the front ends (notifications, start at login...), as text
//! key/value pairs: the app owns their meaning, the store only keeps them.

use rusqlite::{params, OptionalExtension};

use super::{SqlContext, Store, StoreError};
use crate::rules::Rules;

/// The key of the notification rules: one JSON document, as the front ends edit them whole.
const RULES_KEY: &str = "notify_rules";

impl Store {
    /// The notification rules (none when never set). Rules that no longer read (a
    /// hand-edited database) are no rules, rather than a store that cannot announce mail.
    pub fn rules(&self) -> Result<Rules, StoreError> {
        let text = self.setting(RULES_KEY)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    /// Keeps the rules as given: validate them first (`Rules::validated`).
    pub fn set_rules(&self, rules: &Rules) -> Result<(), StoreError> {
        let text = serde_json::to_string(rules).map_err(|e| StoreError::Encode(format!("notification rules: {e}")))?;
        self.set_setting(RULES_KEY, &text)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.lock()?;
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional().ctx("reading a setting")
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )
        .ctx("writing a setting")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::temp_store;

    #[test]
    fn settings_round_trip_and_overwrite() {
        let (_dir, store) = temp_store();
        assert_eq!(store.setting("notifications").expect("get"), None);
        store.set_setting("notifications", "on").expect("set");
        store.set_setting("notifications", "off").expect("set");
        assert_eq!(store.setting("notifications").expect("get").as_deref(), Some("off"));
    }

    #[test]
    fn rules_round_trip() {
        let (_dir, store) = temp_store();
        assert_eq!(store.rules().expect("rules"), crate::rules::Rules::default());
        let rules = crate::rules::Rules { important: vec!["boss@example.org".into()], ..Default::default() };
        store.set_rules(&rules).expect("set");
        assert_eq!(store.rules().expect("rules"), rules);
        store.set_setting("notify_rules", "{not json").expect("set");
        assert_eq!(store.rules().expect("rules"), crate::rules::Rules::default());
    }
}
