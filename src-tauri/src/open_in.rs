//! "Open in…": runs an account's choice for one message (the rules, argv and environment are
//! `mailbell_sync::open_in`'s; this module only finds the desktop's mail program and starts
//! processes). Nothing from a message is ever put on a command line but Thunderbird's checked
//! `mid:` argument; no shell is involved.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use mailbell_sync::open_in::{self, DesktopEntry, MessageFacts};
use mailbell_sync::providers::{self, Provider};
use mailbell_sync::{Account, MessageRef, OpenIn, Store};
use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;

use crate::error::{AppError, AppResult};
use crate::models::OpenInOptions;
use crate::state::AppState;

/// How many listed messages are searched for the one to open (the list shows at most 500).
const LOOKUP_LIMIT: usize = 1000;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| AppError::internal(format!("background task failed: {e}")))?
}

/// An account's choice and what this desktop offers.
pub async fn open_in_options(app: AppHandle, account: String) -> AppResult<OpenInOptions> {
    let store = app.state::<AppState>().store.clone();
    blocking(move || options(&store, &account)).await
}

/// Stores an account's choice (a command must at least name a program); returns the options.
pub async fn set_open_in(app: AppHandle, account: String, choice: OpenIn) -> AppResult<OpenInOptions> {
    open_in::validate(&choice).map_err(|e| AppError::in_field("open_in", e.to_string()))?;
    let store = app.state::<AppState>().store.clone();
    blocking(move || {
        let a = account_of(&store, &account)?;
        if choice == OpenIn::Webmail && provider_of(&a).and_then(|p| p.webmail).is_none() {
            return Err(AppError::in_field("open_in", crate::tr!("error-no-webmail")));
        }
        store.set_setting(&open_in::setting_key(&account), &open_in::to_setting(&choice))?;
        tracing::info!(%account, kind = kind(&choice), "open in: choice changed");
        options(&store, &account)
    })
    .await
}

/// Opens one message where its account's choice says.
pub async fn open_message(app: AppHandle, message: MessageRef) -> AppResult<()> {
    let store = app.state::<AppState>().store.clone();
    let m = message.clone();
    let found = blocking(move || {
        let a = account_of(&store, &m.account)?;
        let choice = open_in::from_setting(store.setting(&open_in::setting_key(&m.account))?.as_deref());
        let listed = store
            .messages(Some(&m.account), LOOKUP_LIMIT)?
            .into_iter()
            .find(|s| s.folder == m.folder && s.uid == m.uid && m.uidvalidity.is_none_or(|v| v == s.uidvalidity));
        Ok((a, choice, listed))
    })
    .await?;
    let (account, choice, listed) = found;
    // Mail the list no longer holds is read from the server for its headers.
    let facts = match listed {
        Some(s) => {
            Facts { message_id: s.message_id.clone(), subject: s.subject.clone(), from: s.from_display(), uidvalidity: Some(s.uidvalidity) }
        }
        None => {
            let v = app.state::<AppState>().engine()?.show_message(&message).await?;
            let from = v.from.first().map(|a| a.name.as_ref().map_or_else(|| a.address.clone(), |n| format!("{n} <{}>", a.address)));
            Facts { message_id: v.message_id, subject: v.subject, from: from.unwrap_or_default(), uidvalidity: Some(v.uidvalidity) }
        }
    };
    let facts_ref = MessageFacts {
        account: &message.account,
        folder: &message.folder,
        uidvalidity: facts.uidvalidity,
        uid: message.uid,
        message_id: facts.message_id.as_deref(),
        subject: &facts.subject,
        from: &facts.from,
    };
    match choice {
        OpenIn::Webmail => {
            let provider = provider_of(&account).ok_or_else(|| AppError::invalid(crate::tr!("error-no-webmail-choose")))?;
            let url = open_in::webmail_url(provider, facts.message_id.as_deref())
                .ok_or_else(|| AppError::invalid(crate::tr!("error-no-webmail-choose")))?;
            tracing::info!(account = %message.account, "open in: webmail");
            app.opener().open_url(url, None::<&str>).map_err(|e| AppError::internal(crate::tr!("error-browser", reason = e.to_string())))
        }
        OpenIn::MailProgram => {
            let (id, entry) =
                blocking(|| default_mail_program().ok_or_else(|| AppError::invalid(crate::tr!("error-no-mail-program")))).await?;
            let argv =
                open_in::mail_program_argv(&id, &entry.exec, facts.message_id.as_deref()).map_err(|e| AppError::invalid(e.to_string()))?;
            tracing::info!(account = %message.account, program = %id, "open in: mail program");
            spawn(&argv, &[])
        }
        OpenIn::Command { command } => {
            let argv = open_in::split_command(&command)
                .map_err(|e| AppError::invalid(crate::tr!("error-command-cannot-run", reason = e.to_string())))?;
            tracing::info!(account = %message.account, "open in: the user's command");
            spawn(&argv, &open_in::command_env(&facts_ref))
        }
    }
}

