//! A running `mailbell-cli watch --json`: its events as they are printed, each stamped with the
//! instant the bench read it, and a stop by SIGTERM that reaps the process with its rusage.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;

/// One line the CLI printed, when the bench read it.
#[derive(Debug, Clone)]
pub struct Line {
    pub at: Instant,
    /// The parsed event; a line that is not JSON is kept as a JSON string.
    pub v: Value,
}

impl Line {
    pub fn event(&self) -> &str {
        self.v["event"].as_str().unwrap_or("")
    }

    pub fn is_json(&self) -> bool {
        self.v.is_object()
    }
}

/// How the watch process ended.
#[derive(Debug, Clone)]
pub struct WatchExit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// User + system CPU of the whole life of the process.
    pub cpu: Duration,
    pub max_rss_kib: u64,
    /// Voluntary and involuntary context switches of the whole life (all threads).
    pub nvcsw: u64,
    pub nivcsw: u64,
    /// From SIGTERM to exit.
    pub stop_took: Duration,
    pub stderr: String,
}

impl WatchExit {
    /// Why the exit was not clean (exit code 0 after SIGTERM), with stderr.
    pub fn failure(&self) -> Option<String> {
        if self.code == Some(0) {
            return None;
        }
        let how = match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "unknown exit".to_string(),
        };
        Some(format!("mailbell-cli watch ended badly after SIGTERM ({how}); stderr:\n{}", self.stderr.trim_end()))
    }
}

pub struct Watch {
    pid: libc::pid_t,
    pub started: Instant,
    lines: mpsc::Receiver<Line>,
    stdout_thread: Option<JoinHandle<()>>,
    stderr_thread: Option<JoinHandle<Vec<u8>>>,
    /// Every line received so far, in order.
    pub log: Vec<Line>,
    eof: bool,
    reaped: bool,
}

impl Watch {
    /// Spawns `cli --data-dir DATA watch --json`.
    pub fn spawn(cli: &Path, data_dir: &Path) -> anyhow::Result<Watch> {
        Watch::spawn_with(cli, data_dir, |_| Ok(()))
    }

