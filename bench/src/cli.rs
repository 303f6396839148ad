//! Running `mailbell-cli` as a child process and measuring it: wall time from spawn to exit,
//! CPU time and peak RSS from the kernel (`wait4`'s rusage), and its JSON events.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;

/// A pass that takes longer than this is killed and reported as a failure (a hang is a bug).
pub const PASS_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What one CLI process did.
#[derive(Debug, Clone)]
pub struct CliRun {
    /// Exit code; None when killed by a signal.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub wall: Duration,
    /// User + system CPU time of the process.
    pub cpu: Duration,
    /// Peak resident set size (ru_maxrss), KiB.
    pub max_rss_kib: u64,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl CliRun {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Why the process did not succeed, with its stderr.
    pub fn failure(&self) -> Option<String> {
        if self.success() {
            return None;
        }
        let how = match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "unknown exit".to_string(),
        };
        Some(format!("mailbell-cli failed ({how}); stderr:\n{}", self.stderr.trim_end()))
    }
}

/// Runs `cli --data-dir DATA ARGS...`, feeding `stdin`, and measures it.
///
/// The exit is awaited with `waitid(WNOWAIT)` (the child stays a zombie, so its pid cannot be
/// reused while the watchdog might still kill it), then reaped with `wait4` for its rusage.
/// Stdout is only collected while the child runs and parsed afterwards, so the bench takes as
/// little CPU as possible away from the process it measures.
pub fn run(cli: &Path, data_dir: &Path, args: &[&str], stdin: Option<&str>) -> anyhow::Result<CliRun> {
    let mut cmd = Command::new(cli);
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("MAILBELL_DATA_DIR");
    cmd.env_remove("RUST_LOG");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());

    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("spawning {}", cli.display()))?;
    let pid = libc::pid_t::try_from(child.id()).context("pid does not fit pid_t")?;

    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // Small (a password): fits the pipe buffer, no thread needed. Dropping closes it.
        pipe.write_all(input.as_bytes()).context("writing the CLI's stdin")?;
    }
    let mut out_pipe = child.stdout.take().context("stdout not captured")?;
    let mut err_pipe = child.stderr.take().context("stderr not captured")?;
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        out_pipe.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        err_pipe.read_to_end(&mut buf).map(|_| buf)
    });

    // Watchdog: kills a hung child. The pid stays ours until wait4 below reaps it.
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = thread::spawn(move || {
        if done_rx.recv_timeout(PASS_TIMEOUT).is_err() {
            // SAFETY: kill(2) has no memory-safety preconditions; the child is not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            return true;
        }
        false
    });

    wait_exit_no_reap(pid)?;
    let wall = started.elapsed();
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    let (status, usage) = reap(pid)?;

    let stdout = out_reader.join().map_err(|_| anyhow::anyhow!("stdout reader panicked"))?.context("reading stdout")?;
    let stderr = err_reader.join().map_err(|_| anyhow::anyhow!("stderr reader panicked"))?.context("reading stderr")?;
    let mut stderr = String::from_utf8_lossy(&stderr).into_owned();
    if timed_out {
        stderr.push_str(&format!("\n[mailbell-bench: killed after {PASS_TIMEOUT:?}]"));
    }

    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Ok(CliRun {
        code,
        signal,
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        stdout,
        stderr,
    })
}

/// Blocks until the child has exited, leaving it unreaped.
pub(crate) fn wait_exit_no_reap(pid: libc::pid_t) -> anyhow::Result<()> {
    loop {
        // SAFETY: an all-zero siginfo_t is valid; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let id = libc::id_t::try_from(pid).context("pid")?;
        // SAFETY: plain syscall on our own child, with a valid out-pointer.
        let r = unsafe { libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if r == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err).context("waitid on mailbell-cli");
        }
    }
}

/// Reaps the exited child: its wait status and resource usage.
pub(crate) fn reap(pid: libc::pid_t) -> anyhow::Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is valid; wait4 only writes into the pointers we pass.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if r == -1 && err.kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        bail!("wait4 on mailbell-cli returned {r}: {err}");
    }
}

/// One message_update event: a held message read (or unread) elsewhere, or deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Update {
    pub folder: String,
    pub uid: u64,
    pub seen: bool,
    pub expunged: bool,
}

impl Update {
    pub fn from_json(v: &Value) -> Update {
        Update {
            folder: v["folder"].as_str().unwrap_or("").to_string(),
            uid: v["uid"].as_u64().unwrap_or(0),
            seen: v["seen"].as_bool().unwrap_or(false),
            expunged: v["expunged"].as_bool().unwrap_or(false),
        }
    }
}

/// The events of one `sync --once --json`, tallied.
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub new_messages: u64,
    /// message_update events, in order.
    pub updates: Vec<Update>,
    /// new_message events whose (folder, uidvalidity, uid) was already reported in this pass.
    pub duplicates: u64,
    /// Final state of each folder that reported a folder_status.
    pub folder_final_state: BTreeMap<String, String>,
    /// Folders that reported an error, with its text.
    pub folder_errors: Vec<(String, String)>,
    /// new_messages of the last account_status event (the engine's own count).
    pub account_new_messages: Option<u64>,
    pub account_final_state: Option<String>,
    pub bad_lines: Vec<String>,
}

impl Events {
    pub fn parse(stdout: &[u8]) -> Events {
        let mut ev = Events::default();
        let mut seen: HashSet<(String, u64, u64)> = HashSet::new();
        for line in stdout.split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let v: Value = match serde_json::from_slice(line) {
                Ok(v) => v,
                Err(_) => {
                    if ev.bad_lines.len() < 5 {
                        ev.bad_lines.push(String::from_utf8_lossy(line).into_owned());
                    }
                    continue;
                }
            };
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            match v["event"].as_str() {
                Some("new_message") => {
                    ev.new_messages += 1;
                    let key = (s("folder"), v["uidvalidity"].as_u64().unwrap_or(0), v["uid"].as_u64().unwrap_or(0));
                    if !seen.insert(key) {
                        ev.duplicates += 1;
                    }
                }
                Some("message_update") => ev.updates.push(Update::from_json(&v)),
                Some("folder_status") => {
                    let state = s("state");
                    if state == "error" {
                        ev.folder_errors.push((s("folder"), s("error")));
                    }
                    ev.folder_final_state.insert(s("folder"), state);
                }
                Some("account_status") => {
                    ev.account_new_messages = v["new_messages"].as_u64();
                    ev.account_final_state = Some(s("state"));
                }
                _ => {}
            }
        }
        ev
    }

    pub fn folders_ok(&self) -> usize {
        self.folder_final_state.values().filter(|s| *s == "ok").count()
    }
}
