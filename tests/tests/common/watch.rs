//! A running `mailbell-cli watch --json` whose events are read on a thread, for the tests of
//! `watch` and of what it rings.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Env;

/// A running `watch --json` whose events are read on a thread.
pub struct Watch {
    child: Child,
    rx: mpsc::Receiver<Value>,
    pub seen: Vec<Value>,
}

impl Watch {
    pub fn start(env: &Env, extra: &[&str]) -> Watch {
        let mut child = Command::new(mailbell_e2e::cli_bin().expect("cli"))
            .arg("--data-dir")
            .arg(env.data_dir())
            .args(["watch", "--json"])
            .args(extra)
            .env_remove("MAILBELL_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Watch { child, rx, seen: Vec::new() }
    }

    /// Waits for the first event (not seen before) matching `pred`.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("timed out after {timeout:?} waiting for {what}; events so far:\n{:#?}", self.seen),
            }
        }
    }

    /// Collects events until none arrives for `quiet`.
    pub fn drain(&mut self, quiet: Duration) {
        while let Ok(v) = self.rx.recv_timeout(quiet) {
            self.seen.push(v);
        }
    }

    pub fn new_subjects(&self) -> Vec<String> {
        self.seen.iter().filter(|e| e["event"] == "new_message").map(|e| e["subject"].as_str().unwrap_or("").to_string()).collect()
    }

    pub fn terminate(mut self) -> (Option<i32>, Vec<Value>) {
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let status = self.child.wait().expect("wait");
        self.drain(Duration::from_millis(200));
        (status.code(), std::mem::take(&mut self.seen))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
