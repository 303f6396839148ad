//! Where the database lives: --data-dir, else MAILBELL_DATA_DIR (clap reads both, flag first),
//! else the platform's data directory, shared with the desktop app.

use std::path::PathBuf;

use anyhow::Context;

pub fn resolve(flag_or_env: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = flag_or_env {
        return Ok(dir);
    }
    let dirs = directories::ProjectDirs::from("", "", "mailbell")
        .context("cannot find a home directory for Mailbell's data: pass --data-dir or set MAILBELL_DATA_DIR")?;
    Ok(dirs.data_dir().to_path_buf())
}
