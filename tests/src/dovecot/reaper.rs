//! Where instance directories live, and cleaning up instances whose test process died without
//! running Drop (a nextest timeout, a SIGKILL, a Ctrl-C). Without the clean-up, each such test
//! would leave a Dovecot listening forever.
//!
//! Every instance directory records the pid of the test process that owns it and of its Dovecot
//! master (a process-group leader). When the owner is gone, the group is killed and the
//! directory removed. Best effort: errors are ignored, the next start tries again.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub(super) const DIR_PREFIX: &str = "mailbell-dovecot-";
pub(super) const OWNER_FILE: &str = "owner.pid";
pub(super) const MASTER_FILE: &str = "dovecot.pid";

/// Environment variable that picks the parent directory of instance directories.
pub(super) const DIR_ENV: &str = "MAILBELL_E2E_TMPDIR";
const SHM: &str = "/dev/shm";
/// tmpfs is only used when it has room for big-message and 10k-message tests in parallel.
const SHM_MIN_FREE: u64 = 2 << 30;

/// Parent directory for new instances: `$MAILBELL_E2E_TMPDIR`, else /dev/shm when it is a
/// roomy tmpfs, else the system temp dir.
///
/// tmpfs because bulk loads create one file per message: on a busy shared disk 10k file
/// creations took anywhere from 0.5 to 5 s, on tmpfs they take a fraction of that, every time.
pub(super) fn instance_parent_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_ENV) {
        return PathBuf::from(dir);
    }
    if free_bytes(Path::new(SHM)).is_some_and(|free| free >= SHM_MIN_FREE) {
        return PathBuf::from(SHM);
    }
    std::env::temp_dir()
}

fn free_bytes(path: &Path) -> Option<u64> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: an all-zero statvfs is a valid value for this plain C struct, and statvfs only
    // writes into the struct we pass, reading a NUL-terminated path that outlives the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    // f_flag ST_RDONLY: a read-only mount has "free" space we cannot use.
    if stat.f_flag & libc::ST_RDONLY != 0 {
        return None;
    }
    // The field types differ between platforms (u32 on some 32-bit targets).
    #[allow(clippy::useless_conversion)]
    let (blocks, block_size) = (u64::from(stat.f_bavail), u64::from(stat.f_frsize));
    Some(blocks.saturating_mul(block_size))
}

pub(super) fn reap_stale_instances() {
    let mut parents = vec![instance_parent_dir(), PathBuf::from(SHM), std::env::temp_dir()];
    parents.dedup();
    for parent in parents {
        reap_in(&parent);
    }
}

fn reap_in(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        // No owner file yet: the directory is being set up right now by some process.
        let Some(owner) = read_pid(&dir.join(OWNER_FILE)) else {
            continue;
        };
        if process_exists(owner) {
            continue;
        }
        if let Some(master) = read_pid(&dir.join(MASTER_FILE)) {
            if is_dovecot(master) {
                super::system::signal_group(master, libc::SIGKILL);
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

fn read_pid(path: &Path) -> Option<i32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn process_exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Guards against pid reuse: only signal a group whose leader is still a Dovecot.
fn is_dovecot(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "dovecot")
}