struct Facts {
    message_id: Option<String>,
    subject: String,
    from: String,
    uidvalidity: Option<u32>,
}

fn kind(choice: &OpenIn) -> &'static str {
    match choice {
        OpenIn::MailProgram => "mail_program",
        OpenIn::Webmail => "webmail",
        OpenIn::Command { .. } => "command",
    }
}

fn account_of(store: &Store, id: &str) -> AppResult<Account> {
    store.account(id)?.ok_or_else(|| AppError::invalid(format!("no account {id}")))
}

/// The provider of the table that serves an account: by its server, else by its address.
fn provider_of(a: &Account) -> Option<&'static Provider> {
    providers::for_host(&a.host).or_else(|| a.email.rsplit_once('@').and_then(|(_, d)| providers::for_domain(d)))
}

fn options(store: &Store, account: &str) -> AppResult<OpenInOptions> {
    let a = account_of(store, account)?;
    let choice = open_in::from_setting(store.setting(&open_in::setting_key(account))?.as_deref());
    Ok(OpenInOptions {
        account: account.to_string(),
        choice,
        mail_program: default_mail_program().map(|(_, e)| e.name),
        webmail: provider_of(&a).filter(|p| p.webmail.is_some()).map(|p| p.name.to_string()),
    })
}

/// The desktop's default mail program, the freedesktop way: the handler of
/// `x-scheme-handler/mailto` (`xdg-mime`), and its desktop entry in the XDG data directories.
fn default_mail_program() -> Option<(String, DesktopEntry)> {
    let out = Command::new("xdg-mime")
        .args(["query", "default", "x-scheme-handler/mailto"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| tracing::debug!(error = %e, "xdg-mime could not run"))
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || id.is_empty() || id.contains('/') || !id.ends_with(".desktop") {
        return None;
    }
    let entry = data_dirs()
        .into_iter()
        .find_map(|d| std::fs::read_to_string(d.join("applications").join(&id)).ok().and_then(|t| open_in::parse_desktop_entry(&t)))?;
    Some((id, entry))
}

/// `$XDG_DATA_HOME` then `$XDG_DATA_DIRS`, with the specification's defaults.
fn data_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut dirs = Vec::new();
    match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) => dirs.push(PathBuf::from(d)),
        None => dirs.extend(home.map(|h| h.join(".local/share"))),
    }
    let system = std::env::var("XDG_DATA_DIRS").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    dirs.extend(system.split(':').filter(|d| !d.is_empty()).map(PathBuf::from));
    dirs
}

/// Starts a program detached from the app's standard streams; a thread reaps it.
fn spawn(argv: &[String], env: &[(&'static str, String)]) -> AppResult<()> {
    let Some((program, args)) = argv.split_first() else {
        return Err(AppError::invalid(crate::tr!("error-no-program")));
    };
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| AppError::invalid(crate::tr!("error-program-not-started", program = program.as_str(), reason = e.to_string())))?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
