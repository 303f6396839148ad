//! Collects passes into rows (one per scenario and link), prints progress while running and the
//! final table. Functional problems are printed loudly at once and make the run fail.

use std::time::Duration;

use crate::env::Pass;
use crate::machine::Facts;
use crate::sizes::Sizes;

pub const LOOPBACK: &str = "loopback";

/// All passes of one scenario over one link.
pub struct Row {
    pub id: String,
    pub what: String,
    pub link: String,
    pub passes: Vec<Pass>,
}

impl Row {
    fn wall(&self) -> Vec<Duration> {
        self.passes.iter().map(|p| p.wall).collect()
    }

    fn ok(&self) -> bool {
        self.passes.iter().all(|p| p.problems.is_empty())
    }
}

/// A table of its own, for measurements that are not `sync --once` passes (S4, S5).
pub struct ExtraTable {
    pub title: String,
    pub headers: Vec<String>,
    /// Which columns are text (left-aligned); the others are right-aligned.
    pub left: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    pub footnotes: Vec<String>,
}

pub struct Report {
    pub facts: Facts,
    pub sizes: Sizes,
    pub rows: Vec<Row>,
    pub tables: Vec<ExtraTable>,
    pub setup: Vec<(String, Duration)>,
    pub notes: Vec<String>,
    pub failures: Vec<String>,
    pub total: Duration,
    /// Figures of an earlier build for a row (id, what, link): printed beside today's.
    pub earlier: Vec<(String, String, String, String)>,
}

impl Report {
    pub fn new(facts: Facts, sizes: Sizes) -> Report {
        Report {
            facts,
            sizes,
            rows: Vec::new(),
            tables: Vec::new(),
            setup: Vec::new(),
            notes: Vec::new(),
            failures: Vec::new(),
            total: Duration::ZERO,
            earlier: Vec::new(),
        }
    }

    /// Time spent preparing data (not a measurement).
    pub fn setup(&mut self, label: impl Into<String>, took: Duration) {
        let label = label.into();
        eprintln!("   setup  {label}: {}", fmt_dur(took));
        self.setup.push((label, took));
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        eprintln!("   note   {note}");
        self.notes.push(note);
    }

    /// A functional failure: printed at once, listed at the end, and the exit code is 1.
    pub fn fail(&mut self, what: impl Into<String>) {
        let what = what.into();
        eprintln!("\n!!!!!!!! FAILURE: {what}\n");
        self.failures.push(what);
    }

    /// Adds a table of its own (printed after the pass table, in the order added).
    pub fn table(&mut self, table: ExtraTable) {
        self.tables.push(table);
    }

    /// Adds one measured pass to the row (id, what, link), creating the row on first use.
    pub fn record(&mut self, id: &str, what: &str, link: &str, pass: Pass) {
        eprintln!(
            "   {id:<4} {link:<9} {:>10}  new {:>7}  upd {:>4}  recv {:>10}  sent {:>9}  turns {:>3}  RSS {:>9}  CPU {:>9}{}",
            fmt_dur(pass.wall),
            pass.new_messages,
            pass.updates.len(),
            fmt_bytes(pass.bytes_to_client),
            fmt_bytes(pass.bytes_to_server),
            pass.turns.map_or("-".to_string(), |t| t.to_string()),
            fmt_bytes(pass.max_rss_kib * 1024),
            fmt_dur(pass.cpu),
            if pass.problems.is_empty() { "" } else { "  <-- PROBLEM" }
        );
        for p in &pass.problems {
            self.fail(format!("{id} {what} ({link}): {p}"));
        }
        match self.rows.iter_mut().find(|r| r.id == id && r.what == what && r.link == link) {
            Some(row) => row.passes.push(pass),
            None => self.rows.push(Row { id: id.to_string(), what: what.to_string(), link: link.to_string(), passes: vec![pass] }),
        }
    }

