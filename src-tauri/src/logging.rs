//! Logs go to `mailbell.log` in the XDG state directory (`$XDG_STATE_HOME/mailbell`, by default
//! `~/.local/state/mailbell`), and to stderr. RUST_LOG tunes them.
//! Nothing the app logs holds a password: it never handles one, and the engine's error texts
//! never contain one.
//!
//! The file is rotated by size while the app runs, by `logroller`: `tracing-appender` (0.2.5)
//! rotates by time only, `rolling-file` has had no release since 2022 and `file-rotate` panics
//! when it cannot create the directory, while `logroller` is maintained (releases in 2026, MSRV
//! 1.71), reports errors instead of panicking, rotates before the write that would pass the
//! limit (lines are never split across files), keeps the logrotate names this log always had
//! (`mailbell.log`, then `mailbell.log.1`, `.2`) and brings no crate the workspace did not
//! already have (chrono, regex, flate2, thiserror).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use logroller::{LogRoller, LogRollerBuilder, LogRollerError, Rotation, RotationSize};
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

pub const LOG_FILE: &str = "mailbell.log";
/// A log about to grow past this is moved aside (to mailbell.log.1) and started afresh.
const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// How many of the moved-aside logs are kept (mailbell.log.1, mailbell.log.2).
const KEEP_OLD: u64 = 2;

/// The directory of the log: the state directory when Mailbell keeps its data in the default
/// data directory. A data directory of its own (`MAILBELL_DATA_DIR`: tests, a second profile)
/// keeps its log with it, apart from the user's, as does a platform without a state directory.
fn log_dir(data_dir: &Path, default_data_dir: Option<&Path>, state_dir: Option<&Path>) -> PathBuf {
    match state_dir {
        Some(state) if default_data_dir == Some(data_dir) => state.to_path_buf(),
        _ => data_dir.to_path_buf(),
    }
}

/// The log file for Mailbell's data in `data_dir`.
pub fn log_path(data_dir: &Path) -> PathBuf {
    let dirs = directories::ProjectDirs::from("", "", "mailbell");
    let default_data_dir = dirs.as_ref().map(|d| d.data_dir());
    let state_dir = dirs.as_ref().and_then(|d| d.state_dir());
    log_dir(data_dir, default_data_dir, state_dir).join(LOG_FILE)
}

/// The writer of `path`, moved aside past `max_bytes` (creates the directory).
fn roller(path: &Path, max_bytes: u64) -> Result<LogRoller, LogRollerError> {
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => (dir, Path::new(name)),
        _ => return Err(LogRollerError::InternalError(format!("not a file path: {}", path.display()))),
    };
    LogRollerBuilder::new(dir, name).rotation(Rotation::SizeBased(RotationSize::Bytes(max_bytes))).max_keep_files(KEEP_OLD).build()
}

/// Starts logging; returns the log file's path.
pub fn init(data_dir: &Path) -> PathBuf {
    let path = log_path(data_dir);
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false);
    let result = match roller(&path, MAX_BYTES) {
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn the_log_is_in_the_state_directory_unless_the_data_is_elsewhere() {
        let (data, state) = (Path::new("/h/.local/share/mailbell"), Path::new("/h/.local/state/mailbell"));
        assert_eq!(log_dir(data, Some(data), Some(state)), state);
        // MAILBELL_DATA_DIR elsewhere: the log stays with that data.
        assert_eq!(log_dir(Path::new("/tmp/t"), Some(data), Some(state)), Path::new("/tmp/t"));
        // No state directory (not Linux) or no home: the data directory.
        assert_eq!(log_dir(data, Some(data), None), data);
        assert_eq!(log_dir(data, None, None), data);
        assert_eq!(log_path(Path::new("/tmp/t")), Path::new("/tmp/t").join(LOG_FILE));
    }

    #[test]
    fn the_log_rotates_by_size_while_written() {
        let dir = std::env::temp_dir().join(format!("mailbell-log-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("state").join(LOG_FILE);
        let limit = 1000;
        let mut log = match roller(&path, limit) {
            Ok(l) => l,
            Err(e) => panic!("cannot open the log: {e}"),
        };
        let line = |i: usize| format!("line {i:04} {}\n", "x".repeat(40));
        // About 5 KB: five files' worth at 1000 bytes.
        for i in 0..100 {
            log.write_all(line(i).as_bytes()).expect("write");
        }
        let name = |suffix: &str| path.with_file_name(format!("{LOG_FILE}{suffix}"));
        // Old files are moved into place by logroller's background worker.
        let deadline = Instant::now() + Duration::from_secs(10);
        let pending = || {
            std::fs::read_dir(path.parent().expect("dir"))
                .expect("read dir")
                .flatten()
                .any(|e| e.file_name().to_string_lossy().contains("pending"))
        };
        while (pending() || !name(".2").exists() || name(".3").exists()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let read = |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let current = read(path.clone());
        let (old1, old2) = (read(name(".1")), read(name(".2")));
        assert!(!name(".3").exists(), "only two old logs are kept");
        for text in [&current, &old1, &old2] {
            assert!(!text.is_empty() && text.len() as u64 <= limit, "each file stays under the limit: {}", text.len());
            assert!(text.ends_with('\n'), "lines are not split across files");
        }
        // Oldest to newest, .2, .1 and the current file hold the last lines written, in order.
        let all = format!("{old2}{old1}{current}");
        let kept = all.lines().count();
        assert_eq!(all, (100 - kept..100).map(line).collect::<String>());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
