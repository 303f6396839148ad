//! What the kernel says about a running process: CPU time, memory, threads, sockets and
//! context switches from /proc, and (where `perf` works) syscall and context-switch counts over
//! a window from `perf stat`, which counts in the kernel and follows threads born later.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// One look at /proc/<pid>.
#[derive(Debug, Clone)]
pub struct Sample {
    pub at: Instant,
    /// utime + stime of the whole process, dead threads included, in clock ticks.
    pub cpu_ticks: u64,
    pub rss_kib: u64,
    /// Peak RSS since the process started.
    pub hwm_kib: u64,
    pub threads: u64,
    /// Open socket descriptors.
    pub sockets: usize,
    /// Per live thread: (voluntary, involuntary) context switches.
    pub tasks: BTreeMap<u32, (u64, u64)>,
}

pub fn clock_ticks_per_sec() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

pub fn ticks_to_dur(ticks: u64) -> Duration {
    Duration::from_secs_f64(ticks as f64 / clock_ticks_per_sec() as f64)
}

pub fn sample(pid: libc::pid_t) -> anyhow::Result<Sample> {
    let at = Instant::now();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name is in parentheses and may contain anything: fields start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("odd /proc/<pid>/stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, utime 14, stime 15, num_threads 20.
    let field =
        |n: usize| -> anyhow::Result<u64> { f.get(n - 3).context("short /proc/<pid>/stat")?.parse().context("/proc/<pid>/stat field") };
    let cpu_ticks = field(14)? + field(15)?;
    let threads = field(20)?;

    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib = |key: &str| -> u64 {
        status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    let (rss_kib, hwm_kib) = (kib("VmRSS:"), kib("VmHWM:"));

    let mut tasks = BTreeMap::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for e in dir.flatten() {
            let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            // A thread may end between the listing and the read: skip it.
            let Ok(st) = std::fs::read_to_string(e.path().join("status")) else { continue };
            let get = |key: &str| st.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
            tasks.insert(tid, (get("voluntary_ctxt_switches:"), get("nonvoluntary_ctxt_switches:")));
        }
    }

    let mut sockets = 0;
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for e in dir.flatten() {
            if std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy().starts_with("socket:")) {
                sockets += 1;
            }
        }
    }
    Ok(Sample { at, cpu_ticks, rss_kib, hwm_kib, threads, sockets, tasks })
}

/// Context switches over a window from /proc samples, following each thread: a thread alive
/// at the start counts from its value then, one born later from zero, and each counts up to
/// the last sample that saw it. Threads that lived only between two samples are missed
/// (perf, when it works, is not).
#[derive(Debug, Default)]
pub struct SwitchTracker {
    first: BTreeMap<u32, (u64, u64)>,
    last: BTreeMap<u32, (u64, u64)>,
    started: bool,
}

impl SwitchTracker {
    pub fn add(&mut self, s: &Sample) {
        for (tid, v) in &s.tasks {
            if !self.started {
                self.first.insert(*tid, *v);
            } else {
                self.first.entry(*tid).or_insert((0, 0));
            }
            self.last.insert(*tid, *v);
        }
        self.started = true;
    }

    /// (voluntary, involuntary, threads seen).
    pub fn totals(&self) -> (u64, u64, usize) {
        let mut vol = 0;
        let mut invol = 0;
        for (tid, (v1, i1)) in &self.last {
            let (v0, i0) = self.first.get(tid).copied().unwrap_or((0, 0));
            vol += v1.saturating_sub(v0);
            invol += i1.saturating_sub(i0);
        }
        (vol, invol, self.last.len())
    }
}

/// `perf stat` attached to a process for a window.
pub struct Perf {
    child: Child,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

#[derive(Debug, Clone, Default)]
pub struct PerfCounts {
    pub syscalls: Option<u64>,
    pub context_switches: Option<u64>,
    pub cpu_migrations: Option<u64>,
    pub task_clock_ms: Option<f64>,
}

impl Perf {
    /// Starts counting syscalls, context switches, migrations and task-clock of `pid` (every
    /// thread, and threads it starts later). An error when perf is missing or not allowed.
    pub fn attach(pid: libc::pid_t) -> anyhow::Result<Perf> {
        let dir = tempfile::Builder::new().prefix("mailbell-bench-perf-").tempdir().context("perf tempdir")?;
        let out = dir.path().join("perf.csv");
        let child = Command::new("perf")
            .args(["stat", "-x", ",", "-e", "raw_syscalls:sys_enter,context-switches,cpu-migrations,task-clock", "-p"])
            .arg(pid.to_string())
            .arg("-o")
            .arg(&out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("spawning perf stat")?;
        // Give it time to attach; fail early when it cannot.
        std::thread::sleep(Duration::from_millis(300));
        let mut perf = Perf { child, out, _dir: dir };
        if let Some(status) = perf.child.try_wait().context("perf")? {
            let mut err = String::new();
            if let Some(mut e) = perf.child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            bail!("perf stat exited at once ({status}): {}", err.trim());
        }
        Ok(perf)
    }

    /// Stops counting (SIGINT) and reads the counts.
    pub fn finish(mut self) -> anyhow::Result<PerfCounts> {
        let pid = libc::pid_t::try_from(self.child.id()).context("perf pid")?;
        // SAFETY: kill(2) on our own child, not reaped yet.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.child.try_wait().context("waiting for perf")?.is_some() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                bail!("perf stat did not stop on SIGINT");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let text = std::fs::read_to_string(&self.out).context("reading perf's output")?;
        let mut counts = PerfCounts::default();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            // value,unit,event,run time,percentage,...
            let cols: Vec<&str> = line.split(',').collect();
            if cols.len() < 3 {
                continue;
            }
            let value = cols[0].trim();
            let event = cols[2].trim();
            match event {
                "raw_syscalls:sys_enter" => counts.syscalls = value.parse().ok(),
                "context-switches" => counts.context_switches = value.parse().ok(),
                "cpu-migrations" => counts.cpu_migrations = value.parse().ok(),
                e if e.starts_with("task-clock") => counts.task_clock_ms = value.parse().ok(),
                _ => {}
            }
        }
        Ok(counts)
    }
}
