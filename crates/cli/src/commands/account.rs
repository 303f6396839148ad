//! `account add | list | remove | discover | check`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use mailbell_sync::discover::{discover_detailed, Candidate, Discovery, DiscoveryError, DiscoveryOptions};
use mailbell_sync::imap::{live_test, live_test_with, load_ca, Credential, LiveTestReport, StepStatus, Timeouts};
use mailbell_sync::model::{NewAccount, Security, DEFAULT_INTERVAL_SECS, MIN_INTERVAL_SECS};
use mailbell_sync::secrets::Secrets;
use mailbell_sync::store::Store;

use crate::args::{AddArgs, CheckArgs, DiscoverArgs, JsonArg};
use crate::failure::{usage, CliResult, Failure};
use crate::output;

/// Reads the password from stdin: everything up to EOF, minus one trailing line ending.
fn read_password() -> CliResult<String> {
    let mut buf = String::new();
    std::io::stdin().read_to_string(&mut buf).map_err(|e| usage(format!("cannot read the password from stdin: {e}")))?;
    let pw = buf.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(&buf);
    if pw.is_empty() {
        return Err(usage(
            "the password on stdin is empty: pipe it in, e.g. `printf %s \"$PW\" | mailbell-cli account add ... --password-stdin`",
        ));
    }
    Ok(pw.to_string())
}

/// The --ca-file given, made absolute and checked to be a PEM certificate.
fn checked_ca_file(path: Option<&Path>) -> CliResult<Option<String>> {
    let Some(p) = path else { return Ok(None) };
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    load_ca(&abs).map_err(usage)?;
    Ok(Some(abs.display().to_string()))
}

