//! The command line, exactly as ARCHITECTURE.md § CLI contract fixes it: tests outside this
//! repository drive these names and flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mailbell-cli",
    version,
    about = "Mailbell's headless mail notifier: watches IMAP folders and reports new mail, never marking anything read",
    after_help = "Data lives in --data-dir, else $MAILBELL_DATA_DIR, else the platform data directory.\n\
                  Passwords live only in the OS keyring (Secret Service).\n\
                  Exit codes: 0 success, 1 a sync error (all folders were still attempted), 2 bad usage.\n\
                  Server discovery (`account discover`, `account add` without --host) reads:\n  \
                  MAILBELL_AUTOCONFIG_URL  autoconfig URL templates ({domain} {email} {localpart}), space-separated; empty: off\n  \
                  MAILBELL_ISPDB_URL       ISPDB URL template ({domain}); empty: off\n  \
                  MAILBELL_DNS_SERVER      ip[:port] of a nameserver to ask instead of the system's\n  \
                  MAILBELL_GUESS_PORTS     ports probed on guessed hosts, e.g. 993:tls,143:starttls; empty: no guessing"
)]
pub struct Cli {
    /// Where the database lives (overrides MAILBELL_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR", env = "MAILBELL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

// The command line is parsed once per process: boxing the bigger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, remove, discover or check accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Check every watched folder once and report new mail.
    Sync(SyncArgs),
    /// Keep syncing (timer) until SIGINT or SIGTERM, reporting new mail as it arrives.
    Watch(WatchArgs),
    /// Show every folder's sync status.
    Status(JsonArg),
    /// Show the newest messages Mailbell has seen.
    Messages(MessagesArgs),
    /// Read one message on the server, or mark it read, archive it or delete it. The message
    /// is named by the fields of a `new_message` event (account, folder, uid, uidvalidity).
    #[command(subcommand)]
    Message(MessageCommand),
    /// Show or change what rings: quiet hours, important senders, muted senders and lists.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Switch notifications of an account or one of its folders on or off.
    Notify(NotifyArgs),
}

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Print the message: sender, recipients, date, subject, attachments and its text. It is
    /// fetched without marking it read (at most 1 MiB of it).
    Show(MessageArgs),
    /// Mark the message as read on the server (only that message).
    Read(MessageArgs),
    /// Move the message to the account's Archive folder (the folder the server marks as
    /// Archive).
    Archive(MessageArgs),
    /// Move the message to the account's Trash folder (the folder the server marks as Trash).
    /// It is not deleted for good.
    Delete(MessageArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Exit codes: 0 done, 1 the message is gone, the folder was reset (the UIDVALIDITY no longer \
                        matches), the account has no Archive or Trash folder, or the server failed; 2 bad usage or an \
                        unknown account.")]
pub struct MessageArgs {
    /// The account's id, as shown by `account list` (the event's `account`).
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// The folder the message is in (the event's `folder`), e.g. INBOX.
    #[arg(long, value_name = "NAME")]
    pub folder: String,
    /// The message's UID in that folder (the event's `uid`).
    #[arg(long, value_name = "UID")]
    pub uid: u32,
    /// The folder's UIDVALIDITY when the UID was given out (the event's `uidvalidity`). With
    /// it, a folder reset since then is an error instead of a different message.
    #[arg(long, value_name = "V")]
    pub uidvalidity: Option<u32>,
    /// Print one JSON document: the message (show), or what was done (the other verbs).
    #[arg(long)]
    pub json: bool,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an IMAP account; prints its id. The password is read from stdin into the keyring.
    Add(AddArgs),
    /// List accounts.
    List(JsonArg),
    /// Remove an account, its data and its keyring entry.
    Remove {
        /// The account's id, as shown by `account list`.
        id: String,
    },
    /// Find the IMAP server for an address: built-in provider table, Mozilla autoconfig and
    /// the Thunderbird ISPDB, DNS SRV records (RFC 6186), then probed guesses. Prints each
    /// candidate with where it came from; exit 1 when nothing is found.
    Discover(DiscoverArgs),
    /// Test a saved account's connection step by step (connect, TLS/STARTTLS, login, folder
    /// list), with the password from the keyring. Exit 0 when every step passes, 1 otherwise.
    Check(CheckArgs),
    /// Trust exactly one server certificate for an account, by its SHA-256 fingerprint (the
    /// error of an untrusted or changed certificate prints it; check it with the server's
    /// administrator first). The server must then present that certificate, whatever signed
    /// it; another one stops the account until you trust it. --forget verifies the chain again.
    TrustCert(TrustCertArgs),
}

#[derive(Debug, Args)]
pub struct TrustCertArgs {
    /// The account's id, as shown by `account list`.
    pub id: String,
    /// The certificate's SHA-256 fingerprint: 64 hexadecimal digits, colons optional.
    #[arg(long, value_name = "HEX", required_unless_present = "forget", conflicts_with = "forget")]
    pub sha256: Option<String>,
    /// Trust no pinned certificate any more: verify the server's chain and name again.
    #[arg(long)]
    pub forget: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "The environment variables MAILBELL_AUTOCONFIG_URL, MAILBELL_ISPDB_URL, MAILBELL_DNS_SERVER and \
                        MAILBELL_GUESS_PORTS change where discovery looks: see `mailbell-cli --help`.")]
