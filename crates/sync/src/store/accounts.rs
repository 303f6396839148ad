//! Account rows. Never the password: that lives in the keyring under the account's id.

use rand::Rng;
use rusqlite::{params, OptionalExtension, Row};

use super::{now_rfc3339, SqlContext, Store, StoreError};
use crate::model::{Account, NewAccount, Security};

const COLUMNS: &str =
    "id, display_name, email, host, port, security, username, ca_file, folders, interval_secs, enabled, created_at, quirks, oauth, notify, pinned_cert_sha256";
const INSERT_COLUMNS: &str =
    "id, display_name, email, host, port, security, username, ca_file, folders, interval_secs, enabled, created_at, quirks, oauth";

/// A new account id. The account layer takes one before the row exists, so that the secret
/// can be stored under it first.
pub(crate) fn new_account_id() -> String {
    // 48 random bits: unique across data directories that share one keyring.
    let n: u64 = rand::rng().random::<u64>() & 0xffff_ffff_ffff;
    format!("{n:012x}")
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let security: String = r.get(5)?;
    let ca_file: String = r.get(7)?;
    let folders: String = r.get(8)?;
    Ok(Account {
        id: r.get(0)?,
        display_name: r.get(1)?,
        email: r.get(2)?,
        host: r.get(3)?,
        port: r.get(4)?,
        // The CHECK constraint keeps this column to the three known values.
        security: security.parse().unwrap_or(Security::Tls),
        username: r.get(6)?,
        ca_file: (!ca_file.is_empty()).then_some(ca_file),
        folders: decode_folders(&folders),
        interval_secs: r.get(9)?,
        enabled: r.get(10)?,
        created_at: r.get(11)?,
        quirks: r.get::<_, String>(12)?.split(',').filter(|q| !q.is_empty()).map(str::to_string).collect(),
        // Written only by `set_account_oauth` from a typed value: unreadable JSON cannot occur
        // short of hand-editing, and then the account reads as a password account.
        oauth: serde_json::from_str(&r.get::<_, String>(13)?).ok(),
        notify: r.get(14)?,
        pinned_cert_sha256: r.get::<_, String>(15).map(|p| (!p.is_empty()).then_some(p))?,
    })
}

/// OAuth2 settings are stored as JSON; an empty text means a password account.
fn encode_oauth(oauth: Option<&crate::model::OAuthConfig>) -> Result<String, StoreError> {
    match oauth {
        Some(o) => serde_json::to_string(o).map_err(|e| StoreError::Encode(format!("OAuth settings: {e}"))),
        None => Ok(String::new()),
    }
}

/// Folder lists are stored as a JSON array so that names may hold commas.
fn encode_folders(folders: &Option<Vec<String>>) -> String {
    match folders {
        Some(list) => serde_json::to_string(list).unwrap_or_default(),
        None => String::new(),
    }
}

fn decode_folders(s: &str) -> Option<Vec<String>> {
    if s.is_empty() {
        None
    } else {
        serde_json::from_str(s).ok()
    }
}

impl Store {
    pub fn add_account(&self, new: &NewAccount) -> Result<Account, StoreError> {
        self.insert_account(&new_account_id(), new, &[], None)
    }