    /// Sets the "earlier" column of a row: figures of an earlier build, not re-run.
    pub fn earlier(&mut self, id: &str, what: &str, link: &str, figures: impl Into<String>) {
        self.earlier.push((id.to_string(), what.to_string(), link.to_string(), figures.into()));
    }

    /// Median peak RSS (KiB) of a row, for comparisons in notes.
    pub fn rss_of(&self, id: &str) -> Option<u64> {
        let row = self.rows.iter().find(|r| r.id == id && r.link == LOOPBACK)?;
        Some(median_u64(row.passes.iter().map(|p| p.max_rss_kib).collect()))
    }

    pub fn print(&self) {
        let f = &self.facts;
        println!();
        println!("==================================================================================================");
        println!("Mailbell benchmark: mailbell-cli sync --once --json and watch --json (release build) against a private Dovecot");
        println!("==================================================================================================");
        println!("machine   {} CPU(s), {}, {} RAM, Linux {}", f.nproc, f.cpu_model, f.mem_total, f.kernel);
        println!("load avg  {} at start, {} at end", f.loadavg_start, Facts::loadavg());
        println!("server    Dovecot {} on 127.0.0.1, mail on {}", f.dovecot_version, f.mail_dir);
        println!("client    {}", f.cli);
        println!(
            "link      loopback through a counting proxy (passthrough); '{}' = proxy delays every chunk {} ms each way",
            self.sizes.rtt_label(),
            self.sizes.one_way_delay.as_millis()
        );
        println!("messages  ~1.9 KiB plain-text mails (headers + ~1.5 KiB body)");
        println!();

        if !self.rows.is_empty() {
            self.print_pass_table();
        }
        for t in &self.tables {
            println!();
            println!("{}", t.title);
            let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
            print_table(&headers, &t.left, &t.rows);
            for f in &t.footnotes {
                println!("{f}");
            }
        }

        // What the added latency cost, in round trips.
        let rtt = self.sizes.one_way_delay * 2;
        let mut lines = Vec::new();
        let width = self.rows.iter().map(|r| r.what.chars().count()).max().unwrap_or(0);
        for slow in self.rows.iter().filter(|r| r.link != LOOPBACK) {
            if let Some(fast) = self.rows.iter().find(|r| r.id == slow.id && r.what == slow.what && r.link == LOOPBACK) {
                let (a, b) = (median(&fast.wall()), median(&slow.wall()));
                let extra = b.as_secs_f64() - a.as_secs_f64();
                lines.push(format!(
                    "  {:<4} {:<width$} {} -> {}: +{} = ~{:.1} round trips of {} ms",
                    slow.id,
                    slow.what,
                    fmt_dur(a),
                    fmt_dur(b),
                    fmt_dur(Duration::from_secs_f64(extra.max(0.0))),
                    extra / rtt.as_secs_f64(),
                    rtt.as_millis()
                ));
            }
        }
        if !lines.is_empty() {
            println!();
            println!(
                "latency cost (median wall with {} RTT minus loopback; the TCP handshake to the proxy is not delayed):",
                self.sizes.rtt_label()
            );
            for l in lines {
                println!("{l}");
            }
        }

        if !self.notes.is_empty() {
            println!();
            println!("notes:");
            for n in &self.notes {
                println!("  - {n}");
            }
        }

        println!();
        println!("setup (not measured):");
        let total: Duration = self.setup.iter().map(|(_, d)| *d).sum();
        for (label, d) in &self.setup {
            println!("  {:<64} {:>10}", label, fmt_dur(*d));
        }
        println!("  {:<64} {:>10}", "total setup", fmt_dur(total));
        println!("  {:<64} {:>10}", "whole bench run", fmt_dur(self.total));

        println!();
        if self.failures.is_empty() {
            println!("result: every pass was functionally right (events, folder states, exit codes).");
        } else {
            println!("result: {} FUNCTIONAL FAILURE(S):", self.failures.len());
            for f in &self.failures {
                println!("  !! {f}");
            }
        }
    }

