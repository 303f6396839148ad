//! Facts about the machine the numbers come from.

use std::path::Path;
use std::process::Command;

pub struct Facts {
    pub nproc: usize,
    pub cpu_model: String,
    pub mem_total: String,
    pub kernel: String,
    pub dovecot_version: String,
    pub loadavg_start: String,
    pub mail_dir: String,
    pub cli: String,
}

impl Facts {
    pub fn collect(cli: &Path) -> Facts {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown CPU".to_string());
        let mem_total = std::fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|kib| kib.parse::<u64>().ok()))
            .map(|kib| format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0)))
            .unwrap_or_else(|| "? GiB".to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
        let dovecot_version = Command::new("dovecot")
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "?".to_string());
        let mail_dir = std::env::var("MAILBELL_E2E_TMPDIR").unwrap_or_else(|_| {
            if Path::new("/dev/shm").is_dir() {
                "/dev/shm (tmpfs) when roomy, else the temp dir".to_string()
            } else {
                std::env::temp_dir().display().to_string()
            }
        });
        let cli_desc = match std::fs::metadata(cli) {
            Ok(m) => format!("{} ({:.1} MiB)", cli.display(), m.len() as f64 / (1024.0 * 1024.0)),
            Err(_) => cli.display().to_string(),
        };
        Facts {
            nproc: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            cpu_model,
            mem_total,
            kernel,
            dovecot_version,
            loadavg_start: Facts::loadavg(),
            mail_dir,
            cli: cli_desc,
        }
    }

    /// The 1, 5 and 15 minute load averages.
    pub fn loadavg() -> String {
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    }
}
