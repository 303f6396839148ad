//! Generates the Tauri context and one `allow-<command>` permission per Mailbell command, so
//! that capabilities/default.json grants exactly these and nothing else of the app.

/// Every command the window may invoke (keep in step with `commands.rs`, `setup.rs`, `signin.rs` and the
/// handler list in `lib.rs`).
const COMMANDS: &[&str] = &[
    "snapshot",
    "list_messages",
    "mark_viewed",
    "sync_now",
    "set_interval",
    "set_watched",
    "set_settings",
    "discover_servers",
    "test_connection",
    "add_account",
    "set_password",
    "remove_account",
    "oauth_offer",
    "oauth_sign_in",
    "oauth_cancel",
    "test_connection_signed_in",
    "add_oauth_account",
    "sign_in_again",
    "oauth_open",
    "open_link",
];

fn main() {
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some() {
        // The built UI is embedded: rebuild when it changes, and say what to do when it is missing.
        let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
        if !dist.is_file() {
            panic!(
                "the UI is not built ({} is missing): run `npm ci && npm run build` in the repository first (scripts/run.sh does)",
                dist.display()
            );
        }
        println!("cargo:rerun-if-changed=../ui/dist");
    }
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("tauri-build failed");
}
