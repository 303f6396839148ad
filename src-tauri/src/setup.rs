//! The commands of the account setup wizard and of the account editor: discovery, the live
//! connection test (with its steps as events), add, change password, remove. The form's input
//! is checked by the engine's account rules (`mailbell_sync::account`), whose errors name the
//! field they are about; nothing here adds a rule of its own.

use std::time::Duration;

use mailbell_sync::account::{self, live_test_with_progress, AccountSpec, LiveTestReport, NewSecret};
use mailbell_sync::discover::{discover_detailed, DiscoveryError, DiscoveryOptions};
use mailbell_sync::{Account, NewAccount, ServerConfig, Timeouts};
use tauri::{AppHandle, Manager};

use crate::bridge::{emit_app, refresh_unviewed};
use crate::error::{AppError, AppResult};
use crate::models::{AccountSetup, AppEvent, DiscoveryFailure, DiscoveryView, ServerSettings};
use crate::state::AppState;

/// A wizard waits for a person: a server that has not answered by then will not.
const TEST_TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(10), response: Duration::from_secs(20) };

/// Finds the IMAP server of an address (built-in table, autoconfig, ISPDB, SRV, guesses).
pub async fn discover_servers(email: String) -> AppResult<DiscoveryView> {
    let email = check_email(&email)?;
    let opts = DiscoveryOptions::from_env().map_err(|e| AppError::internal(format!("discovery is misconfigured: {e}")))?;
    match discover_detailed(&email, &opts).await {
        Ok(d) => Ok(DiscoveryView { domain: d.domain, candidates: d.candidates, attempts: d.attempts, error: None, error_kind: None }),
        Err(DiscoveryError::InvalidEmail { reason, .. }) => {
            Err(AppError::in_field("email", crate::tr!("error-not-an-address", reason = reason.to_string())))
        }
        Err(DiscoveryError::Config(e)) => Err(AppError::internal(format!("discovery is misconfigured: {e}"))),
        Err(e) => {
            let attempts = e.attempts().to_vec();
            let kind = match e {
                DiscoveryError::NoService { .. } => DiscoveryFailure::NoService,
                DiscoveryError::TimedOut { .. } => DiscoveryFailure::TimedOut,
                _ => DiscoveryFailure::NotFound,
            };
            let domain = email.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
            Ok(DiscoveryView {
                domain,
                candidates: Vec::new(),
                attempts,
                error: Some(format!("{e}: enter the server settings below (your provider's help pages list them).")),
                error_kind: Some(kind),
            })
        }
    }
}

/// Runs the live test (connect, secure, authenticate, list folders) and reports each step as
/// an `AppEvent::TestStep` tagged with `run` as it ends. The report has the folders to choose
/// from. The password is used for this test only: nothing is stored.
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
pub async fn add_account(app: AppHandle, setup: AccountSetup, password: String) -> AppResult<Account> {
    let new = check_setup(&setup)?;
    check_password(&password)?;
    // The certificate the user trusted in the wizard ("Trust this certificate"), if any.
    let pin = check_server(&setup.server)?.pinned_cert_sha256;
    let engine = app.state::<AppState>().engine()?;
    let account = engine.add_account_pinned(new, setup.quirks.clone(), NewSecret::Password(password), pin).await?;
    tracing::info!(account = %account.id, host = %account.host, pinned = account.pinned_cert_sha256.is_some(), "account added");
    emit_app(&app, AppEvent::Refresh);
    Ok(account)
}

/// Replaces an account's password in the keyring and reconnects with it.
pub async fn set_password(app: AppHandle, account: String, password: String) -> AppResult<()> {
    check_password(&password)?;
    let engine = app.state::<AppState>().engine()?;
    engine.set_password(&account, password).await?;
    tracing::info!(%account, "password changed");
    emit_app(&app, AppEvent::Refresh);
    Ok(())
}