pub struct DiscoverArgs {
    /// The email address.
    pub email: String,
    /// Print a JSON array of candidates (host, port, security, source, ...).
    #[arg(long)]
    pub json: bool,
    /// Extra CA certificate (PEM) to trust when probing servers and fetching autoconfig.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The account's id, as shown by `account list`.
    pub id: String,
    /// Print the report as JSON (steps, problem, advice, certificate, folders).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The account's email address.
    #[arg(long)]
    pub email: String,
    /// IMAP server host name. Without it, the server is discovered from the address (see
    /// `account discover`) and the first candidate is used; --port and --security then come
    /// from it too.
    #[arg(long)]
    pub host: Option<String>,
    /// IMAP port (default: 993 for tls, 143 for starttls and plain). Needs --host.
    #[arg(long, requires = "host")]
    pub port: Option<u16>,
    /// tls (implicit TLS, the default), starttls, or plain (unencrypted: only if you mean it).
    /// Needs --host.
    #[arg(long, value_name = "tls|starttls|plain", requires = "host")]
    pub security: Option<String>,
    /// Login name (default: the email address, or what discovery suggests).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from standard input (the only way to give it: never on the command line).
    #[arg(long)]
    pub password_stdin: bool,
    /// Sign in with OAuth2 in the browser instead of a password (Gmail, Microsoft 365, or an
    /// identity server given with --oauth-authorize-url and --oauth-token-url). The sign-in
    /// page's URL is printed on stderr; the browser is opened when there is a display.
    #[arg(long, conflicts_with = "password_stdin")]
    pub oauth: bool,
    /// The OAuth2 client id registered for Mailbell at the provider (else
    /// $MAILBELL_OAUTH_CLIENT_ID_<PROVIDER>, $MAILBELL_OAUTH_CLIENT_ID, or the data directory's
    /// oauth-providers.json).
    #[arg(long, value_name = "ID")]
    pub oauth_client_id: Option<String>,
    /// The identity server's authorization endpoint (for providers not in the built-in table).
    #[arg(long, value_name = "URL", requires = "oauth", requires = "oauth_token_url")]
    pub oauth_authorize_url: Option<String>,
    /// The identity server's token endpoint.
    #[arg(long, value_name = "URL", requires = "oauth_authorize_url")]
    pub oauth_token_url: Option<String>,
    /// The identity server's revocation endpoint (RFC 7009), used when the account is removed.
    #[arg(long, value_name = "URL", requires = "oauth_authorize_url")]
    pub oauth_revoke_url: Option<String>,
    /// OAuth2 scopes to ask for (comma-separated; default: the provider's IMAP scope).
    #[arg(long, value_delimiter = ',', value_name = "S,..", requires = "oauth")]
    pub oauth_scopes: Option<Vec<String>>,
    /// With --oauth: only print the sign-in URL, do not try to open a browser.
    #[arg(long, requires = "oauth")]
    pub no_browser: bool,
    /// Extra CA certificate (PEM) to trust for this server, e.g. for a self-hosted one.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Watch exactly these folders (comma-separated) instead of INBOX plus ordinary folders.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub folders: Option<Vec<String>>,
    /// Seconds between checks (default 300).
    #[arg(long, value_name = "SECS")]
    pub interval: Option<u32>,
    /// A display name for the account.
    #[arg(long)]
    pub name: Option<String>,
    /// Server quirks to work around (comma-separated), e.g. broken-qresync.
    #[arg(long, value_delimiter = ',', value_name = "Q,..")]
    pub quirks: Option<Vec<String>>,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Check once and exit (the only mode of `sync`; use `watch` to keep going).
    #[arg(long)]
    pub once: bool,
    /// Only this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Only this folder (with --account).
    #[arg(long, value_name = "NAME", requires = "account")]
    pub folder: Option<String>,
    /// Print one JSON object per event.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Only this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Print one JSON object per event.
    #[arg(long)]
    pub json: bool,
    /// Run this command for each new message that rings (see `rules`), and once for the
    /// digest at the end of the quiet hours (via /bin/sh -c). The message is passed only in
    /// environment variables, never spliced into the command: MAILBELL_EVENT (new_message or
    /// digest), MAILBELL_ACCOUNT, MAILBELL_FOLDER, MAILBELL_UID, MAILBELL_UIDVALIDITY,
    /// MAILBELL_FROM, MAILBELL_FROM_NAME, MAILBELL_FROM_ADDR, MAILBELL_SUBJECT, MAILBELL_DATE,
    /// MAILBELL_PREVIEW, MAILBELL_MESSAGE_ID, MAILBELL_RING_REASON; for a digest also
    /// MAILBELL_DIGEST_COUNT, MAILBELL_DIGEST_SINCE, MAILBELL_DIGEST_UNTIL (the message
    /// variables then describe its newest message).
    #[arg(long, value_name = "CMD")]
    pub on_new_mail: Option<String>,
    /// Ignore the notification rules (quiet hours, mutes, notify off, junk): every new
    /// message not already read rings for --on-new-mail and the printed lines. --json still
    /// prints the engine's decision.
    #[arg(long)]
    pub ignore_rules: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the notification rules.
    Show(JsonArg),
    /// Change the notification rules. Each kind given replaces that kind; kinds not given stay.
    Set(RulesSetArgs),
}

