//! The window's commands agree everywhere they are named: the list in command_list.rs (which
//! the window process forwards, dispatch.rs runs, and build.rs makes permissions of), the permissions that
//! capabilities/default.json grants, and the commands that the UI (ui/src) invokes.
//!
//! A handler that the UI does not call, or a UI call without a handler, fails here: a command
//! that is not meant for the window goes in `NOT_CALLED_BY_UI`, with the reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::COMMANDS;

/// Commands with a handler that no UI code calls, and why (tests, tools). None so far.
const NOT_CALLED_BY_UI: &[(&str, &str)] = &[];

/// What the capability grants besides Mailbell's own commands, and why: nothing else (no
/// opener permission: the Rust side opens the browser, never the window).
const OTHER_PERMISSIONS: &[(&str, &str)] = &[
    ("core:event:allow-listen", "the window listens to the engine's and the app's events (bridge.ts subscribe)"),
    ("core:event:allow-unlisten", "and stops listening"),
    ("dialog:allow-open", "the file chooser for an account's CA certificate (open only: the window saves no file)"),
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The permission Tauri generates for an app command (tauri_build::AppManifest::commands).
fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

fn capability_permissions() -> Vec<String> {
    let text = read(&manifest_dir().join("capabilities/default.json"));
    let json: serde_json::Value = serde_json::from_str(&text).expect("capabilities/default.json is JSON");
    let list = json["permissions"].as_array().expect("a permissions list");
    list.iter()
        .map(|p| match p {
            serde_json::Value::String(s) => s.clone(),
            // A permission with a scope: `{ "identifier": ..., "allow": ... }`.
            other => other["identifier"].as_str().unwrap_or_else(|| panic!("a permission without an identifier: {other}")).to_owned(),
        })
        .collect()
}

fn ts_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            ts_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "ts") {
            out.push(path);
        }
    }
}

/// One call of `invoke` (Tauri's) or of bridge.ts's `call` wrapper around it: its first
/// argument, as a string literal's text or as written.
#[derive(Debug, PartialEq)]
enum FirstArg {
    Literal(String),
    Other(String),
}

