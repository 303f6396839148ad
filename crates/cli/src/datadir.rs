//! Where the database lives: --data-dir, else MAILBELL_DATA_DIR (clap reads both, flag first),
//! else the platform's data directory, shared with the desktop app (see `mailbell_sync::paths`).

use std::path::PathBuf;

pub fn resolve(flag_or_env: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(mailbell_sync::paths::data_dir(flag_or_env)?)
}
