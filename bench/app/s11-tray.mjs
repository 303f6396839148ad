// S11: what the desktop app weighs, with its window open and closed to the tray, and how long
// "Open" takes to show a painted window. Run by scripts/bench-tray.sh (Xvfb with a real XEmbed
// tray, a private session bus with gnome-keyring, dunst), which builds the release app first.
//
// Weight: the proportional set size (PSS) of the whole app, the sum of the `Pss:` line of
// /proc/<pid>/smaps_rollup over the app's process and all its descendants (the window's process
// while a window is open, and WebKit's web and network processes under it), after the app has
// settled (every account's first pass done, the app's own lightening in the tray logged, then a
// quiet moment). Pages shared with other programs (libc, GTK's themes, WebKit's libraries while
// another WebKit program runs) count by their share, and the app cannot give back the pages of
// a library another program maps too, so the figures are only comparable on an otherwise quiet
// machine (another S11, or any WebKit program, running beside it adds 10-15 MiB to the tray). With S11_BREAKDOWN=1 each
// process's PSS is split into clean file pages and anonymous memory, and by mapping.
//
// Time to a painted window: from the request to the paint. The request is a second launch of
// the app (what a click on the desktop's launcher does; the tray's "Open" takes the same path
// inside the app), the paint is the UI's `window_ready` call, made after its first frame with
// the engine's state (two animation frames after drawing), which the app logs as
// `window painted ms=N` (N counted inside the app from the request's arrival). Reported: N, and
// the time from starting the second launch to that log line (seen by polling the log).
//
// Timings and sizes are printed, never judged; the exit code is non-zero only when something did
// not happen (no window, a window that does not go, an engine that does not start).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { bins, cli, eventually, sleep, tempDir, TestServer } from "../../tests-app/e2e/harness.mjs";

const ACCOUNTS = Number(process.env.S11_ACCOUNTS ?? 5);
const OPENS = Number(process.env.S11_OPENS ?? 5);
/** A quiet moment before each measurement, after what it waits for has happened. */
const SETTLE_MS = Number(process.env.S11_SETTLE_MS ?? 8000);
const SLOW = { timeout: Number(process.env.S11_TIMEOUT ?? 120_000), interval: 100 };
const CLOSE_WINDOW = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../tests-app/e2e/close-window.py");

// ---- processes ----------------------------------------------------------------------------

