//! The commands of the account setup wizard and of the account editor: discovery, the live
//! connection test (with its steps as events), add, change password, remove. The form's input
//! is checked here, field by field, so that every error names the field it is about.

use std::path::Path;
use std::time::Duration;

use mailbell_sync::discover::{discover_detailed, DiscoveryError, DiscoveryOptions};
use mailbell_sync::imap::{live_test_with_progress, load_ca, LiveTestReport, ServerConfig, Timeouts};
use mailbell_sync::model::{Account, NewAccount, MIN_INTERVAL_SECS};
use tauri::{AppHandle, Manager};

use crate::bridge::{emit_app, refresh_unviewed};
use crate::error::{AppError, AppResult};
use crate::models::{AccountSetup, AppEvent, DiscoveryView, ServerSettings};
use crate::state::AppState;

/// A wizard waits for a person: a server that has not answered by then will not.
const TEST_TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(10), response: Duration::from_secs(20) };

/// Finds the IMAP server of an address (built-in table, autoconfig, ISPDB, SRV, guesses).
#[tauri::command]
pub async fn discover_servers(email: String) -> AppResult<DiscoveryView> {
    let email = check_email(&email)?;
    let opts = DiscoveryOptions::from_env().map_err(|e| AppError::internal(format!("discovery is misconfigured: {e}")))?;
    match discover_detailed(&email, &opts).await {
        Ok(d) => Ok(DiscoveryView { domain: d.domain, candidates: d.candidates, attempts: d.attempts, error: None }),
        Err(DiscoveryError::InvalidEmail { reason, .. }) => {
            Err(AppError::in_field("email", format!("This is not an email address: {reason}.")))
        }
        Err(DiscoveryError::Config(e)) => Err(AppError::internal(format!("discovery is misconfigured: {e}"))),
        Err(e) => {
            let attempts = e.attempts().to_vec();
            let domain = email.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
            Ok(DiscoveryView {
                domain,
                candidates: Vec::new(),
                attempts,
                error: Some(format!("{e}: enter the server settings below (your provider's help pages list them).")),
            })
        }
    }
}

/// Runs the live test (connect, secure, authenticate, list folders) and reports each step as
/// an `AppEvent::TestStep` tagged with `run` as it ends. The report has the folders to choose
/// from. The password is used for this test only: nothing is stored.
#[tauri::command]
pub async fn test_connection(app: AppHandle, run: u32, server: ServerSettings, password: String) -> AppResult<LiveTestReport> {
    let server = check_server(&server)?;
    check_password(&password)?;
    let cfg = server_config(&server);
    let report = live_test_with_progress(&cfg, &server.username, &password, |step| {
        emit_app(&app, AppEvent::TestStep { run, step: step.clone() });
    })
    .await;
    tracing::info!(host = %report.host, port = report.port, ok = report.ok, problem = ?report.problem, "connection test");
    Ok(report)
}

/// Saves a new account (its password to the keyring only) and starts watching it.
#[tauri::command]
pub async fn add_account(app: AppHandle, setup: AccountSetup, password: String) -> AppResult<Account> {
    check_password(&password)?;
    let new = check_setup(&setup)?;
    mailbell_sync::quirks::validate(&setup.quirks).map_err(|e| AppError::invalid(e.to_string()))?;
    let state = app.state::<AppState>();
    let engine = state.engine()?;
    let store = state.store.clone();
    let (email, host, port) = (new.email.clone(), new.host.clone(), new.port);
    let duplicate = tauri::async_runtime::spawn_blocking(move || store.accounts())
        .await
        .map_err(|e| AppError::internal(format!("background task failed: {e}")))??
        .into_iter()
        .any(|a| a.email.eq_ignore_ascii_case(&email) && a.host.eq_ignore_ascii_case(&host) && a.port == port);
    if duplicate {
        return Err(AppError::in_field("email", "This account is already set up: change it under Accounts instead."));
    }
    let account = engine.add_account(new, password).await?;
    if !setup.quirks.is_empty() {
        let (store, id, quirks) = (state.store.clone(), account.id.clone(), setup.quirks.clone());
        tauri::async_runtime::spawn_blocking(move || store.set_account_quirks(&id, &quirks))
            .await
            .map_err(|e| AppError::internal(format!("background task failed: {e}")))??;
        engine.reload(&account.id)?;
    }
    tracing::info!(account = %account.id, host = %account.host, "account added");
    emit_app(&app, AppEvent::Refresh);
    Ok(account)
}

