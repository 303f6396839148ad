//! `account add | list | remove | discover | check`.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mailbell_sync::account::{self, AccountField, AccountSpec, FieldError, LiveTestReport, NewSecret, Revocation, Step, StepStatus};
use mailbell_sync::discover::{discover_detailed, Candidate, Discovery, DiscoveryError, DiscoveryOptions};
use mailbell_sync::{Secrets, Security, Store, SyncError, Timeouts};

use crate::args::{AddArgs, CheckArgs, DiscoverArgs, JsonArg, TrustCertArgs};
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

/// The --ca-file given, made absolute (the engine wants a full path) and checked.
fn checked_ca_file(path: Option<&Path>) -> CliResult<Option<String>> {
    let Some(p) = path else { return Ok(None) };
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    Ok(Some(account::check_ca_file(&abs.display().to_string()).map_err(field_usage)?))
}

/// An engine's field error as a usage error that names the flag to fix.
pub(super) fn field_usage(e: FieldError) -> Failure {
    let flag = match e.field {
        AccountField::Email => "--email",
        AccountField::Host => "--host",
        AccountField::Port => "--port",
        AccountField::Username => "--username",
        AccountField::CaFile => "--ca-file",
        AccountField::Certificate => "--sha256",
        AccountField::Password => "--password-stdin",
        AccountField::Folders => "--folders",
        AccountField::Interval => "--interval",
        AccountField::Quirks => "--quirks",
    };
    usage(format!("{flag}: {}", e.message))
}

/// The arguments as the engine's account spec. Without --host, the server fields are left for
/// discovery to fill in.
fn spec(args: &AddArgs) -> CliResult<AccountSpec> {
    let security: Option<Security> = args.security.as_deref().map(str::parse).transpose().map_err(usage)?;
    let ca_file = checked_ca_file(args.ca_file.as_deref())?;
    Ok(AccountSpec {
        display_name: args.name.clone().unwrap_or_default(),
        email: args.email.clone(),
        host: args.host.clone(),
        port: args.port,
        security,
        username: args.username.clone(),
        ca_file,
        folders: args.folders.clone(),
        interval_secs: args.interval,
        quirks: args.quirks.clone().unwrap_or_default(),
    })
}

pub fn add(store: &Store, args: &AddArgs) -> CliResult {
    let mut spec = spec(args)?;
    let mut new = spec.validate().map_err(field_usage)?;
    if !args.password_stdin && !args.oauth {
        return Err(usage(
            "give the password on stdin with --password-stdin (it is stored in the OS keyring, never on disk), or sign in with --oauth",
        ));
    }
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
            if !spec.quirks.contains(&q) {
                spec.quirks.push(q);
            }
        }
    }
    let data_dir = store.path().parent().unwrap_or(Path::new("."));
    let secrets = Secrets::open().context("cannot reach the keyring to store the password")?;
    // With OAuth2 the keyring holds the refresh token where others hold a password.
    let secret = if args.oauth {
        let config = super::oauth::config_for(args, &new, data_dir)?;
        let refresh_token = super::oauth::sign_in(&config, &new.username, args.no_browser)?;
        NewSecret::OAuth { config, refresh_token }
    } else {
        NewSecret::Password(password)
    };
    let account = account::add(store, &secrets, &new, &spec.quirks, secret).map_err(|e| match e {
        SyncError::Invalid(f) => field_usage(f),
        e => Failure::Runtime(anyhow::Error::new(e).context("cannot add the account")),
    })?;
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
            "{}  {}  {}:{} ({})  user {}  every {}s{}{}",
            a.id,
            a.email,
            a.host,
            a.port,
            a.security,
            a.username,
            a.interval_secs,
            if a.enabled { "" } else { "  [disabled]" },
            if a.notify { "" } else { "  [notifications off]" }
        );
    }
    Ok(())
}

pub fn remove(store: &Store, id: &str) -> CliResult {
    if store.account(id)?.is_none() {
        return Err(usage(format!("no account with id {id:?}: see `mailbell-cli account list`")));
    }
    let secrets = Arc::new(Secrets::open().context("cannot reach the keyring to delete the password")?);
    let removed = runtime()?.block_on(account::remove(store, &secrets, id)).context("cannot remove the account")?;
    match removed {
        None => return Err(usage(format!("no account with id {id:?}: see `mailbell-cli account list`"))),
        Some(Revocation::Revoked { provider }) => eprintln!("sign-in revoked at {provider}"),
        Some(Revocation::Failed { error, .. }) => {
            eprintln!("warning: could not revoke the sign-in at the provider ({error}); it was deleted here")
        }
        Some(Revocation::None) => {}
    }
    println!("removed {id}");
    Ok(())
}

/// Pins (or forgets) the one server certificate an account trusts. The next `sync` uses it;
/// an engine already running (a `watch`, the app) reads account rows when it starts an
/// account's worker, so it needs a restart (the app's own "Trust this certificate" applies
/// at once).
pub fn trust_cert(store: &Store, args: &TrustCertArgs) -> CliResult {
    if store.account(&args.id)?.is_none() {
        return Err(usage(format!("no account with id {:?}: see `mailbell-cli account list`", args.id)));
    }
    match account::pin_certificate(store, &args.id, args.sha256.as_deref()) {
        Ok(Some(pin)) => println!("{}: trusting only the certificate with SHA-256 {pin}", args.id),
        Ok(None) => println!("{}: verifying the server's certificate chain again", args.id),
        Err(SyncError::Invalid(e)) => return Err(field_usage(e)),
        Err(e) => return Err(e.into()),
    }
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
    let secrets = Arc::new(Secrets::open().context("cannot reach the keyring to read the password")?);
    let timeouts = Timeouts { connect: Duration::from_secs(10), response: Duration::from_secs(30) };
    let report = runtime()?
        .block_on(account::check(&secrets, &account, timeouts))
        .with_context(|| format!("cannot test the account with its {}", account.secret_name()))?;
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
            Step::Connect => "connect",
            Step::Secure => "secure",
            Step::Authenticate => "authenticate",
            Step::ListFolders => "list folders",
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
        if r.ok && p.access != mailbell_sync::providers::Access::Password {
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