    /// Inserts a whole account (quirks and OAuth2 settings included) in one statement: another
    /// process that reads the accounts sees all of it or nothing.
    pub(crate) fn insert_account(
        &self,
        id: &str,
        new: &NewAccount,
        quirks: &[String],
        oauth: Option<&crate::model::OAuthConfig>,
    ) -> Result<Account, StoreError> {
        let oauth = encode_oauth(oauth)?;
        let conn = self.lock()?;
        conn.execute(
            &format!("INSERT INTO accounts ({INSERT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?13)"),
            params![
                id,
                new.display_name,
                new.email,
                new.host,
                new.port,
                new.security.as_str(),
                new.username,
                new.ca_file.clone().unwrap_or_default(),
                encode_folders(&new.folders),
                new.interval_secs,
                now_rfc3339(),
                quirks.join(","),
                oauth,
            ],
        )
        .ctx("adding an account")?;
        drop(conn);
        self.account(id)?.ok_or_else(|| StoreError::NoSuchAccount(id.to_string()))
    }

    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM accounts ORDER BY created_at, id")).ctx("listing accounts")?;
        let rows = stmt.query_map([], from_row).ctx("listing accounts")?;
        rows.collect::<Result<Vec<_>, _>>().ctx("reading accounts")
    }

    pub fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let conn = self.lock()?;
        conn.query_row(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"), [id], from_row).optional().ctx("reading an account")
    }

    /// Removes the account with its folders and messages. Returns false when it did not exist.
    pub fn remove_account(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.lock()?;
        let n = conn.execute("DELETE FROM accounts WHERE id = ?1", [id]).ctx("removing an account")?;
        Ok(n > 0)
    }

    pub fn set_account_quirks(&self, id: &str, quirks: &[String]) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n = conn
            .execute("UPDATE accounts SET quirks = ?2 WHERE id = ?1", params![id, quirks.join(",")])
            .ctx("updating an account's quirks")?;
        if n == 0 {
            return Err(StoreError::NoSuchAccount(id.to_string()));
        }
        Ok(())
    }

    /// Makes the account sign in with OAuth2 (or with its password again, given `None`).
    pub fn set_account_oauth(&self, id: &str, oauth: Option<&crate::model::OAuthConfig>) -> Result<(), StoreError> {
        let json = encode_oauth(oauth)?;
        let conn = self.lock()?;
        let n = conn
            .execute("UPDATE accounts SET oauth = ?2 WHERE id = ?1", params![id, json])
            .ctx("updating an account's sign-in settings")?;
        if n == 0 {
            return Err(StoreError::NoSuchAccount(id.to_string()));
        }
        Ok(())
    }

    /// Switches the account's notifications on or off (its mail is still stored and counted).
    pub fn set_account_notify(&self, id: &str, notify: bool) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n = conn.execute("UPDATE accounts SET notify = ?2 WHERE id = ?1", params![id, notify]).ctx("updating an account")?;
        if n == 0 {
            return Err(StoreError::NoSuchAccount(id.to_string()));
        }
        Ok(())
    }

    /// Sets (or, given `None`, clears) the extra CA certificate trusted for the account.
    pub fn set_account_ca_file(&self, id: &str, ca_file: Option<&str>) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n = conn
            .execute("UPDATE accounts SET ca_file = ?2 WHERE id = ?1", params![id, ca_file.unwrap_or_default()])
            .ctx("updating an account's CA file")?;
        if n == 0 {
            return Err(StoreError::NoSuchAccount(id.to_string()));
        }
        Ok(())
    }

    /// Pins the server certificate with this SHA-256 fingerprint for the account (or, given
    /// `None`, verifies its chain again).
    pub fn set_account_pinned_cert(&self, id: &str, sha256: Option<&str>) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n = conn
            .execute("UPDATE accounts SET pinned_cert_sha256 = ?2 WHERE id = ?1", params![id, sha256.unwrap_or_default()])
            .ctx("updating an account's trusted certificate")?;
        if n == 0 {
            return Err(StoreError::NoSuchAccount(id.to_string()));
        }
        Ok(())
    }

    pub fn set_account_interval(&self, id: &str, interval_secs: u32) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n =
            conn.execute("UPDATE accounts SET interval_secs = ?2 WHERE id = ?1", params![id, interval_secs]).ctx("updating an account")?;
        if n == 0 {
            return Err(StoreError::NoSuchAccount(id.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{account, temp_store};

    #[test]
    fn add_list_get_remove() {
        let (_dir, store) = temp_store();
        let mut new = account("alice@example.org");
        new.folders = Some(vec!["INBOX".into(), "Lists, misc".into()]);
        let a = store.add_account(&new).expect("add");
        let b = store.add_account(&account("bob@example.org")).expect("add");
        assert_ne!(a.id, b.id);
        assert_eq!(a.folders.as_deref(), Some(&["INBOX".to_string(), "Lists, misc".to_string()][..]));
        assert!(a.enabled);
        assert!(a.notify, "an account rings unless switched off");
        store.set_account_notify(&a.id, false).expect("notify off");
        assert!(!store.account(&a.id).expect("get").expect("exists").notify);
        assert!(store.set_account_notify("nope", false).is_err());
        store.set_account_quirks(&a.id, &["broken-qresync".into()]).expect("quirks");
        assert_eq!(store.account(&a.id).expect("get").expect("exists").quirks, vec!["broken-qresync"]);
        let all = store.accounts().expect("list");
        assert_eq!(all.len(), 2);
        assert_eq!(store.account(&b.id).expect("get").map(|x| x.email), Some("bob@example.org".into()));
        assert!(store.remove_account(&a.id).expect("remove"));
        assert!(!store.remove_account(&a.id).expect("remove twice"));
        assert_eq!(store.accounts().expect("list").len(), 1);
    }

    #[test]
    fn interval_update_of_unknown_account_is_an_error() {
        let (_dir, store) = temp_store();
        let err = store.set_account_interval("nope", 60).unwrap_err();
        assert!(err.to_string().contains("account list"));
    }
}
