//! `account add --oauth`: the OAuth2 settings from the flags or the built-in provider table,
//! and the sign-in in the browser (the URL is printed too, for a machine without one).

use std::path::Path;

use anyhow::Context;
use mailbell_sync::oauth::{self, OAuthConfig, Offer, REDIRECT_WAIT};
use mailbell_sync::{providers, NewAccount};

use super::account::runtime;
use crate::args::AddArgs;
use crate::failure::{usage, CliResult, Failure};

/// The account's OAuth2 settings: the identity server given on the command line, else what
/// the data directory's `oauth-providers.json` or the built-in provider table offers.
pub(super) fn config_for(args: &AddArgs, new: &NewAccount, data_dir: &Path) -> CliResult<OAuthConfig> {
    let mut cfg = match (&args.oauth_authorize_url, &args.oauth_token_url) {
        (Some(authorize), Some(token)) => OAuthConfig {
            provider: "custom".into(),
            authorize_url: authorize.clone(),
            token_url: token.clone(),
            revoke_url: args.oauth_revoke_url.clone(),
            scopes: Vec::new(),
            client_id: String::new(),
            client_secret: None,
        },
        _ => match oauth::offer(&new.email, &new.host, data_dir).map_err(usage)? {
            Some(Offer { config: Some(cfg), .. }) => cfg,
            Some(Offer { unavailable, provider, .. }) if args.oauth_client_id.is_some() => {
                // The table knows the provider; the client id comes from the command line.
                providers::by_id(&provider).and_then(|p| p.oauth_config("")).ok_or_else(|| usage(unavailable.unwrap_or_default()))?
            }
            Some(Offer { unavailable, .. }) => return Err(usage(format!("{} Or pass --oauth-client-id.", unavailable.unwrap_or_default()))),
            None => {
                return Err(usage(format!(
                    "Mailbell knows no OAuth2 sign-in for {}: give the identity server with --oauth-authorize-url and --oauth-token-url (or list it in {}), or use --password-stdin",
                    new.host,
                    data_dir.join(oauth::PROVIDERS_FILE).display()
                )))
            }
        },
    };
    if let Some(id) = &args.oauth_client_id {
        cfg.client_id = id.clone();
    }
    if let Some(scopes) = &args.oauth_scopes {
        cfg.scopes = scopes.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    }
    if cfg.client_id.trim().is_empty() {
        return Err(usage(format!("--oauth needs the client id registered for Mailbell at {}: pass --oauth-client-id", cfg.provider)));
    }
    cfg.validate().map_err(usage)?;
    Ok(cfg)
}

/// Runs the sign-in as `login` (the IMAP user name, the provider's login hint) and returns
/// the refresh token.
pub(super) fn sign_in(cfg: &OAuthConfig, login: &str, no_browser: bool) -> CliResult<String> {
    let rt = runtime()?;
    let auth = rt.block_on(oauth::start(cfg, Some(login))).map_err(|e| Failure::Runtime(e.into()))?;
    eprintln!("To sign in, open this page in a browser (waiting {} minutes):", REDIRECT_WAIT.as_secs() / 60);
    eprintln!("  {}", auth.url());
    if !no_browser && (std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()) {
        open_browser(auth.url());
    }
    let tokens = rt.block_on(auth.finish(REDIRECT_WAIT)).map_err(|e| Failure::Runtime(e.into()))?;
    eprintln!("signed in");
    tokens.refresh_token.context("the provider gave no refresh token").map_err(Failure::Runtime)
}

/// `xdg-open` in the background; failing to open one only leaves the printed URL.
fn open_browser(url: &str) {
    use std::process::{Command, Stdio};
    let spawned = Command::new("xdg-open").arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    if let Err(e) = spawned {
        eprintln!("(could not open a browser: {e})");
    }
}
