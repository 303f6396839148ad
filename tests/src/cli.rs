//! The real `mailbell-cli` as a child process a test can signal at any moment (SIGKILL in the
//! middle of a batch, SIGTERM for a graceful stop) while its JSON event lines are read as they
//! come. Also reports the child's peak memory (from `wait4`'s rusage), for figures.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;

use crate::cli_bin;

/// What the stdout reader hands over.
enum Chunk {
    Line(String),
    /// Bytes after the last newline when stdout closed: a line cut by a kill.
    Partial(String),
}

/// A running `mailbell-cli`.
pub struct CliProcess {
    child: Option<Child>,
    lines: mpsc::Receiver<Chunk>,
    /// Complete stdout lines received so far.
    seen: Vec<String>,
    /// Lines `wait_for` has looked at.
    cursor: usize,
    partial: Option<String>,
    stdout_reader: Option<JoinHandle<()>>,
    stderr_reader: Option<JoinHandle<Vec<u8>>>,
}

/// A finished `mailbell-cli`.
#[derive(Debug, Clone)]
pub struct Finished {
    pub status: ExitStatus,
    /// Every complete stdout line, in order.
    pub lines: Vec<String>,
    /// An unterminated last line (only a killed process leaves one).
    pub partial: Option<String>,
    pub stderr: String,
    /// Peak resident set size of the process, in KiB.
    pub max_rss_kib: u64,
}

impl Finished {
    /// The JSON objects among the complete lines (`--json` output).
    pub fn events(&self) -> Vec<Value> {
        parse_events(&self.lines)
    }

    pub fn new_messages(&self) -> Vec<Value> {
        self.events().into_iter().filter(|e| e["event"] == "new_message").collect()
    }

    /// Killed by this signal?
    pub fn killed_by(&self, signal: i32) -> bool {
        self.status.signal() == Some(signal)
    }
}

