//! The operating-system side of running Dovecot: which uid runs the mail, file ownership,
//! free ports, signals to the process group.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use anyhow::{bail, Context};

use super::config::Identity;
use super::{reaper, HOST};
use crate::process::run_ok;

/// Two distinct free ports: both probe sockets are held until both are known, so the kernel
/// cannot hand the same port out twice (Dovecot then refuses a "duplicate listener").
pub(super) fn free_port_pair() -> anyhow::Result<(u16, u16)> {
    let a = TcpListener::bind((HOST, 0)).context("binding a probe socket to find a free port")?;
    let b = TcpListener::bind((HOST, 0)).context("binding a probe socket to find a free port")?;
    let port = |l: &TcpListener| l.local_addr().context("local address of the probe socket").map(|a| a.port());
    Ok((port(&a)?, port(&b)?))
}

pub(super) fn child_pid(child: &Child) -> anyhow::Result<i32> {
    i32::try_from(child.id()).context("child pid does not fit in pid_t")
}

/// Sends `sig` to the process group led by `pid` (Dovecot is spawned as a group leader).
pub(super) fn signal_group(pid: i32, sig: i32) {
    if pid <= 1 {
        return;
    }
    // SAFETY: kill(2) has no memory-safety preconditions; a stale group only yields ESRCH.
    unsafe {
        libc::kill(-pid, sig);
    }
}

/// Root runs mail as `nobody`; anyone else runs every Dovecot service as themselves.
pub(super) fn identity() -> anyhow::Result<Identity> {
    // SAFETY: geteuid/getegid cannot fail and touch no memory.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if euid == 0 {
        // nobody/nogroup on Debian-like systems: unprivileged, and Dovecot refuses uid 0.
        return Ok(Identity { uid: 65534, gid: 65534, unprivileged_user: None });
    }
    let name = |flag: &str| -> anyhow::Result<String> {
        let out = run_ok(Command::new("id").arg(flag), None, Duration::from_secs(5))?;
        Ok(out.stdout_text().trim().to_string())
    };
    Ok(Identity { uid: euid, gid: egid, unprivileged_user: Some((name("-un")?, name("-gn")?)) })
}

/// Dovecot's mail processes run as `nobody` and need to walk into the temp directory.
pub(super) fn check_traversable(dir: &Path) -> anyhow::Result<()> {
    for ancestor in dir.ancestors().skip(1) {
        let meta = fs::metadata(ancestor).with_context(|| format!("stat {}", ancestor.display()))?;
        if meta.permissions().mode() & 0o001 == 0 {
            bail!(
                "{} is not searchable by other users, so Dovecot's mail processes (uid nobody) \
                 cannot reach {}; point {} at a world-searchable directory such as /tmp",
                ancestor.display(),
                dir.display(),
                reaper::DIR_ENV
            );
        }
    }
    Ok(())
}

/// Hands a directory tree to the mail uid (a no-op when we are that uid).
pub(super) fn chown_tree(path: &Path, id: &Identity) -> anyhow::Result<()> {
    if id.unprivileged_user.is_some() {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(id.uid), Some(id.gid)).with_context(|| format!("chown {}", path.display()))?;
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path).with_context(|| format!("listing {}", path.display()))? {
            chown_tree(&entry?.path(), id)?;
        }
    }
    Ok(())
}