/// Checks the arguments. Without --host, the server fields are left for discovery to fill in.
fn validate(args: &AddArgs) -> CliResult<NewAccount> {
    let security: Security = args.security.as_deref().unwrap_or("tls").parse().map_err(usage)?;
    let email = args.email.trim();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(usage(format!("--email {email:?} is not an email address (expected name@domain)")));
    }
    let host = args.host.as_deref().map(str::trim).unwrap_or_default();
    if args.host.is_some() && (host.is_empty() || host.contains(char::is_whitespace) || host.contains('/')) {
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
    let ca_file = checked_ca_file(args.ca_file.as_deref())?;
    let folders = args.folders.as_ref().map(|fs| fs.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect::<Vec<_>>());
    if folders.as_ref().is_some_and(Vec::is_empty) {
        return Err(usage("--folders is empty: name at least one folder, e.g. --folders INBOX"));
    }
    if !args.password_stdin && !args.oauth {
        return Err(usage(
            "give the password on stdin with --password-stdin (it is stored in the OS keyring, never on disk), or sign in with --oauth",
        ));
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
    let mut new = validate(args)?;
    let mut quirks = args.quirks.clone().unwrap_or_default();
    mailbell_sync::quirks::validate(&quirks).map_err(usage)?;
    let password = if args.oauth { String::new() } else { read_password()? };
    if args.host.is_none() {
        let found = discover_for_add(&new.email, new.ca_file.as_deref())?;
        new.host = found.host;
        new.port = found.port;
        new.security = found.security;
        if args.username.is_none() {
            if let Some(hint) = found.username_hint {
                new.username = hint;
            }
        }
        for q in found.quirks {
            if !quirks.contains(&q) {
                quirks.push(q);
            }
        }
    }
    let data_dir = store.path().parent().unwrap_or(Path::new("."));
    let oauth_cfg = if args.oauth { Some(super::oauth::config_for(args, &new, data_dir)?) } else { None };
    let secrets = Secrets::open().context("cannot reach the keyring to store the password")?;
    // With OAuth2 the keyring holds the refresh token where others hold a password.
    let (secret, oauth) = if let Some(cfg) = oauth_cfg {
        let refresh_token = super::oauth::sign_in(&cfg, &new.username, args.no_browser)?;
        (refresh_token, Some(cfg))
    } else {
        (password, None)
    };
    let account = store.add_account(&new)?;
    // The row exists only if its secret does: undo the row when the keyring refuses.
    let stored = match &oauth {
        Some(cfg) => store.set_account_oauth(&account.id, Some(cfg)).map_err(anyhow::Error::new),
        None => Ok(()),
    }
    .and_then(|()| {
        secrets.set(&account.id, &secret).map_err(|e| anyhow::Error::new(e).context("cannot store the password in the keyring"))
    });
    if let Err(e) = stored {
        let _ = store.remove_account(&account.id);
        return Err(e.into());
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
        println!(
            "No accounts yet. Add one with: mailbell-cli account add --email you@example.org --host imap.example.org --password-stdin"
        );
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
    if let Some(account) = store.account(id)? {
        super::oauth::revoke_quietly(&account, &secrets);
    }
    secrets.delete(id).context("cannot delete the password from the keyring")?;
    store.remove_account(id)?;
    println!("removed {id}");
    Ok(())
}

/// Discovery options: the defaults, what the environment overrides, and the CA file given.
fn discovery_options(ca_file: Option<&str>) -> CliResult<DiscoveryOptions> {
    let mut opts = DiscoveryOptions::from_env().map_err(usage)?;
    if let Some(ca) = ca_file {
        opts.ca_file = Some(ca.to_string());
    }
    Ok(opts)
}

pub(super) fn runtime() -> CliResult<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// `account add` without --host: the first candidate, said on stderr with its source.
fn discover_for_add(email: &str, ca_file: Option<&str>) -> CliResult<Candidate> {
    let opts = discovery_options(ca_file)?;
    let found = runtime()?.block_on(discover_detailed(email, &opts));
    let discovery = match found {
        Ok(d) => d,
        Err(e @ DiscoveryError::InvalidEmail { .. }) => return Err(usage(e)),
        Err(e) => {
            print_attempts(e.attempts());
            return Err(usage(format!("{e}: pass --host")));
        }
    };
    let Discovery { domain, candidates, .. } = discovery;
    let first = candidates.into_iter().next().ok_or_else(|| usage(format!("could not find the IMAP server for {domain}: pass --host")))?;
    if first.security == Security::Plain {
        return Err(usage(format!(
            "the only IMAP server found for {domain} ({}:{}) is unencrypted: pass --host, and --security plain if you really mean it",
            first.host, first.port
        )));
    }
    eprintln!("using {}:{} ({}) from {}", first.host, first.port, first.security, first.source);
    if let Some(note) = &first.note {
        eprintln!("note: {note}");
    }
    if let Some(url) = &first.help_url {
        eprintln!("help: {url}");
    }
    Ok(first)
}

fn print_attempts(attempts: &[mailbell_sync::discover::Attempt]) {
    if !attempts.is_empty() {
        eprintln!("tried:");
    }
    for a in attempts {
        eprintln!("  {:<10} {}: {}", format!("{:?}", a.source).to_lowercase(), a.target, a.result);
    }
}

pub fn discover(args: &DiscoverArgs) -> CliResult {
    let ca_file = checked_ca_file(args.ca_file.as_deref())?;
    let opts = discovery_options(ca_file.as_deref())?;
    match runtime()?.block_on(discover_detailed(&args.email, &opts)) {
        Ok(d) => {
            if args.json {
                output::json_pretty(&d.candidates);
            } else {
                print_candidates(&d.candidates);
            }
            Ok(())
        }
        Err(e @ DiscoveryError::InvalidEmail { .. }) => Err(usage(e)),
        Err(e) => {
            if args.json {
                output::json_pretty(&Vec::<Candidate>::new());
            }
            print_attempts(e.attempts());
            Err(Failure::Runtime(anyhow::anyhow!("{e}")))
        }
    }
}

fn print_candidates(candidates: &[Candidate]) {
    for c in candidates {
        println!("{}:{} ({})  from {}", c.host, c.port, c.security, c.source);
        if let Some(u) = &c.username_hint {
            println!("    user name: {u}");
        }
        if let Some(n) = &c.note {
            println!("    note: {n}");
        }
        if let Some(h) = &c.help_url {
            println!("    help: {h}");
        }
        if !c.quirks.is_empty() {
            println!("    quirks: {}", c.quirks.join(", "));
        }
    }
}

pub fn check(store: &Store, args: &CheckArgs) -> CliResult {
    let Some(account) = store.account(&args.id)? else {
        return Err(usage(format!("no account with id {:?}: see `mailbell-cli account list`", args.id)));
    };
    let secrets = Secrets::open().context("cannot reach the keyring to read the password")?;
    let secret =
        secrets.get(&account.id).with_context(|| format!("cannot read the account's {} from the keyring", account.secret_name()))?;
    let timeouts = Timeouts { connect: Duration::from_secs(10), response: Duration::from_secs(30) };
    let cfg = mailbell_sync::sync::server_config(&account, timeouts);
    let rt = runtime()?;
    let report = match &account.oauth {
        None => rt.block_on(live_test(&cfg, &account.username, &secret)),
        Some(oauth) => {
            // The keyring holds the refresh token: test with a fresh access token.
            let tokens = rt.block_on(mailbell_sync::oauth::refresh(oauth, &secret)).map_err(|e| Failure::Runtime(e.into()))?;
            if let Some(rotated) = tokens.refresh_token.as_deref().filter(|t| *t != secret) {
                secrets.set(&account.id, rotated).context("cannot store the renewed sign-in token in the keyring")?;
            }
            rt.block_on(live_test_with(&cfg, &account.username, Credential::Bearer(&tokens.access_token), |_| {}))
        }
    };
    drop(secret);
    if args.json {
        output::json_pretty(&report);
    } else {
        print_report(&report, account.ca_file.as_deref().map(Path::new));
    }
    if report.ok {
        Ok(())
    } else {
        let what = report.steps.iter().find(|s| s.status == StepStatus::Failed).map(|s| format!("{:?}", s.step).to_lowercase());
        Err(Failure::Runtime(anyhow::anyhow!("the connection test failed at {}", what.unwrap_or_else(|| "a step".into()))))
    }
}

fn print_report(r: &LiveTestReport, ca_file: Option<&Path>) {
    println!("{} {}:{} ({}) as {}", if r.ok { "ok" } else { "FAILED" }, r.host, r.port, r.security, r.username);
    for s in &r.steps {
        let status = match s.status {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "FAILED",
            StepStatus::Skipped => "skipped",
        };
        let name = match s.step {
            mailbell_sync::imap::Step::Connect => "connect",
            mailbell_sync::imap::Step::Secure => "secure",
            mailbell_sync::imap::Step::Authenticate => "authenticate",
            mailbell_sync::imap::Step::ListFolders => "list folders",
        };
        println!("  {name:<13} {status:<8} {}", s.detail);
    }
    if let Some(c) = &r.certificate {
        println!("certificate:");
        println!("  subject   {}", c.subject);
        println!("  issuer    {}", c.issuer);
        println!("  valid     {} to {}", c.not_before, c.not_after);
        println!("  names     {}", c.names.join(", "));
        println!("  SHA-256   {}", c.sha256_fingerprint);
    }
    if let Some(a) = &r.advice {
        println!("what to do: {a}");
    }
    if let (Some(_), Some(ca)) = (&r.certificate, ca_file) {
        println!("(the account trusts the CA file {})", ca.display());
    }
    if let Some(p) = &r.provider {
        if r.ok && p.access != mailbell_sync::discover::providers::Access::Password {
            println!("note: {}", p.note);
        }
    }
    if r.ok {
        for f in &r.folders {
            let counts = match (f.messages, f.unseen) {
                (Some(m), Some(u)) => format!("{m} messages, {u} unseen"),
                (Some(m), None) => format!("{m} messages"),
                _ => String::new(),
            };
            let mark = if f.watched_by_default { "*" } else { " " };
            println!("  {mark} {}{}  {counts}", f.name, f.special_use.as_deref().map(|s| format!(" ({s})")).unwrap_or_default());
        }
        println!("(* = watched by default)");
    }
}