/// Replaces an account's password in the keyring and reconnects with it.
#[tauri::command]
pub async fn set_password(app: AppHandle, account: String, password: String) -> AppResult<()> {
    check_password(&password)?;
    let engine = app.state::<AppState>().engine()?;
    engine.set_password(&account, password).await?;
    tracing::info!(%account, "password changed");
    emit_app(&app, AppEvent::Refresh);
    Ok(())
}

/// Stops watching an account and removes its keyring entry and all its data.
#[tauri::command]
pub async fn remove_account(app: AppHandle, account: String) -> AppResult<()> {
    let state = app.state::<AppState>();
    let engine = state.engine()?;
    if !engine.remove_account(&account).await? {
        return Err(AppError::invalid(format!("there is no account {account:?} (removed already?)")));
    }
    state.forget_status(&account);
    tracing::info!(%account, "account removed");
    emit_app(&app, AppEvent::Refresh);
    refresh_unviewed(&app).await;
    Ok(())
}

pub(crate) fn server_config(s: &ServerSettings) -> ServerConfig {
    ServerConfig { host: s.host.clone(), port: s.port, security: s.security, ca_file: s.ca_file.clone(), timeouts: TEST_TIMEOUTS }
}

fn check_email(email: &str) -> AppResult<String> {
    let email = email.trim();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(AppError::in_field("email", "Enter your whole email address, e.g. jane@example.org."));
    };
    if local.is_empty() || domain.is_empty() || !domain.contains('.') && domain != "localhost" || email.contains(char::is_whitespace) {
        return Err(AppError::in_field(
            "email",
            format!("{email:?} is not an email address: expected name@domain, e.g. jane@example.org."),
        ));
    }
    Ok(email.to_string())
}

fn check_password(password: &str) -> AppResult<()> {
    if password.is_empty() {
        return Err(AppError::in_field("password", "Enter the password (or app password) of this account."));
    }
    Ok(())
}

/// The settings with blanks trimmed and an empty CA file as none; or the first bad field.
pub(crate) fn check_server(s: &ServerSettings) -> AppResult<ServerSettings> {
    let host = s.host.trim();
    if host.is_empty() {
        return Err(AppError::in_field("host", "Enter the IMAP server's name, e.g. imap.example.org."));
    }
    if host.contains(char::is_whitespace) || host.contains('/') || host.contains('@') {
        return Err(AppError::in_field("host", format!("{host:?} is not a server name: enter only the name, e.g. imap.example.org.")));
    }
    if s.port == 0 {
        return Err(AppError::in_field("port", "Enter a port: 993 for TLS, 143 for STARTTLS."));
    }
    let username = s.username.trim();
    if username.is_empty() {
        return Err(AppError::in_field("username", "Enter the user name (usually your whole email address)."));
    }
    let ca_file = match s.ca_file.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => {
            if !Path::new(p).is_absolute() {
                return Err(AppError::in_field(
                    "ca_file",
                    format!("Give the full path of the CA certificate, e.g. /home/you/ca.pem (not {p:?})."),
                ));
            }
            load_ca(Path::new(p)).map_err(|e| AppError::in_field("ca_file", e.to_string()))?;
            Some(p.to_string())
        }
    };
    Ok(ServerSettings { host: host.to_string(), port: s.port, security: s.security, username: username.to_string(), ca_file })
}