function children(pid) {
  const out = [];
  for (const task of existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`) : []) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The app and all its descendants: [{ pid, name, pss (KiB) }]. */
export function tree(pid) {
  const out = [];
  const walk = (p) => {
    let pss = null;
    let name = "?";
    try {
      pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? NaN);
      name = readFileSync(`/proc/${p}/comm`, "utf8").trim();
    } catch {
      return; // gone meanwhile
    }
    out.push({ pid: p, name, pss });
    for (const c of children(p)) walk(c);
  };
  walk(pid);
  return out;
}

/** Where a process's PSS lies: the largest mappings by name (a library, [heap], anonymous). */
function breakdown(pid, top = 8) {
  const by = new Map();
  let name = "[anon]";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1] ? path.basename(head[1]) : "[anon]";
    const pss = /^Pss:\s+(\d+) kB/.exec(line);
    if (pss) by.set(name, { pss: (by.get(name)?.pss ?? 0) + Number(pss[1]), anon: by.get(name)?.anon ?? 0 });
    // A library's anonymous pages are its relocated data, written at load: they stay.
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon && !name.startsWith("[")) by.get(name).anon += Number(anon[1]);
  }
  return [...by.entries()]
    .sort((a, b) => b[1].pss - a[1].pss)
    .slice(0, top)
    .map(([n, { pss, anon }]) => `${n} ${mib(pss)}${anon >= 512 ? ` (anonymous ${mib(anon)})` : ""}`)
    .join(", ");
}

/** A process's resident memory by kind (smaps_rollup): clean file pages (code and read-only
 * data, which the kernel can drop and read again) against dirty and anonymous ones (heap,
 * stacks, relocated data: kept until freed, or swapped). */
function kinds(pid) {
  const roll = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (f) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, "m").exec(roll)?.[1] ?? 0);
  return `clean file pages ${mib(kb("Pss_File"))}, anonymous ${mib(kb("Pss_Anon"))}, shmem ${mib(kb("Pss_Shmem"))}`;
}

const mib = (kib) => (kib / 1024).toFixed(1);
const total = (procs) => procs.reduce((s, p) => s + p.pss, 0);
const describe = (procs) => procs.map((p) => `${p.name} ${mib(p.pss)}`).join(", ");

// ---- the window -----------------------------------------------------------------------------

/** The app's main window on the X display (by class and title: a tooltip or the tray icon is a
 * window of the app's class too). */
function mainWindow() {
  const r = spawnSync("xdotool", ["search", "--onlyvisible", "--class", "^Mailbell$"], { encoding: "utf8" });
  return (
    r.stdout
      .trim()
      .split("\n")
      .filter((id) => id && spawnSync("xdotool", ["getwindowname", id], { encoding: "utf8" }).stdout.startsWith("Mailbell"))[0] ?? null
  );
}

function closeWindow() {
  const id = mainWindow();
  if (!id) throw new Error("no window to close");
  const r = spawnSync("/usr/bin/python3", [CLOSE_WINDOW, id], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`close-window.py: ${r.stderr}`);
}

// ---- the run --------------------------------------------------------------------------------

async function main() {
  const server = await TestServer.start();
  const data = tempDir("mailbell-s11-");
  const log = () => (existsSync(path.join(data.path, "mailbell.log")) ? readFileSync(path.join(data.path, "mailbell.log"), "utf8") : "");
  const painted = () => [...log().matchAll(/window painted ms=(\d+)/g)].map((m) => Number(m[1]));
  let app;
  try {
    const { host, tls_port, ca_file, user, password } = server.info;
    for (let i = 0; i < ACCOUNTS; i++) {
      cli(data.path, ["account", "add", "--email", `user${i}@localhost`, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file], password);
    }
    for (let i = 0; i < 20; i++) await server.append("INBOX", `S11 message ${i}`);
    const env = { ...process.env, MAILBELL_DATA_DIR: data.path, RUST_LOG: "info" };

    const settled = async (what) => {
      await sleep(SETTLE_MS);
      const procs = tree(app.pid);
      console.log(`  ${what}: ${mib(total(procs))} MiB PSS (${describe(procs)})`);
      // Where it lies, per process, with S11_BREAKDOWN=1.
      if (process.env.S11_BREAKDOWN) for (const p of procs) console.log(`    ${p.name}: ${kinds(p.pid)}; ${breakdown(p.pid)}`);
      return total(procs);
    };
    // Every account's watched folders checked once (the store says so, through the CLI).
    const enginesUp = async () => {
      await eventually(`the ${ACCOUNTS} accounts' first pass`, () => {
        const rows = JSON.parse(cli(data.path, ["status", "--json"])).filter((f) => f.watched);
        return new Set(rows.map((f) => f.account)).size === ACCOUNTS && rows.every((f) => f.last_sync_at);
      }, SLOW);
    };

    console.log(`S11 the app with ${ACCOUNTS} accounts (release build, ${bins.app})`);
    // 1. Started at login (--hidden): in the tray, no window ever built.
    app = spawn(bins.app, ["--hidden"], { env, stdio: "ignore" });
    await eventually("the tray icon", () => /tray icon shown/.test(log()), SLOW);
    await enginesUp();
    // The app lightens itself a while after a start in the tray (lean.rs): its settled weight.
    const givenBack = () => (log().match(/idle pages given back/g) ?? []).length;
    await eventually("the app to settle in the tray", () => givenBack() > 0, SLOW);
    const trayFromStart = await settled("in the tray since the start");
    if (mainWindow()) throw new Error("a start in the tray showed the window");

    // 2. Opened, closed to the tray, opened again: the time each "Open" takes to paint.
    const firsts = [];
    const opens = [];
    let openPss = 0;
    let trayPss = 0;
    for (let i = 0; i < OPENS; i++) {
      const before = painted().length;
      const t0 = performance.now();
      const second = spawn(bins.app, [], { env, stdio: "ignore" });
      const ms = await eventually("the window to be painted", () => (painted().length > before ? performance.now() - t0 : null), { timeout: 60_000, interval: 2 });
      opens.push(ms);
      firsts.push(painted().at(-1));
      await eventually("the second launch to exit", () => second.exitCode !== null, SLOW);
      await eventually("the window on screen", () => mainWindow(), SLOW);
      if (i === 0) openPss = await settled("window open");
      const lightened = givenBack();
      closeWindow();
      await eventually("the window to go", () => !mainWindow() && !tree(app.pid).some((p) => /WebProcess/.test(p.name)), SLOW);
      await eventually("the app to settle in the tray", () => givenBack() > lightened, SLOW);
      if (i === 0) trayPss = await settled("closed to the tray (after one open)");
    }
    const trayAfterMany = await settled(`closed to the tray (after ${OPENS} opens)`);
    const sorted = (a) => [...a].sort((x, y) => x - y);
    const median = (a) => sorted(a)[Math.floor(a.length / 2)];
    console.log("");
    console.log("S11 summary (PSS of the app and all its processes; MiB)");
    console.log(`  in the tray, never opened:     ${mib(trayFromStart)}`);
    console.log(`  window open:                   ${mib(openPss)}`);
    console.log(`  closed to the tray:            ${mib(trayPss)}`);
    console.log(`  closed to the tray, ${OPENS} opens:  ${mib(trayAfterMany)}`);
    console.log(`  Open to painted window (ms): in the app median ${median(firsts)} [${firsts.join(", ")}]; from the second launch's start median ${median(opens).toFixed(0)} [${opens.map((x) => x.toFixed(0)).join(", ")}]`);
    console.log(`  earlier figures: about 300 MiB whether open or in the tray (window hidden, webview kept);`);
    console.log(`    with the window in the app's own process: 34-42 MiB in the tray from the start, 75-83 MiB after a window, 232 MiB open, Open to painted 312 ms`);
  } finally {
    if (app && app.exitCode === null) {
      app.kill("SIGTERM");
      await eventually("the app to quit", () => app.exitCode !== null || app.signalCode !== null, SLOW).catch(() => app.kill("SIGKILL"));
    }
    if (process.env.S11_SHOW_LOG) console.error(log());
    await server.stop();
    data.remove();
  }
}

main().catch((e) => {
  console.error(`S11 failed: ${e.message}`);
  process.exit(1);
});
