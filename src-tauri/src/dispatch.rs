//! The window's commands, run in the tray process: the window process forwards each command its
//! UI invokes (`link::ToTray::Call`), and this runs the command of that name with the arguments
//! the UI gave, against the engine and the store that live here.
//!
//! The arguments arrive as the UI's JSON object, keyed as Tauri keys a command's arguments
//! (camelCase of the Rust name); each is read with the type the command's own signature asks
//! for, so a wrong or missing argument is refused as Tauri itself would refuse it. The list of
//! names is command_list.rs's: a test checks that every one of them is dispatched here.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tauri::{AppHandle, Manager};

use crate::error::AppResult;
use crate::{commands, i18n, open_in, setup, signin, window};

/// Runs the command `cmd` with `args`: its value, or its error as the UI receives it.
pub async fn dispatch(app: &AppHandle, cmd: &str, args: &Value) -> Result<Value, Value> {
    let a = Args { cmd, args };
    match cmd {
        "snapshot" => done(commands::snapshot(app.clone()).await),
        "list_messages" => done(commands::list_messages(app.state(), a.get("limit")?).await),
        "list_news" => done(commands::list_news(app.state(), a.get("limit")?).await),
        "mark_viewed" => done(commands::mark_viewed(app.clone(), a.get("ids")?).await),
        "sync_now" => done(commands::sync_now(app.state(), a.get("account")?, a.get("folder")?)),
        "set_interval" => done(commands::set_interval(app.state(), a.get("account")?, a.get("secs")?)),
        "set_watched" => done(commands::set_watched(app.clone(), a.get("account")?, a.get("folder")?, a.get("watched")?).await),
        "set_settings" => done(commands::set_settings(app.clone(), a.get("patch")?).await),
        "set_rules" => done(commands::set_rules(app.state(), a.get("rules")?).await),
        "set_folder_notify" => done(commands::set_folder_notify(app.state(), a.get("account")?, a.get("folder")?, a.get("notify")?).await),
        "set_account_notify" => done(commands::set_account_notify(app.state(), a.get("account")?, a.get("notify")?).await),
        "show_message" => done(commands::show_message(app.state(), a.get("message")?).await),
        "act_on_message" => done(commands::act_on_message(app.state(), a.get("message")?, a.get("action")?).await),
        "undo_action" => done(commands::undo_action(app.state(), a.get("token")?).await),
        "open_in_options" => done(open_in::open_in_options(app.clone(), a.get("account")?).await),
        "set_open_in" => done(open_in::set_open_in(app.clone(), a.get("account")?, a.get("choice")?).await),
        "open_message" => done(open_in::open_message(app.clone(), a.get("message")?).await),
        "discover_servers" => done(setup::discover_servers(a.get("email")?).await),
        "test_connection" => done(setup::test_connection(app.clone(), a.get("run")?, a.get("server")?, a.get("password")?).await),
        "add_account" => done(setup::add_account(app.clone(), a.get("setup")?, a.get("password")?).await),
        "set_password" => done(setup::set_password(app.clone(), a.get("account")?, a.get("password")?).await),
        "remove_account" => done(setup::remove_account(app.clone(), a.get("account")?).await),
        "trust_certificate" => done(setup::trust_certificate(app.clone(), a.get("account")?, a.get("sha256")?).await),
        "set_ca_file" => done(setup::set_ca_file(app.clone(), a.get("account")?, a.get("path")?).await),
        "oauth_offer" => done(signin::oauth_offer(app.state(), a.get("email")?, a.get("host")?)),
        "oauth_sign_in" => done(signin::oauth_sign_in(app.clone(), a.get("run")?, a.get("email")?, a.get("host")?, a.get("login")?).await),
        "oauth_cancel" => {
            signin::oauth_cancel(app.state(), a.get("run")?);
            Ok(Value::Null)
        }
        "test_connection_signed_in" => {
            done(signin::test_connection_signed_in(app.clone(), a.get("run")?, a.get("server")?, a.get("grant")?).await)
        }
        "add_oauth_account" => done(signin::add_oauth_account(app.clone(), a.get("setup")?, a.get("grant")?).await),
        "sign_in_again" => done(signin::sign_in_again(app.clone(), a.get("run")?, a.get("account")?).await),
        "oauth_open" => done(signin::oauth_open(app.clone(), app.state(), a.get("run")?)),
        "open_link" => done(signin::open_link(app.clone(), a.get("url")?)),
        "locale" => value(i18n::locale()),
        "window_ready" => {
            window::window_ready(app);
            Ok(Value::Null)
        }
        "close_to_tray" => {
            window::close_to_tray(app);
            Ok(Value::Null)
        }
        "quit_app" => {
            window::quit_app(app);
            Ok(Value::Null)
        }
        other => Err(Value::String(format!("command {other} not found"))),
    }
}

/// A command's arguments, by name.
struct Args<'a> {
    cmd: &'a str,
    args: &'a Value,
}

impl Args<'_> {
    /// The argument `name` (the Rust name; the UI keys it in camelCase), as the type the command
    /// takes. A missing one reads as null: an `Option` becomes `None`, anything else is refused.
    fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, Value> {
        let key = camel_case(name);
        let v = self.args.get(&key).cloned().unwrap_or(Value::Null);
        serde_json::from_value(v).map_err(|e| Value::String(format!("invalid args `{key}` for command `{}`: {e}", self.cmd)))
    }
}

fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn done<T: Serialize>(r: AppResult<T>) -> Result<Value, Value> {
    match r {
        Ok(v) => value(v),
        Err(e) => Err(serde_json::to_value(e).unwrap_or_else(|e| Value::String(e.to_string()))),
    }
}

fn value<T: Serialize>(v: T) -> Result<Value, Value> {
    serde_json::to_value(v).map_err(|e| Value::String(format!("cannot send the answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_names_are_keyed_as_tauri_keys_them() {
        assert_eq!(camel_case("limit"), "limit");
        assert_eq!(camel_case("ca_file"), "caFile");
        assert_eq!(camel_case("a_b_c"), "aBC");
    }

    #[test]
    fn an_argument_of_the_wrong_type_is_refused_with_its_name() {
        let args = serde_json::json!({"limit": "many", "caFile": "/x"});
        let a = Args { cmd: "list_messages", args: &args };
        let e = a.get::<Option<u32>>("limit").unwrap_err();
        assert!(e.as_str().unwrap().contains("`limit`"), "{e}");
        assert_eq!(a.get::<Option<u32>>("missing").unwrap(), None);
        assert!(a.get::<String>("missing").is_err(), "a missing required argument is refused");
        assert_eq!(a.get::<String>("ca_file").unwrap(), "/x");
    }

    /// Every command of command_list.rs (what the window may invoke) has its line in `dispatch`:
    /// the source is read, so that a command added to the list and forgotten here fails.
    #[test]
    fn every_command_of_the_list_is_dispatched() {
        let src = include_str!("dispatch.rs");
        let table = &src[..src.find("/// A command's arguments").unwrap()];
        for name in crate::COMMANDS {
            assert!(table.contains(&format!("\"{name}\" =>")), "{name} is not dispatched");
        }
    }
}