/// Parses JSON lines; a line that is not JSON is a test failure (the CLI printed garbage).
pub fn parse_events(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

impl CliProcess {
    /// Starts `mailbell-cli --data-dir DIR ARGS...` with `envs` added (and
    /// `MAILBELL_DATA_DIR` removed, so only `--data-dir` counts).
    pub fn spawn<S: AsRef<OsStr>>(data_dir: &Path, args: &[S], envs: &[(&str, &str)]) -> anyhow::Result<CliProcess> {
        Self::spawn_with(data_dir, args, envs, |_| {})
    }

    /// [`CliProcess::spawn`], with `prepare` given the command last (e.g. to start the CLI in
    /// a network namespace: `netns::NetPair::enter_client`).
    pub fn spawn_with<S: AsRef<OsStr>>(
        data_dir: &Path,
        args: &[S],
        envs: &[(&str, &str)],
        prepare: impl FnOnce(&mut Command),
    ) -> anyhow::Result<CliProcess> {
        let mut cmd = Command::new(cli_bin()?);
        cmd.arg("--data-dir").arg(data_dir).args(args);
        cmd.env_remove("MAILBELL_DATA_DIR");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        prepare(&mut cmd);
        let mut child = cmd.spawn().context("spawning mailbell-cli")?;
        let mut stdout = child.stdout.take().context("child stdout")?;
        let mut stderr = child.stderr.take().context("child stderr")?;
        let (tx, rx) = mpsc::channel();
        let stdout_reader = std::thread::spawn(move || {
            let mut pending: Vec<u8> = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=pos).collect();
                    let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                    if tx.send(Chunk::Line(text)).is_err() {
                        return;
                    }
                }
            }
            if !pending.is_empty() {
                let _ = tx.send(Chunk::Partial(String::from_utf8_lossy(&pending).into_owned()));
            }
        });
        let stderr_reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = stderr.read_to_end(&mut all);
            all
        });
        Ok(CliProcess {
            child: Some(child),
            lines: rx,
            seen: Vec::new(),
            cursor: 0,
            partial: None,
            stdout_reader: Some(stdout_reader),
            stderr_reader: Some(stderr_reader),
        })
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or_default()
    }

    /// Complete lines received so far.
    pub fn lines(&mut self) -> &[String] {
        self.pump(Duration::ZERO);
        &self.seen
    }

    /// `new_message` events received so far.
    pub fn new_message_count(&mut self) -> usize {
        self.pump(Duration::ZERO);
        self.seen.iter().filter(|l| l.contains("\"event\":\"new_message\"")).count()
    }

    /// Waits until an event matching `pred` arrives (among those not looked at before), or
    /// until `timeout` or the end of output. Returns the event.
    pub fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            while self.cursor < self.seen.len() {
                let line = &self.seen[self.cursor];
                self.cursor += 1;
                if let Ok(v) = serde_json::from_str::<Value>(line) {
                    if pred(&v) {
                        return Some(v);
                    }
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !self.pump(left.min(Duration::from_millis(50))) && self.ended() {
                return None;
            }
        }
    }

    /// Waits until `n` new_message events arrived in total; false on timeout or exit.
    pub fn wait_new_messages(&mut self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.new_message_count() >= n {
                return true;
            }
            if Instant::now() >= deadline || self.ended() && !self.pump(Duration::from_millis(20)) {
                return self.new_message_count() >= n;
            }
            self.pump(Duration::from_millis(20));
        }
    }

    /// Whether the process has exited (its output may still be in the pipe).
    pub fn ended(&mut self) -> bool {
        let pid = self.pid();
        if pid <= 0 {
            return true;
        }
        // WNOWAIT: look without reaping, so `finish` can still collect the exit status and
        // the rusage with wait4.
        // SAFETY: an all-zero siginfo_t is valid for waitid to overwrite.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid writes only into `info`, which we own.
        let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT) };
        // SAFETY: si_pid is meaningful after a successful waitid; 0 means "still running".
        r != 0 || unsafe { info.si_pid() } != 0
    }

    /// Moves lines from the reader thread into `seen`, waiting up to `wait` for the first.
    /// Returns whether anything arrived.
    fn pump(&mut self, wait: Duration) -> bool {
        let mut got = false;
        let first = if wait.is_zero() { self.lines.try_recv().ok() } else { self.lines.recv_timeout(wait).ok() };
        let mut next = first;
        while let Some(chunk) = next {
            got = true;
            match chunk {
                Chunk::Line(l) => self.seen.push(l),
                Chunk::Partial(p) => self.partial = Some(p),
            }
            next = self.lines.try_recv().ok();
        }
        got
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`) without waiting.
    pub fn signal(&self, signal: i32) {
        let pid = self.pid();
        if pid > 0 {
            // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// Sends `signal` and waits for the exit (SIGKILL after `timeout`, which then fails).
    pub fn stop_with(self, signal: i32, timeout: Duration) -> anyhow::Result<Finished> {
        self.signal(signal);
        self.finish(timeout)
    }

    /// Waits for the process to exit by itself (SIGKILL after `timeout`, which then fails).
    pub fn wait(self, timeout: Duration) -> anyhow::Result<Finished> {
        self.finish(timeout)
    }

    fn finish(mut self, timeout: Duration) -> anyhow::Result<Finished> {
        let child = self.child.take().context("already finished")?;
        let pid = child.id() as i32;
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let (raw_status, rusage) = loop {
            let mut status = 0;
            // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes only into the two out-parameters we own.
            let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
            if r == pid {
                break (status, usage);
            }
            if r < 0 {
                bail!("wait4({pid}) failed: {}", std::io::Error::last_os_error());
            }
            if Instant::now() >= deadline && !timed_out {
                timed_out = true;
                // SAFETY: as in `signal`.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        // The child is reaped; std must not try to wait for it again.
        std::mem::forget(child);
        if let Some(h) = self.stdout_reader.take() {
            let _ = h.join();
        }
        self.pump(Duration::ZERO);
        let stderr = self.stderr_reader.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        let finished = Finished {
            status: ExitStatus::from_raw(raw_status),
            lines: std::mem::take(&mut self.seen),
            partial: self.partial.take(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            max_rss_kib: u64::try_from(rusage.ru_maxrss).unwrap_or(0),
        };
        if timed_out {
            bail!("mailbell-cli did not exit within {timeout:?} and was killed; stderr:\n{}", finished.stderr);
        }
        Ok(finished)
    }
}

impl Drop for CliProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs `mailbell-cli` to completion (killed after `timeout`, which fails).
pub fn run_cli<S: AsRef<OsStr>>(data_dir: &Path, args: &[S], envs: &[(&str, &str)], timeout: Duration) -> anyhow::Result<Finished> {
    CliProcess::spawn(data_dir, args, envs)?.wait(timeout)
}
