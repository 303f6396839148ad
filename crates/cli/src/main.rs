//! mailbell-cli: the headless front end of the Mailbell engine (ARCHITECTURE.md § CLI contract).

mod args;
mod commands;
mod datadir;
mod failure;
mod hook;
mod output;

use clap::Parser;
use mailbell_sync::{MessageAction, Store};

use args::{AccountCommand, Cli, Command, MessageCommand, RulesCommand};
use failure::{CliResult, Failure};

fn main() {
    init_logging();
    mailbell_sync::install_quiet_parser_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits 2 for usage errors and 0 for --help/--version.
            e.exit();
        }
    };
    let code = match run(cli) {
        Ok(()) => 0,
        Err(f) => {
            eprintln!("mailbell-cli: {f}");
            f.exit_code()
        }
    };
    std::process::exit(code);
}

/// Logs go to stderr (stdout is for results and JSON events); RUST_LOG tunes them.
fn init_logging() {
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Whatever RUST_LOG says, never trace the IMAP or D-Bus wire: it carries the password.
    for d in mailbell_sync::QUIET_LOG_TARGETS {
        if let Ok(d) = d.parse() {
            filter = filter.add_directive(d);
        }
    }
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn run(cli: Cli) -> CliResult {
    let dir = datadir::resolve(cli.data_dir).map_err(Failure::Usage)?;
    let store = Store::open_dir(&dir)?;
    match cli.command {
        Command::Account(AccountCommand::Add(a)) => commands::account::add(&store, &a),
        Command::Account(AccountCommand::List(a)) => commands::account::list(&store, &a),
        Command::Account(AccountCommand::Remove { id }) => commands::account::remove(&store, &id),
        Command::Account(AccountCommand::Discover(a)) => commands::account::discover(&a),
        Command::Account(AccountCommand::Check(a)) => commands::account::check(&store, &a),
        Command::Account(AccountCommand::TrustCert(a)) => commands::account::trust_cert(&store, &a),
        Command::Status(a) => commands::status::run(&store, &a),
        Command::Messages(a) => commands::messages::run(&store, &a),
        Command::Rules(RulesCommand::Show(a)) => commands::rules::show(&store, &a),
        Command::Rules(RulesCommand::Set(a)) => commands::rules::set(&store, &a),
        Command::Notify(a) => commands::rules::notify(&store, &a),
        Command::Sync(a) => {
            // A one-shot check: look system roots up as needed rather than parse the whole CA
            // bundle (before the runtime's threads start; `sync` runs no other programs).
            mailbell_sync::lazy_system_roots();
            runtime()?.block_on(commands::sync::run(store, &a))
        }
        Command::Watch(a) => runtime()?.block_on(commands::watch::run(store, &a)),
        Command::Message(MessageCommand::Show(a)) => runtime()?.block_on(commands::message::show(store, &a)),
        Command::Message(MessageCommand::Read(a)) => runtime()?.block_on(commands::message::act(store, &a, MessageAction::Read)),
        Command::Message(MessageCommand::Archive(a)) => runtime()?.block_on(commands::message::act(store, &a, MessageAction::Archive)),
        Command::Message(MessageCommand::Delete(a)) => runtime()?.block_on(commands::message::act(store, &a, MessageAction::Delete)),
    }
}

fn runtime() -> CliResult<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}