    fn print_pass_table(&self) {
        let headers = [
            "id",
            "scenario",
            "link",
            "n",
            "wall median",
            "[min .. max]",
            "new msgs",
            "msgs/s",
            "upd",
            "recv/pass",
            "sent/pass",
            "conns",
            "turns",
            "peak RSS",
            "CPU",
            "check",
            "earlier (main a92af26)",
        ];
        let mut table: Vec<Vec<String>> = Vec::new();
        for r in &self.rows {
            let wall = r.wall();
            let med = median(&wall);
            let min = wall.iter().min().copied().unwrap_or_default();
            let max = wall.iter().max().copied().unwrap_or_default();
            let new = median_u64(r.passes.iter().map(|p| p.new_messages).collect());
            let rate = if new > 0 && !med.is_zero() { fmt_count((new as f64 / med.as_secs_f64()).round() as u64) } else { "-".to_string() };
            table.push(vec![
                r.id.clone(),
                r.what.clone(),
                r.link.clone(),
                r.passes.len().to_string(),
                fmt_dur(med),
                if r.passes.len() > 1 { format!("[{} .. {}]", fmt_dur(min), fmt_dur(max)) } else { String::new() },
                fmt_count(new),
                rate,
                fmt_count(median_u64(r.passes.iter().map(|p| p.updates.len() as u64).collect())),
                fmt_bytes(median_u64(r.passes.iter().map(|p| p.bytes_to_client).collect())),
                fmt_bytes(median_u64(r.passes.iter().map(|p| p.bytes_to_server).collect())),
                fmt_count(median_u64(r.passes.iter().map(|p| p.connections).collect())),
                if r.passes.iter().all(|p| p.turns.is_some()) {
                    let t: Vec<u64> = r.passes.iter().filter_map(|p| p.turns).collect();
                    let (lo, hi) = (t.iter().min().copied().unwrap_or(0), t.iter().max().copied().unwrap_or(0));
                    if lo == hi {
                        lo.to_string()
                    } else {
                        format!("{lo}..{hi}")
                    }
                } else {
                    "-".to_string()
                },
                fmt_bytes(r.passes.iter().map(|p| p.max_rss_kib).max().unwrap_or(0) * 1024),
                fmt_dur(median(&r.passes.iter().map(|p| p.cpu).collect::<Vec<_>>())),
                if r.ok() { "ok".to_string() } else { "FAILED".to_string() },
                self.earlier
                    .iter()
                    .find(|(id, what, link, _)| *id == r.id && *what == r.what && *link == r.link)
                    .map_or(String::new(), |e| e.3.clone()),
            ]);
        }
        let left = [true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, true, true];
        print_table(&headers, &left, &table);
        println!();
        println!("wall: spawn to exit of the CLI process (keyring read, TLS connect, login, pass, logout).");
        println!("recv/sent: bytes the client received from / sent to the server (TLS included), median per pass.");
        println!("conns: TCP connections the CLI opened per pass (median). turns: round trips the client waited for, TLS handshake");
        println!("  and LOGOUT included, counted by a relay (client sends after the server spoke); '-' = not counted.");
        println!("peak RSS: ru_maxrss of the CLI process from wait4, highest of the passes. CPU: user+sys of the CLI.");
        println!("msgs/s: new messages / median wall time. upd: message_update events (read/deleted elsewhere), median.");
        println!("earlier: main a92af26 (before PREVIEW, COMPRESS and the one-shot overlap), not re-run: the figures quoted in");
        println!("  issue #16 for the full sizes (S1 50 folders x 2,000; S2 a burst of 1,000): wall median, recv per pass.");
    }
}

fn print_table(headers: &[&str], left: &[bool], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    // Text columns left-aligned, numbers right-aligned.
    let left = |i: usize| left.get(i).copied().unwrap_or(false);
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| if left(i) { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    println!("{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
    for r in rows {
        line(r.clone());
    }
}

pub fn median(values: &[Duration]) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut v = values.to_vec();
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn median_u64(mut v: Vec<u64>) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

pub fn fmt_dur(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

pub fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    if b < 1024.0 {
        format!("{b} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
