//! `account add | list | remove`.

use std::io::Read;

use anyhow::Context;
use mailbell_sync::imap::load_ca;
use mailbell_sync::model::{NewAccount, Security, DEFAULT_INTERVAL_SECS, MIN_INTERVAL_SECS};
use mailbell_sync::secrets::Secrets;
use mailbell_sync::store::Store;

use crate::args::{AddArgs, JsonArg};
use crate::failure::{usage, CliResult};
use crate::output;

/// Reads the password from stdin: everything up to EOF, minus one trailing line ending.
fn read_password() -> CliResult<String> {
    let mut buf = String::new();
    std::io::stdin()
        .read_to_string(&mut buf)
        .map_err(|e| usage(format!("cannot read the password from stdin: {e}")))?;
    let pw = buf.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(&buf);
    if pw.is_empty() {
        return Err(usage("the password on stdin is empty: pipe it in, e.g. `printf %s \"$PW\" | mailbell-cli account add ... --password-stdin`"));
    }
    Ok(pw.to_string())
}

fn validate(args: &AddArgs) -> CliResult<NewAccount> {
    let security: Security = args.security.parse().map_err(usage)?;
    let email = args.email.trim();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(usage(format!("--email {email:?} is not an email address (expected name@domain)")));
    }
    let host = args.host.trim();
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
        return Err(usage(format!("--host {host:?} is not a host name or address")));
    }
    let port = args.port.unwrap_or_else(|| security.default_port());
    if port == 0 {
        return Err(usage("--port 0 is not a port: use 993 for tls or 143 for starttls"));
    }
    let interval = args.interval.unwrap_or(DEFAULT_INTERVAL_SECS);
    if interval < MIN_INTERVAL_SECS {
        return Err(usage(format!("--interval {interval} is too short: at least {MIN_INTERVAL_SECS} seconds")));
    }
    let ca_file = match &args.ca_file {
        Some(p) => {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            load_ca(&abs).map_err(usage)?;
            Some(abs.display().to_string())
        }
        None => None,
    };
    let folders = args.folders.as_ref().map(|fs| {
        fs.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect::<Vec<_>>()
    });
    if folders.as_ref().is_some_and(Vec::is_empty) {
        return Err(usage("--folders is empty: name at least one folder, e.g. --folders INBOX"));
    }
    if !args.password_stdin {
        return Err(usage("give the password on stdin with --password-stdin (it is stored in the OS keyring, never on disk)"));
    }
    Ok(NewAccount {
        display_name: args.name.clone().unwrap_or_default(),
        email: email.to_string(),
        host: host.to_string(),
        port,
        security,
        username: args.username.clone().unwrap_or_else(|| email.to_string()),
        ca_file,
        folders,
        interval_secs: interval,
    })
}

pub fn add(store: &Store, args: &AddArgs) -> CliResult {
    let new = validate(args)?;
    let quirks = args.quirks.clone().unwrap_or_default();
    mailbell_sync::quirks::validate(&quirks).map_err(usage)?;
    let password = read_password()?;
    let secrets = Secrets::open().context("cannot reach the keyring to store the password")?;
    let account = store.add_account(&new)?;
    // The row exists only if its password does: undo the row when the keyring refuses.
    if let Err(e) = secrets.set(&account.id, &password) {
        let _ = store.remove_account(&account.id);
        return Err(anyhow::Error::new(e).context("cannot store the password in the keyring").into());
    }
    if !quirks.is_empty() {
        store.set_account_quirks(&account.id, &quirks)?;
    }
    println!("{}", account.id);
    Ok(())
}

pub fn list(store: &Store, args: &JsonArg) -> CliResult {
    let accounts = store.accounts()?;
    if args.json {
        output::json_pretty(&accounts);
        return Ok(());
    }
    if accounts.is_empty() {
        println!("No accounts yet. Add one with: mailbell-cli account add --email you@example.org --host imap.example.org --password-stdin");
    }
    for a in accounts {
        println!(
            "{}  {}  {}:{} ({})  user {}  every {}s{}",
            a.id,
            a.email,
            a.host,
            a.port,
            a.security,
            a.username,
            a.interval_secs,
            if a.enabled { "" } else { "  [disabled]" }
        );
    }
    Ok(())
}

pub fn remove(store: &Store, id: &str) -> CliResult {
    if store.account(id)?.is_none() {
        return Err(usage(format!("no account with id {id:?}: see `mailbell-cli account list`")));
    }
    // Keyring first: a row without a password is recoverable by the user, a password left
    // behind in the keyring for a deleted account is not visible to them.
    let secrets = Secrets::open().context("cannot reach the keyring to delete the password")?;
    secrets.delete(id).context("cannot delete the password from the keyring")?;
    store.remove_account(id)?;
    println!("removed {id}");
    Ok(())
}
