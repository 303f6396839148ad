//! Logs go to `mailbell.log` in the data directory (and to stderr). RUST_LOG tunes them.
//! Nothing the app logs holds a password: it never handles one, and the engine's error texts
//! never contain one.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

pub const LOG_FILE: &str = "mailbell.log";
/// A log larger than this is started afresh (the previous one kept as mailbell.log.1).
const MAX_BYTES: u64 = 4 * 1024 * 1024;

fn open(path: &Path) -> std::io::Result<File> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_BYTES) {
        let _ = std::fs::rename(path, path.with_extension("log.1"));
    }
    OpenOptions::new().create(true).append(true).open(path)
}

/// Starts logging; returns the log file's path.
pub fn init(data_dir: &Path) -> PathBuf {
    let path = data_dir.join(LOG_FILE);
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false);
    let result = match std::fs::create_dir_all(data_dir).and_then(|()| open(&path)) {
        Ok(file) => builder.with_writer(Mutex::new(file).and(std::io::stderr)).try_init(),
        Err(e) => {
            eprintln!("mailbell: cannot write the log file {}: {e}", path.display());
            builder.with_writer(std::io::stderr).try_init()
        }
    };
    if let Err(e) = result {
        eprintln!("mailbell: logging not started: {e}");
    }
    path
}
