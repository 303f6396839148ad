//! Generates the Tauri context and one `allow-<command>` permission per Mailbell command, so
//! that capabilities/default.json grants exactly these and nothing else of the app.

// Every command the window may invoke: the list in src/command_list.rs, from which lib.rs also
// makes the invoke handler.
include!("src/command_list.rs");
const COMMANDS: &[&str] = with_app_commands!(command_names);

/// Writes `$OUT_DIR/locales.rs`: every catalogue of locales/<language>/*.ftl, embedded with
/// `include_str!` (src/i18n.rs), so that a new catalogue file needs no change here.
fn embed_catalogues(manifest_dir: &std::path::Path) {
    let dir = manifest_dir.join("../locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries = Vec::new();
    let mut languages: Vec<_> =
        std::fs::read_dir(&dir).expect("locales/ is readable").filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    languages.sort();
    for lang_dir in languages {
        let lang = lang_dir.file_name().and_then(|n| n.to_str()).expect("a language directory's name is UTF-8").to_owned();
        let mut files: Vec<_> = std::fs::read_dir(&lang_dir)
            .expect("a language directory is readable")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file.file_name().and_then(|n| n.to_str()).expect("a catalogue's name is UTF-8").to_owned();
            let path = file.canonicalize().expect("a catalogue's path resolves");
            entries.push(format!("    ({lang:?}, {name:?}, include_str!({:?})),\n", path.display().to_string()));
        }
    }
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts")).join("locales.rs");
    let code = format!(
        "/// Every catalogue: (language, file name, text).\npub const CATALOGUES: &[(&str, &str, &str)] = &[\n{}];\n",
        entries.concat()
    );
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

fn main() {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for build scripts");
    embed_catalogues(std::path::Path::new(&manifest_dir));
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some() {
        // The built UI is embedded: rebuild when it changes, and say what to do when it is missing.
        // At run time, not `env!`: the compiled build script is reused from a shared target
        // directory by a checkout elsewhere (CI's clean clone), and must look in its own.
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
