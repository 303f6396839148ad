//! Running helper programs (openssl, doveadm, secret-tool) with a deadline and readable errors.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// What a finished command printed.
pub(crate) struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Human-readable command line for error messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        let arg = arg.to_string_lossy();
        if arg.contains(' ') || arg.is_empty() {
            s.push_str(&format!("{arg:?}"));
        } else {
            s.push_str(&arg);
        }
    }
    s
}

/// Runs `cmd` to completion, feeding `stdin`, killing it after `timeout`.
///
/// A deadline matters because some helpers block forever instead of failing (secret-tool waits
/// for an unlock prompt that no one will answer in a headless session).
pub(crate) fn run(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> anyhow::Result<Output> {
    let line = describe(cmd);
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().with_context(|| format!("cannot run `{line}` (is it installed?)"))?;

    // Feed stdin and drain both pipes on threads so a chatty child cannot deadlock on a full pipe.
    let writer = match (stdin, child.stdin.take()) {
        (Some(data), Some(mut pipe)) => {
            let data = data.to_vec();
            Some(thread::spawn(move || pipe.write_all(&data)))
        }
        _ => None,
    };
    let mut out_pipe = child.stdout.take().context("child stdout was not captured")?;
    let mut err_pipe = child.stderr.take().context("child stderr was not captured")?;
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        out_pipe.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        err_pipe.read_to_end(&mut buf).map(|_| buf)
    });

    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().with_context(|| format!("waiting for `{line}`"))? {
            break status;
        }
        if Instant::now() >= deadline {
            // Best effort: the child may have exited between try_wait and kill.
            let _ = child.kill();
            let _ = child.wait();
            bail!("`{line}` did not finish within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(2));
    };

    if let Some(writer) = writer {
        // A child that exits without reading all of stdin gives EPIPE; its exit status says more.
        let _ = writer.join();
    }
    let stdout = out_reader
        .join()
        .map_err(|_| anyhow::anyhow!("stdout reader thread panicked"))?
        .with_context(|| format!("reading stdout of `{line}`"))?;
    let stderr = err_reader
        .join()
        .map_err(|_| anyhow::anyhow!("stderr reader thread panicked"))?
        .with_context(|| format!("reading stderr of `{line}`"))?;
    Ok(Output { status, stdout, stderr: String::from_utf8_lossy(&stderr).into_owned() })
}

/// Like [`run`], but a non-zero exit is an error that quotes the command and its stderr.
pub(crate) fn run_ok(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> anyhow::Result<Output> {
    let line = describe(cmd);
    let out = run(cmd, stdin, timeout)?;
    if !out.status.success() {
        bail!("`{line}` failed ({}): {}{}", out.status, out.stderr.trim(), stdout_hint(&out));
    }
    Ok(out)
}

fn stdout_hint(out: &Output) -> String {
    let text = out.stdout_text();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!("\nstdout: {text}")
    }
}