pub(crate) fn check_setup(setup: &AccountSetup) -> AppResult<NewAccount> {
    let email = check_email(&setup.email)?;
    let server = check_server(&setup.server)?;
    if setup.interval_secs < MIN_INTERVAL_SECS {
        return Err(AppError::in_field("interval", format!("Check at least every {MIN_INTERVAL_SECS} seconds.")));
    }
    let folders: Vec<String> = setup.folders.iter().filter(|f| !f.trim().is_empty()).cloned().collect();
    if folders.is_empty() {
        return Err(AppError::in_field("folders", "Choose at least one folder to watch (INBOX is the usual one)."));
    }
    Ok(NewAccount {
        display_name: setup.display_name.trim().to_string(),
        email,
        host: server.host,
        port: server.port,
        security: server.security,
        username: server.username,
        ca_file: server.ca_file,
        folders: Some(folders),
        interval_secs: setup.interval_secs,
    })
}

#[cfg(test)]
mod tests {
    use mailbell_sync::model::Security;

    use super::*;

    fn server() -> ServerSettings {
        ServerSettings {
            host: " imap.example.org ".into(),
            port: 993,
            security: Security::Tls,
            username: "jane@example.org".into(),
            ca_file: Some("  ".into()),
        }
    }

    fn setup() -> AccountSetup {
        AccountSetup {
            display_name: " Work ".into(),
            email: "jane@example.org".into(),
            server: server(),
            folders: vec!["INBOX".into(), "Lists/rust".into()],
            interval_secs: 300,
            quirks: vec![],
        }
    }

    fn field_of(r: AppResult<impl std::fmt::Debug>) -> String {
        r.expect_err("should be refused").field.unwrap_or_default()
    }

    #[test]
    fn a_good_setup_becomes_an_account_with_explicit_folders() {
        let new = check_setup(&setup()).expect("valid");
        assert_eq!(new.host, "imap.example.org");
        assert_eq!(new.display_name, "Work");
        assert_eq!(new.ca_file, None, "a blank CA file means none");
        assert_eq!(new.folders.as_deref(), Some(&["INBOX".to_string(), "Lists/rust".to_string()][..]));
    }

    #[test]
    fn each_bad_field_is_named() {
        for (email, field) in [("jane", "email"), ("@example.org", "email"), ("jane@", "email"), ("ja ne@example.org", "email")] {
            assert_eq!(field_of(check_setup(&AccountSetup { email: email.into(), ..setup() })), field, "{email}");
        }
        let with = |f: fn(&mut ServerSettings)| {
            let mut s = setup();
            f(&mut s.server);
            check_setup(&s)
        };
        assert_eq!(field_of(with(|s| s.host = " ".into())), "host");
        assert_eq!(field_of(with(|s| s.host = "imap.example.org/x".into())), "host");
        assert_eq!(field_of(with(|s| s.port = 0)), "port");
        assert_eq!(field_of(with(|s| s.username = "".into())), "username");
        assert_eq!(field_of(with(|s| s.ca_file = Some("ca.pem".into()))), "ca_file");
        assert_eq!(field_of(with(|s| s.ca_file = Some("/nonexistent/ca.pem".into()))), "ca_file");
        assert_eq!(field_of(check_setup(&AccountSetup { folders: vec![" ".into()], ..setup() })), "folders");
        assert_eq!(field_of(check_setup(&AccountSetup { interval_secs: 5, ..setup() })), "interval");
        assert_eq!(field_of(check_password("")), "password");
    }

    #[test]
    fn a_file_that_is_not_a_certificate_is_refused_with_its_reason() {
        let dir = std::env::temp_dir().join(format!("mailbell-setup-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("not-a-cert.pem");
        std::fs::write(&path, "hello").expect("write");
        let e = check_server(&ServerSettings { ca_file: Some(path.display().to_string()), ..server() }).expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("ca_file"));
        assert!(e.message.contains("not-a-cert.pem"), "{}", e.message);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
