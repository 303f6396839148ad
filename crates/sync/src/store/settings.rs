//! Small user settings shared by the front ends (notifications, start at login...), as text
//! key/value pairs: the app owns their meaning, the store only keeps them.

use rusqlite::{params, OptionalExtension};

use super::{SqlContext, Store, StoreError};

impl Store {
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
}
