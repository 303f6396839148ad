//! Where Mailbell keeps its data, shared by the CLI and the app so both see the same accounts:
//! an explicit directory (the CLI's --data-dir), else MAILBELL_DATA_DIR, else the platform's
//! data directory (~/.local/share/mailbell on Linux).

use std::path::PathBuf;

pub const DATA_DIR_ENV: &str = "MAILBELL_DATA_DIR";

#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory for Mailbell's data: set {DATA_DIR_ENV} (or pass --data-dir)")]
pub struct NoDataDir;

pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf, NoDataDir> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "mailbell").map(|d| d.data_dir().to_path_buf()).ok_or(NoDataDir)
}
