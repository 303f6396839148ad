// What every WebDriver test of the real app needs: a private Dovecot (mailbell-testserver), a
// private data dir with an account added by the real `mailbell-cli`, a dbus-monitor on the
// notification interface, and the real app with WebKitWebDriver attached to its window.
//
// Runs inside scripts/app-e2e.sh: Xvfb (DISPLAY) and a private session bus with an unlocked
// gnome-keyring. Nothing is skipped: a component that cannot start fails the test loudly.

import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, get as httpGet } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { remote } from "webdriverio";

const target = process.env.CARGO_TARGET_DIR ?? path.join(process.env.HOME ?? "/root", ".cache/mailbell/target");

export const bins = {
  app: process.env.MAILBELL_APP ?? path.join(target, "debug/mailbell"),
  cli: process.env.MAILBELL_CLI ?? path.join(target, "debug/mailbell-cli"),
  server: process.env.MAILBELL_TESTSERVER ?? path.join(target, "debug/mailbell-testserver"),
  native: process.env.WEBKIT_WEBDRIVER ?? "/usr/bin/WebKitWebDriver",
};

export function requireEnvironment() {
  for (const [name, p] of Object.entries(bins)) {
    if (p.includes("/") && !existsSync(p)) throw new Error(`${name} not found at ${p}: run scripts/app-e2e.sh, which builds it`);
  }
  if (!process.env.DISPLAY) throw new Error("no DISPLAY: run the tests through scripts/app-e2e.sh (Xvfb)");
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error("no session bus: run the tests through scripts/app-e2e.sh (dbus-run-session + gnome-keyring)");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; fails with `what` and the last value or error. */
export async function eventually(what, fn, { timeout = 20_000, interval = 200 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(interval);
  }
}

/** `n` distinct free ports on loopback. All `n` are bound at once before any is let go: ports
 * asked for one after the other can come back equal (the first is free again when the second
 * is asked for), and a driver given the same port as the app's inspector cannot start a session
 * (seen once in CI with tauri-driver's two ports: --port 36639 --native-port 36639). */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      srv.listen(0, "127.0.0.1");
      await once(srv, "listening");
    }
    return servers.map((srv) => srv.address().port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  }
}

/** A private Dovecot, driven over mailbell-testserver's stdin. With `oauth`, also an OAuth2
 * authorization server whose tokens Dovecot accepts (its URLs in `info.oauth`); with
 * `withoutArchive`, no folder is marked \Archive. */
export class TestServer {
  static async start({ oauth = false, withoutArchive = false } = {}) {
    const args = [...(oauth ? ["--oauth"] : []), ...(withoutArchive ? ["--without-archive"] : [])];
    const proc = spawn(bins.server, args, { stdio: ["pipe", "pipe", "inherit"] });
    const lines = readline.createInterface({ input: proc.stdout });
    const it = lines[Symbol.asyncIterator]();
    const first = await Promise.race([
      it.next(),
      once(proc, "exit").then(([code]) => {
        throw new Error(`mailbell-testserver exited (${code}) before Dovecot was up`);
      }),
    ]);
    const s = new TestServer();
    s.proc = proc;
    s.it = it;
    s.info = JSON.parse(first.value);
    s.queue = Promise.resolve();
    return s;
  }

  /** Sends one command and returns its reply (commands run one at a time). */
  command(cmd) {
    const run = async () => {
      this.proc.stdin.write(JSON.stringify(cmd) + "\n");
      const { value, done } = await this.it.next();
      if (done) throw new Error("mailbell-testserver stopped");
      const reply = JSON.parse(value);
      if (!reply.ok) throw new Error(`testserver ${cmd.cmd} failed: ${reply.error}`);
      return reply;
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => {});
    return p;
  }

  append(folder, subject, from, messageId, listId) {
    return this.command({ cmd: "append", folder, subject, ...(from ? { from } : {}), ...(messageId ? { message_id: messageId } : {}), ...(listId ? { list_id: listId } : {}) });
  }

  /** Appends a whole message as given (CRLF line ends); returns its UID. */
  async appendRaw(folder, raw) {
    return (await this.command({ cmd: "append_raw", folder, raw })).uid;
  }

  /** Several messages that arrive together (one MULTIAPPEND): a client sees them in one check. */
  burst(folder, subjects) {
    return this.command({ cmd: "burst", folder, subjects });
  }