/// The calls `invoke(…)`, `invoke<T>(…)`, `call(…)`, `call<T>(…)` in TypeScript source (not
/// `x.call(…)`, not `function call<T>(…)`, not in comments).
fn calls(source: &str) -> Vec<FirstArg> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") || code.starts_with('*') || code.starts_with("/*") {
            continue;
        }
        for name in ["invoke", "call"] {
            let mut from = 0;
            while let Some(at) = line[from..].find(name).map(|i| i + from) {
                from = at + name.len();
                let before = line[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
                    continue;
                }
                if line[..at].trim_end().ends_with("function") {
                    continue;
                }
                let mut rest = line[from..].trim_start();
                if let Some(generic) = rest.strip_prefix('<') {
                    // Skip the type arguments (they may nest: `call<Offer | null>`, `call<A<B>>`).
                    let mut depth = 1;
                    let Some(end) = generic.char_indices().find_map(|(i, c)| {
                        depth += match c {
                            '<' => 1,
                            '>' => -1,
                            _ => 0,
                        };
                        (depth == 0).then_some(i)
                    }) else {
                        continue;
                    };
                    rest = generic[end + 1..].trim_start();
                }
                let Some(args) = rest.strip_prefix('(') else { continue };
                let args = args.trim_start();
                let quote = args.chars().next();
                let literal = quote
                    .filter(|q| matches!(q, '"' | '\'' | '`'))
                    .and_then(|q| args[1..].find(q).map(|end| args[1..=end].to_owned()))
                    .filter(|s| !s.contains("${"));
                found.push(match literal {
                    Some(s) => FirstArg::Literal(s),
                    None => FirstArg::Other(args.split([',', ')']).next().unwrap_or("").trim().to_owned()),
                });
            }
        }
    }
    found
}

/// The commands the UI invokes, by name.
fn ui_commands() -> BTreeSet<String> {
    let ui = manifest_dir().join("../ui/src");
    let mut files = Vec::new();
    ts_files(&ui, &mut files);
    files.sort();
    assert!(files.iter().any(|f| f.ends_with("bridge.ts")), "ui/src/bridge.ts is among {files:?}");
    let mut names = BTreeSet::new();
    for file in &files {
        for call in calls(&read(file)) {
            match call {
                FirstArg::Literal(name) => {
                    names.insert(name);
                }
                // bridge.ts's wrapper passes its own argument on: `invoke<T>(cmd, args)`.
                FirstArg::Other(arg) if file.ends_with("bridge.ts") && arg == "cmd" => {}
                FirstArg::Other(arg) => {
                    panic!("{}: a command invoked by a name that is not a string literal ({arg}): the test cannot check it", file.display())
                }
            }
        }
    }
    names
}

#[test]
fn the_calls_in_typescript_are_found() {
    let src = r#"
        import { invoke } from "@tauri-apps/api/core";
        async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
            return await invoke<T>(cmd, args);
        }
        // invoke("in_a_comment")
        const a = { snapshot: () => call<Snapshot>("snapshot"), o: () => call<Offer | null>("oauth_offer", { email }) };
        f.call(this, "not_a_command"); recall("neither");
        invoke('plain'); invoke<A<B>>(`nested`);
    "#;
    let lit = |s: &str| FirstArg::Literal(s.into());
    assert_eq!(calls(src), [FirstArg::Other("cmd".into()), lit("snapshot"), lit("oauth_offer"), lit("plain"), lit("nested")]);
}

#[test]
fn handlers_permissions_and_ui_calls_agree() {
    let commands: BTreeSet<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    assert_eq!(commands.len(), COMMANDS.len(), "a command listed twice in command_list.rs");

    // The window process forwards the list's commands and only those (its invoke handler checks
    // COMMANDS), dispatch.rs runs each (its own test), and build.rs's permissions come from the
    // list too; no generate_handler! anywhere bypasses them.
    let window = read(&manifest_dir().join("src/window_process.rs"));
    assert!(window.contains("crate::COMMANDS.contains(&cmd.as_str())"), "the window process forwards only the list's commands");
    for file in ["src/lib.rs", "src/window_process.rs"] {
        assert!(!read(&manifest_dir().join(file)).contains(&["generate", "_handler!"].concat()), "{file} registers handlers of its own");
    }
    let build = read(&manifest_dir().join("build.rs"));
    assert!(
        build.contains(r#"include!("src/command_list.rs")"#) && build.contains(".commands(COMMANDS)"),
        "build.rs's permissions come from command_list.rs"
    );

    // The capability grants each command's permission, and besides only what OTHER_PERMISSIONS says.
    let granted = capability_permissions();
    let granted_set: BTreeSet<String> = granted.iter().cloned().collect();
    assert_eq!(granted_set.len(), granted.len(), "a permission listed twice in capabilities/default.json");
    let expected: BTreeSet<String> =
        commands.iter().map(|c| permission(c)).chain(OTHER_PERMISSIONS.iter().map(|(p, _)| p.to_string())).collect();
    let missing: Vec<_> = expected.difference(&granted_set).collect();
    let extra: Vec<_> = granted_set.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "capabilities/default.json: missing {missing:?}, not a command of command_list.rs nor in OTHER_PERMISSIONS {extra:?}"
    );

    // The UI calls every command, and only commands that have a handler.
    let ui = ui_commands();
    let without_handler: Vec<_> = ui.difference(&commands).collect();
    assert!(without_handler.is_empty(), "ui/src invokes {without_handler:?}, which command_list.rs does not list");
    let exempt: BTreeSet<String> = NOT_CALLED_BY_UI.iter().map(|(c, _)| c.to_string()).collect();
    let uncalled: Vec<_> = commands.iter().filter(|c| !ui.contains(*c) && !exempt.contains(*c)).collect();
    assert!(
        uncalled.is_empty(),
        "no UI call of the commands {uncalled:?}: bind them in ui/src/bridge.ts, or list them in NOT_CALLED_BY_UI with the reason"
    );
    let stale: Vec<_> = exempt.iter().filter(|c| !commands.contains(*c) || ui.contains(*c)).collect();
    assert!(stale.is_empty(), "NOT_CALLED_BY_UI lists {stale:?}, which have no handler or which the UI calls");
}