/// Trusts exactly the server certificate with this SHA-256 fingerprint for the account
/// ("Trust this certificate", after the user reviewed it), or none again (`None`), and
/// checks the account again with it.
pub async fn trust_certificate(app: AppHandle, account: String, sha256: Option<String>) -> AppResult<()> {
    let engine = app.state::<AppState>().engine()?;
    engine.trust_certificate(&account, sha256.as_deref())?;
    tracing::info!(%account, pinned = sha256.is_some(), "trusted certificate changed");
    emit_app(&app, AppEvent::Refresh);
    Ok(())
}

/// Trusts the CA certificate in the PEM file at `path` (chosen in the file chooser) for the
/// account, or none but the system's (`None`), and checks the account again with it.
pub async fn set_ca_file(app: AppHandle, account: String, path: Option<String>) -> AppResult<()> {
    let engine = app.state::<AppState>().engine()?;
    engine.set_ca_file(&account, path.as_deref())?;
    tracing::info!(%account, "CA file changed");
    emit_app(&app, AppEvent::Refresh);
    Ok(())
}

/// Stops watching an account and removes its keyring entry and all its data.
pub async fn remove_account(app: AppHandle, account: String) -> AppResult<()> {
    let state = app.state::<AppState>();
    let engine = state.engine()?;
    if engine.remove_account(&account).await?.is_none() {
        return Err(AppError::invalid(crate::tr!("error-no-such-account", account = account.as_str())));
    }
    state.forget_status(&account);
    tracing::info!(%account, "account removed");
    emit_app(&app, AppEvent::Refresh);
    refresh_unviewed(&app).await;
    Ok(())
}

pub(crate) fn server_config(s: &ServerSettings) -> ServerConfig {
    ServerConfig {
        host: s.host.clone(),
        port: s.port,
        security: s.security,
        ca_file: s.ca_file.clone(),
        pinned_sha256: s.pinned_cert_sha256.clone(),
        timeouts: TEST_TIMEOUTS,
    }
}

fn check_email(email: &str) -> AppResult<String> {
    Ok(account::check_email(email)?)
}

fn check_password(password: &str) -> AppResult<()> {
    Ok(account::check_password(password)?)
}

/// The settings with blanks trimmed and an empty CA file as none; or the first bad field.
pub(crate) fn check_server(s: &ServerSettings) -> AppResult<ServerSettings> {
    let host = account::check_host(&s.host)?;
    let port = account::check_port(s.port)?;
    let username = account::check_username(&s.username)?;
    let ca_file = match s.ca_file.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(account::check_ca_file(p)?),
    };
    let pinned_cert_sha256 = match s.pinned_cert_sha256.as_deref() {
        None => None,
        Some(p) => Some(
            mailbell_sync::normalise_sha256(p)
                .ok_or_else(|| AppError::in_field("certificate", "not a SHA-256 fingerprint (64 hexadecimal digits)"))?,
        ),
    };
    Ok(ServerSettings { host, port, security: s.security, username, ca_file, pinned_cert_sha256 })
}

/// The wizard's account, checked by the engine's rules. The wizard always names its folders.
pub(crate) fn check_setup(setup: &AccountSetup) -> AppResult<NewAccount> {
    let spec = AccountSpec {
        display_name: setup.display_name.clone(),
        email: setup.email.clone(),
        host: Some(setup.server.host.clone()),
        port: Some(setup.server.port),
        security: Some(setup.server.security),
        username: Some(setup.server.username.clone()),
        ca_file: setup.server.ca_file.clone(),
        folders: Some(setup.folders.clone()),
        interval_secs: Some(setup.interval_secs),
        quirks: setup.quirks.clone(),
    };
    Ok(spec.validate()?)
}

#[cfg(test)]
mod tests {
    use mailbell_sync::Security;

    use super::*;

    fn server() -> ServerSettings {
        ServerSettings {
            host: " imap.example.org ".into(),
            port: 993,
            security: Security::Tls,
            username: "jane@example.org".into(),
            ca_file: Some("  ".into()),
            pinned_cert_sha256: None,
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