  /** Every message of a folder as the server has it: [[uid, [flags]]...], flags sorted. */
  async listFlags(folder) {
    return (await this.command({ cmd: "list_flags", folder })).messages;
  }

  create(folder) {
    return this.command({ cmd: "create", folder });
  }

  /** Changes a message's flags as another mail program would (e.g. `{ add: ["\\Seen"] }`). */
  flags(folder, uid, { add = [], remove = [] }) {
    return this.command({ cmd: "flags", folder, uid, add, remove });
  }

  /** Deletes a message as another mail program would. */
  expunge(folder, uid) {
    return this.command({ cmd: "expunge", folder, uid });
  }

  async stop() {
    this.proc.stdin.end();
    await Promise.race([once(this.proc, "exit"), sleep(10_000).then(() => this.proc.kill("SIGKILL"))]);
  }
}

/** Runs the real CLI against `dataDir`. */
export function cli(dataDir, args, input) {
  const r = spawnSync(bins.cli, ["--data-dir", dataDir, ...args], { input, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`mailbell-cli ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Records the Notify calls on the session bus. */
export class NotifyMonitor {
  static async start() {
    const m = new NotifyMonitor();
    m.out = "";
    m.proc = spawn("dbus-monitor", ["--session", "interface='org.freedesktop.Notifications',member='Notify'"], { stdio: ["ignore", "pipe", "pipe"] });
    m.proc.stdout.setEncoding("utf8");
    m.proc.stdout.on("data", (d) => (m.out += d));
    m.proc.stderr.setEncoding("utf8");
    m.proc.stderr.on("data", (d) => (m.out += d));
    await eventually("dbus-monitor to start", () => m.out.length > 0 || m.proc.exitCode === null, { timeout: 5000 });
    await sleep(300);
    if (m.proc.exitCode !== null) throw new Error(`dbus-monitor exited: ${m.out}`);
    return m;
  }

  /** The Notify calls seen so far, each as [app_name, ..., summary, body]'s strings. */
  calls() {
    return this.out
      .split(/^method call /m)
      .filter((c) => c.includes("member=Notify"))
      .map((c) => [...c.matchAll(/^\s*string "((?:[^"\\]|\\.)*)"/gm)].map((m) => m[1]));
  }

  stop() {
    this.proc.kill();
  }
}

/** The real app with its own data dir, started here, and WebKit's WebDriver attached to its
 * window; `browser` is the WebDriver session of the window that is open now.
 *
 * The window lives in a process of its own, started when it opens and ended when it closes to
 * the tray (src-tauri/src/window.rs), so a session cannot be made by having the driver launch
 * the app (as tauri-driver does): the session would end with the first window. Instead the app
 * runs with WebKit's remote inspector on a loopback port of its own (`WEBKIT_INSPECTOR_SERVER`,
 * which every window process it starts inherits, and automation allowed:
 * `TAURI_WEBVIEW_AUTOMATION`), and WebKitWebDriver is told to connect to that port
 * (`--target`) for each new session: one session per window, made again by `followWindow`. */
export class App {
  static async start({ dataDir, env = {}, args = [] }) {
    const a = new App();
    a.dataDir = dataDir;
    const [port, inspector] = await freePorts(2);
    a.port = port;
    a.driverLog = "";
    const collect = (proc, who) => {
      for (const s of [proc.stdout, proc.stderr]) {
        s.setEncoding("utf8");
        s.on("data", (d) => (a.driverLog += d.replace(/^/gm, `${who}: `)));
      }
    };
    a.proc = spawn(bins.app, args, {
      env: {
        ...process.env,
        MAILBELL_DATA_DIR: dataDir,
        RUST_LOG: "info",
        WEBKIT_INSPECTOR_SERVER: `127.0.0.1:${inspector}`,
        TAURI_WEBVIEW_AUTOMATION: "true",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    collect(a.proc, "app");
    a.driver = spawn(bins.native, [`--port=${port}`, `--target=127.0.0.1:${inspector}`], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    collect(a.driver, "WebKitWebDriver");
    // The session follows whichever window process is current; tests keep `app.browser`.
    a.browser = new Proxy(
      {},
      {
        get: (_, key) => {
          const v = a.session?.[key];
          return typeof v === "function" ? v.bind(a.session) : v;
        },
      },
    );
    try {
      await eventually("WebKitWebDriver to listen", () => canConnect(port), { timeout: 15_000 });
      await a.attach();
    } catch (e) {
      // Why the session did not start is in what the driver and the app said.
      await a.stop().catch(() => {});
      throw new Error(`${e.message}\n--- WebKitWebDriver and the app said:\n${a.driverLog.slice(-4000)}`);
    }
    return a;
  }

  /** A new WebDriver session with the window that is open now, once its process listens. */
  async attach() {
    if (this.proc.exitCode !== null) throw new Error(`the app exited (${this.proc.exitCode})`);
    this.session = await eventually(
      "a WebDriver session with the app's window",
      () => {
        if (this.proc.exitCode !== null) throw new Error(`the app exited (${this.proc.exitCode})`);
        return remote({ hostname: "127.0.0.1", port: this.port, logLevel: "silent", connectionRetryCount: 0, capabilities: {} });
      },
      { timeout: 60_000, interval: 250 },
    );
  }

  /** The app's own process (the tray process; the window's process is its child). */
  appPid() {
    if (this.proc.exitCode !== null || !running(this.proc.pid)) throw new Error("the app's process is not running");
    return this.proc.pid;
  }

  /** The names of the app's processes under it (the window's, and WebKit's web and network
   * processes under that). */
  appChildren() {
    return descendants(this.appPid()).map((p) => p.name);
  }

  /** The app ends its window's process when the window is closed to the tray and starts a new
   * one when it is opened: the session of the old one has ended with it. This makes a session
   * with the new one and waits for its UI to have loaded. */
  async followWindow() {
    try {
      await this.session?.deleteSession();
    } catch {
      // ended with its window already
    }
    await this.attach();
    await eventually("the new window's UI", () => this.session.execute(() => document.readyState === "complete" && !!document.getElementById("main")?.dataset.view));
  }

  /** Quits the app as a logout does (SIGTERM: its engine finishes, the window's size and place
   * are saved) and waits for it to end; stop() then ends the driver. */
  async quit() {
    const pid = this.appPid();
    process.kill(pid, "SIGTERM");
    await eventually("the app to quit", () => !running(pid), { timeout: 30_000, interval: 100 });
  }

  async stop() {
    try {
      await this.session?.deleteSession();
    } catch {
      // the window may be gone already
    }
    const left = [this.proc, this.driver].filter(Boolean).flatMap((p) => [p.pid, ...descendants(p.pid).map((d) => d.pid)]);
    for (const p of [this.proc, this.driver].filter(Boolean)) {
      const group = (signal) => {
        try {
          process.kill(-p.pid, signal);
        } catch {
          // the whole group is gone already
        }
      };
      // SIGTERM first: the app quits as at a logout (its engine finishes).
      group("SIGTERM");
      if (p.exitCode === null) await Promise.race([once(p, "exit"), sleep(10_000)]);
      group("SIGKILL");
      p.stdout?.destroy();
      p.stderr?.destroy();
    }
    // Gone for real before the next app starts: an app still dying holds its single-instance
    // name on the session bus, and a new one that finds the name taken hands its arguments
    // over and exits.
    await eventually("the app's processes to end", () => left.every((pid) => !running(pid)), { timeout: 15_000 });
    await eventually("the app's single-instance name to go", () => !busNames().some((n) => n.startsWith("org.mailbell.app.SingleInstance")), {
      timeout: 15_000,
    });
  }
}

/** The names owned on the session bus (none when there is no session bus). */
function busNames() {
  const r = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (r.status !== 0) return [];
  return [...r.stdout.matchAll(/string "([^"]*)"/g)].map((m) => m[1]);
}

/** Whether a process runs (a zombie, ended but not yet reaped, does not). */
function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The processes under `pid` (its descendants, not itself): [{ pid, name }]. */
export function descendants(pid) {
  const out = [];
  const walk = (p) => {
    let kids = [];
    try {
      for (const task of readdirSync(`/proc/${p}/task`)) {
        kids.push(...readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      kids = []; // gone meanwhile
    }
    for (const k of kids) {
      let name = "?";
      try {
        name = readFileSync(`/proc/${k}/comm`, "utf8").trim();
      } catch {
        continue;
      }
      out.push({ pid: k, name });
      walk(k);
    }
  };
  walk(pid);
  return out;
}

async function canConnect(port) {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

export function tempDir(prefix) {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: d, remove: () => rmSync(d, { recursive: true, force: true }) };
}

/** Saves a screenshot of the whole X screen (app window, notifications) when asked to. */
export function screenshot(name) {
  const dir = process.env.MAILBELL_SCREENSHOTS;
  if (!dir) return;
  const r = spawnSync("import", ["-window", "root", path.join(dir, `${name}.png`)]);
  if (r.status !== 0) throw new Error(`screenshot failed: ${r.stderr}`);
}

/** What the tests do in the window. The window re-renders its views on every engine event, so
 * elements go stale quickly: reads happen in one script each, and clicks find their element
 * again when a render replaced it meanwhile. */
export function windowHelpers(browser) {
  const textOf = (selector) => browser.execute((sel) => document.querySelector(sel)?.textContent ?? null, selector);

  /** Runs `op` on the element `selector` finds, finding it again when a render replaced it. */
  async function onElement(selector, op) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(await browser.$(selector));
      } catch (e) {
        if (attempt >= 8 || !/stale|was not found|no such element/i.test(String(e?.message))) throw e;
        await sleep(50);
      }
    }
  }

  const click = (selector) => onElement(selector, (el) => el.click());

  const currentView = () => browser.execute(() => document.getElementById("main")?.dataset.view);

  async function tab(name) {
    await click(`[data-test="tab-${name}"]`);
    await eventually(`the ${name} view`, async () => (await currentView()) === name, { timeout: 5000 });
  }

  /** A folder's row in Accounts as shown: null when it is not listed. */
  const folder = (name) =>
    browser.execute((f) => {
      const row = [...document.querySelectorAll('[data-test="folder"]')].find((r) => r.getAttribute("data-folder") === f);
      if (!row) return null;
      return {
        state: row.querySelector('[data-test="folder-state"]')?.getAttribute("data-state") ?? null,
        detail: row.querySelector('[data-test="folder-detail"]')?.textContent ?? "",
        fresh: row.querySelector('[data-test="folder-new"]')?.textContent ?? null,
      };
    }, name);

  return { textOf, onElement, click, tab, currentView, folder };
}

/** Reads the password the Secret Service holds for an account; null when there is none. */
export function keyringPassword(accountId) {
  const r = spawnSync("secret-tool", ["lookup", "service", "mailbell", "username", accountId], { encoding: "utf8" });
  return r.status === 0 ? r.stdout : null;
}

/** A Mozilla autoconfig server on loopback: `/<domain>.xml` answers for every domain, pointing
 * at `host:port` with implicit TLS and the address's local part as the user name. The app finds
 * it through MAILBELL_AUTOCONFIG_URL (see `env`). */
export class AutoconfigServer {
  static async start({ host, port }) {
    const a = new AutoconfigServer();
    a.requests = [];
    a.http = createHttpServer((req, res) => {
      a.requests.push(req.url);
      const domain = /^\/([^/]+)\.xml$/.exec(req.url ?? "")?.[1];
      if (!domain) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(`<?xml version="1.0"?>
<clientConfig version="1.1">
 <emailProvider id="${domain}">
  <domain>${domain}</domain>
  <displayName>Mailbell test mail</displayName>
  <incomingServer type="imap">
   <hostname>${host}</hostname>
   <port>${port}</port>
   <socketType>SSL</socketType>
   <username>%EMAILLOCALPART%</username>
   <authentication>password-cleartext</authentication>
  </incomingServer>
 </emailProvider>
</clientConfig>
`);
    });
    a.http.listen(0, "127.0.0.1");
    await once(a.http, "listening");
    a.port = a.http.address().port;
    return a;
  }

  /** The URL template the app is given. */
  get template() {
    return `http://127.0.0.1:${this.port}/{domain}.xml`;
  }

  /** The environment that makes the app's discovery ask this server only. */
  get env() {
    return { MAILBELL_AUTOCONFIG_URL: this.template, MAILBELL_ISPDB_URL: "", MAILBELL_GUESS_PORTS: "" };
  }

  stop() {
    return new Promise((r) => this.http.close(r));
  }
}

function get(url) {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on("error", reject);
  });
}

/** The browser's part of an OAuth2 sign-in against mailbell-testserver --oauth: GETs the consent
 * page the app built (the test server consents at once, redirecting to the app's loopback
 * listener), then that redirect. Returns the redirect and the page the app answered with. */
export async function browserSignIn(url) {
  const consent = await get(url);
  if (consent.status !== 302) throw new Error(`the authorization server answered ${consent.status}: ${consent.body}`);
  const redirect = consent.headers.location;
  return { redirect, landing: await get(redirect) };
}
