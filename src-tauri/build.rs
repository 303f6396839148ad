//! Generates the Tauri context and one `allow-<command>` permission per Mailbell command, so
//! that capabilities/default.json grants exactly these and nothing else of the app.

// Every command the window may invoke: the list in src/command_list.rs, from which lib.rs also
// makes the invoke handler.
include!("src/command_list.rs");
const COMMANDS: &[&str] = with_app_commands!(command_names);

fn main() {
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some() {
        // The built UI is embedded: rebuild when it changes, and say what to do when it is missing.
        // At run time, not `env!`: the compiled build script is reused from a shared target
        // directory by a checkout elsewhere (CI's clean clone), and must look in its own.
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for build scripts");
        let dist = std::path::Path::new(&manifest_dir).join("../ui/dist/index.html");
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