    /// [`Watch::spawn`], with `prepare` given the command last (e.g. to set RUST_LOG, or to
    /// start the CLI in a network namespace: `netns::NetPair::enter_client`).
    pub fn spawn_with(cli: &Path, data_dir: &Path, prepare: impl FnOnce(&mut Command) -> anyhow::Result<()>) -> anyhow::Result<Watch> {
        let mut cmd = Command::new(cli);
        cmd.arg("--data-dir").arg(data_dir).args(["watch", "--json"]);
        cmd.env_remove("MAILBELL_DATA_DIR");
        cmd.env_remove("RUST_LOG");
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        prepare(&mut cmd)?;
        let started = Instant::now();
        let mut child = cmd.spawn().with_context(|| format!("spawning {} watch", cli.display()))?;
        let pid = libc::pid_t::try_from(child.id()).context("pid does not fit pid_t")?;
        let out = child.stdout.take().context("stdout not captured")?;
        let mut err = child.stderr.take().context("stderr not captured")?;
        // The Child is dropped without waiting: the pid stays ours (unreaped) until `stop`.
        drop(child);

        let (tx, rx) = mpsc::channel();
        let stdout_thread = thread::Builder::new()
            .name("watch-stdout".into())
            .spawn(move || {
                let mut reader = BufReader::new(out);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let at = Instant::now();
                    let text = String::from_utf8_lossy(&buf);
                    let text = text.trim_end();
                    if text.is_empty() {
                        continue;
                    }
                    let v = serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_string()));
                    if tx.send(Line { at, v }).is_err() {
                        return;
                    }
                }
            })
            .context("spawning the stdout reader")?;
        let stderr_thread = thread::Builder::new()
            .name("watch-stderr".into())
            .spawn(move || {
                let mut buf = Vec::new();
                let _ = err.read_to_end(&mut buf);
                buf
            })
            .context("spawning the stderr reader")?;
        Ok(Watch {
            pid,
            started,
            lines: rx,
            stdout_thread: Some(stdout_thread),
            stderr_thread: Some(stderr_thread),
            log: Vec::new(),
            eof: false,
            reaped: false,
        })
    }

    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// The next line, waiting up to `timeout`. None on timeout or once stdout closed.
    pub fn next(&mut self, timeout: Duration) -> Option<Line> {
        if self.eof {
            return None;
        }
        match self.lines.recv_timeout(timeout) {
            Ok(line) => {
                self.log.push(line.clone());
                Some(line)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                self.eof = true;
                None
            }
        }
    }

    /// Reads lines until one satisfies `pred`, for up to `timeout`. An error when the time is
    /// up or the process closed its stdout (it died).
    pub fn wait_for(&mut self, timeout: Duration, what: &str, mut pred: impl FnMut(&Line) -> bool) -> anyhow::Result<Line> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("waited {timeout:?} for {what}; the last events: {}", self.tail(5));
            }
            match self.next(left) {
                Some(line) if pred(&line) => return Ok(line),
                Some(_) => {}
                None if self.eof => {
                    bail!("mailbell-cli watch closed its stdout (died?) while waiting for {what}; the last events: {}", self.tail(5))
                }
                None => {}
            }
        }
    }

    /// Reads lines until none came for `quiet` (true), or `max` passed (false).
    pub fn settle(&mut self, quiet: Duration, max: Duration) -> bool {
        let deadline = Instant::now() + max;
        loop {
            if Instant::now() >= deadline {
                return false;
            }
            let wait = quiet.min(deadline.saturating_duration_since(Instant::now()));
            if self.next(wait).is_none() {
                return !self.eof && wait == quiet;
            }
        }
    }

    /// The last `n` lines, for error messages.
    pub fn tail(&self, n: usize) -> String {
        let start = self.log.len().saturating_sub(n);
        self.log[start..].iter().map(|l| l.v.to_string()).collect::<Vec<_>>().join("\n  ")
    }

    /// Whether the process has exited (without reaping it).
    pub fn has_exited(&self) -> bool {
        // SAFETY: an all-zero siginfo_t is valid; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let Ok(id) = libc::id_t::try_from(self.pid) else { return true };
        // SAFETY: plain syscall on our own unreaped child.
        let r = unsafe { libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT | libc::WNOHANG) };
        // SAFETY: si_pid is valid to read for a WEXITED result; 0 when nothing exited.
        r == 0 && unsafe { info.si_pid() } != 0
    }

    /// SIGTERM, then waits up to `grace` for the exit (SIGKILL after that), reaps the process
    /// with its rusage and reads the rest of its output into `log`.
    pub fn stop(&mut self, grace: Duration) -> anyhow::Result<WatchExit> {
        if self.reaped {
            bail!("the watch process was already stopped");
        }
        let t = Instant::now();
        // SAFETY: kill(2) on our own child, not reaped yet (so the pid cannot be reused).
        unsafe {
            libc::kill(self.pid, libc::SIGTERM);
        }
        let deadline = t + grace;
        let mut killed = false;
        while !self.has_exited() {
            if Instant::now() >= deadline && !killed {
                // SAFETY: as above.
                unsafe {
                    libc::kill(self.pid, libc::SIGKILL);
                }
                killed = true;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let stop_took = t.elapsed();
        crate::cli::wait_exit_no_reap(self.pid)?;
        let (status, usage) = crate::cli::reap(self.pid)?;
        self.reaped = true;
        if let Some(h) = self.stdout_thread.take() {
            let _ = h.join();
        }
        while let Ok(line) = self.lines.try_recv() {
            self.log.push(line);
        }
        self.eof = true;
        let stderr = self.stderr_thread.take().and_then(|h| h.join().ok()).unwrap_or_default();
        let mut stderr = String::from_utf8_lossy(&stderr).into_owned();
        if killed {
            stderr.push_str(&format!("\n[mailbell-bench: SIGKILLed, no exit within {grace:?} of SIGTERM]"));
        }
        let (code, signal) = if libc::WIFEXITED(status) {
            (Some(libc::WEXITSTATUS(status)), None)
        } else if libc::WIFSIGNALED(status) {
            (None, Some(libc::WTERMSIG(status)))
        } else {
            (None, None)
        };
        let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
        Ok(WatchExit {
            code,
            signal,
            cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
            max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
            nvcsw: u64::try_from(usage.ru_nvcsw).unwrap_or(0),
            nivcsw: u64::try_from(usage.ru_nivcsw).unwrap_or(0),
            stop_took,
            stderr,
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: kill and wait4 on our own unreaped child.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                let mut status = 0;
                libc::waitpid(self.pid, &mut status, 0);
            }
        }
    }
}