#[derive(Debug, Args)]
pub struct RulesSetArgs {
    /// A span of quiet hours: DAYS START-END, e.g. "mon-fri 22:00-07:00", "sat,sun 23:00-09:00",
    /// "daily 22:00-07:00". An END at or before START is the next day. Repeat for more spans.
    #[arg(long = "quiet", value_name = "SPAN")]
    pub quiet: Vec<String>,
    /// No quiet hours.
    #[arg(long, conflicts_with = "quiet")]
    pub no_quiet: bool,
    /// A sender that rings even in quiet hours and from a junk folder: an address or a domain.
    /// Repeat for more.
    #[arg(long, value_name = "SENDER")]
    pub important: Vec<String>,
    /// No important senders.
    #[arg(long, conflicts_with = "important")]
    pub no_important: bool,
    /// A sender (address or domain) or a mailing list (list:<List-Id>) that never rings.
    /// Repeat for more.
    #[arg(long, value_name = "SENDER_OR_LIST")]
    pub muted: Vec<String>,
    /// Nothing muted.
    #[arg(long, conflicts_with = "muted")]
    pub no_muted: bool,
    /// Print the rules as kept, as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The account, as shown by `account list`.
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// Only this folder (its name as `status` shows it); without it, the whole account.
    #[arg(long, value_name = "NAME")]
    pub folder: Option<String>,
    /// on: its new mail may ring; off: stored, listed and counted, never rung.
    #[arg(value_parser = ["on", "off"])]
    pub state: String,
}

#[derive(Debug, Args)]
pub struct MessagesArgs {
    /// How many messages to show, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
