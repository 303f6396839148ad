// The tray icon against real tray hosts: Ayatana's indicator service (a StatusNotifierWatcher
// with its host, what libayatana-appindicator registers with) and trayer (an XEmbed tray),
// started before the app, 30 s after it, and restarted while it runs. The icon's state is read
// over D-Bus from the app's StatusNotifierItem (found through the watcher's
// RegisteredStatusNotifierItems), its menu is clicked through com.canonical.dbusmenu, and each
// item's effect is checked in the real app (a pass against Dovecot, the pause setting, the
// window, a clean exit).
//
// The app runs as at login (`--hidden`), directly (no WebDriver: the window is checked on the X
// display), on an X display of this file's own, so that the trayer scripts/app-e2e.sh starts
// for the other tests is not in the way. Nothing is skipped: a host that cannot start fails.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync, existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { bins, cli, eventually, requireEnvironment, sleep, tempDir, TestServer } from "./harness.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SNI_SERVICE = "/usr/libexec/ayatana-indicator-application/ayatana-indicator-application-service";
const WATCHER = "org.kde.StatusNotifierWatcher";
const ICONS = { idle: "tray.png", new: "tray-new.png", error: "tray-error.png", paused: "tray-paused.png" };
const EMAIL = "alice@localhost";
const BAD_EMAIL = "bob@localhost";
// Generous: two cores shared with builds.
const SLOW = { timeout: 60_000, interval: 300 };

let server, data, display, xvfb;
const procs = new Set();

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000, ...opts, env: { ...process.env, DISPLAY: display, ...(opts.env ?? {}) } });
}

function gdbus(args) {
  const r = run("gdbus", ["call", "--session", ...args]);
  if (r.status !== 0) throw new Error(`gdbus ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Starts a long-running helper on this file's display; it is stopped at the end in any case. */
function start(cmd, args, env = {}) {
  const p = spawn(cmd, args, { env: { ...process.env, DISPLAY: display, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  p.out = "";
  for (const s of [p.stdout, p.stderr]) {
    s.setEncoding("utf8");
    s.on("data", (d) => (p.out += d));
  }
  procs.add(p);
  p.on("exit", () => procs.delete(p));
  return p;
}

async function stop(p, signal = "SIGTERM") {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill(signal);
  await Promise.race([once(p, "exit"), sleep(10_000).then(() => p.kill("SIGKILL"))]);
}

// ---- the hosts ------------------------------------------------------------------------------

function watcherOwner() {
  const r = run("gdbus", ["call", "--session", "-d", "org.freedesktop.DBus", "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.GetNameOwner", WATCHER]);
  return r.status === 0 ? /'([^']+)'/.exec(r.stdout)?.[1] ?? null : null;
}

function hostRegistered() {
  try {
    return /true/.test(gdbus(["-d", WATCHER, "-o", "/StatusNotifierWatcher", "-m", "org.freedesktop.DBus.Properties.Get", WATCHER, "IsStatusNotifierHostRegistered"]));
  } catch {
    return false;
  }
}

/** Ayatana's indicator service: a StatusNotifierWatcher that is its own host. */
async function startSni() {
  if (!existsSync(SNI_SERVICE)) throw new Error(`${SNI_SERVICE} is missing: install the Debian package ayatana-indicator-application (scripts/lib/setup.sh APP_TEST_PACKAGES)`);
  assert.equal(watcherOwner(), null, "a StatusNotifierWatcher already runs on this bus");
  const p = start(SNI_SERVICE, []);
  await eventually("the StatusNotifierWatcher and its host to be up", () => {
    if (p.exitCode !== null) throw new Error(`the indicator service exited (${p.exitCode}): ${p.out}`);
    return watcherOwner() && hostRegistered();
  }, SLOW);
  return p;
}

async function stopSni(p) {
  await stop(p);
  await eventually("the StatusNotifierWatcher to be gone", () => watcherOwner() === null, SLOW);
}

function xembedOwner() {
  const r = run("/usr/bin/python3", ["-c", 'from Xlib import display; d = display.Display(); o = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0")); print(getattr(o, "id", o))']);
  if (r.status !== 0) throw new Error(`python3-xlib: ${r.stderr}`);
  const w = Number(r.stdout.trim());
  return w > 0 ? w : null;
}

async function startTrayer() {
  assert.equal(xembedOwner(), null, "an XEmbed tray already runs on this display");
  const p = start("trayer", ["--edge", "bottom", "--align", "right", "--widthtype", "request", "--height", "28"]);
  await eventually("trayer to take the system tray selection", () => {
    if (p.exitCode !== null) throw new Error(`trayer exited (${p.exitCode}): ${p.out}`);
    return xembedOwner();
  }, SLOW).catch((e) => {
    throw new Error(`${e.message}; trayer said: ${p.out}`);
  });
  return p;
}

async function stopTrayer(p) {
  await stop(p);
  await eventually("the system tray selection to be free", () => xembedOwner() === null, SLOW);
}

/** Whether Mailbell's tray icon window sits inside another window (docked in an XEmbed tray). */
function iconDocked() {
  const r = run("/usr/bin/python3", [
    "-c",
    `from Xlib import display
d = display.Display()
def walk(w, depth):
    for c in w.query_tree().children:
        try:
            cls = c.get_wm_class() or ()
        except Exception:
            cls = ()
        if "tray-icon tray app mailbell" in cls and depth > 0 and c.get_attributes().map_state != 0:
            raise SystemExit(0)
        walk(c, depth + 1)
walk(d.screen().root, 0)
raise SystemExit(1)`,
  ]);
  return r.status === 0;
}

// ---- the app's StatusNotifierItem -----------------------------------------------------------

/** The app's item as the watcher lists it: { dest, path } or null. */
function item() {
  let out;
  try {
    out = gdbus(["-d", WATCHER, "-o", "/StatusNotifierWatcher", "-m", "org.freedesktop.DBus.Properties.Get", WATCHER, "RegisteredStatusNotifierItems"]);
  } catch {
    return null;
  }
  const entry = [...out.matchAll(/'([^']+)'/g)].map((m) => m[1]).find((e) => e.includes("mailbell"));
  if (!entry) return null;
  const slash = entry.indexOf("/");
  return { dest: entry.slice(0, slash), path: entry.slice(slash) };
}

/** The item's properties we check: icon file, label (the count), menu path. */
function props(it) {
  const out = gdbus(["-d", it.dest, "-o", it.path, "-m", "org.freedesktop.DBus.Properties.GetAll", "org.kde.StatusNotifierItem"]);
  const str = (name) => new RegExp(`'${name}': <'([^']*)'>`).exec(out)?.[1] ?? null;
  return { iconName: str("IconName"), themePath: str("IconThemePath"), label: str("XAyatanaLabel"), status: str("Status"), menu: /'Menu': <objectpath '([^']+)'>/.exec(out)?.[1] ?? null };
}

/** Which of Mailbell's bells the icon file shows, compared pixel by pixel with icons/tray*.png. */
function iconKind(p) {
  let file = p.iconName ?? "";
  if (!file.startsWith("/")) file = path.join(p.themePath ?? "", `${file}.png`);
  if (!existsSync(file)) return `missing ${file}`;
  for (const [kind, png] of Object.entries(ICONS)) {
    const r = spawnSync("compare", ["-metric", "AE", path.join(ROOT, "icons", png), file, "null:"], { encoding: "utf8" });
    if (r.stderr.trim() === "0") return kind;
  }
  return `unknown ${file}`;
}

/** The icon's state: { kind, label }, null while no item is registered. */
function trayState() {
  const it = item();
  if (!it) return null;
  const p = props(it);
  return { kind: iconKind(p), label: p.label ?? "", dest: it.dest };
}

async function expectState(what, kind, label) {
  let last;
  await eventually(`the tray to show ${what} (${kind}, label "${label}")`, () => {
    last = trayState();
    return last && [kind].flat().includes(last.kind) && (label === null || last.label === label);
  }, SLOW).catch((e) => {
    throw new Error(`${e.message}; shown: ${JSON.stringify(last)}`);
  });
  return last;
}

/** The menu's items: [{ id, label, toggle }] (separators left out). */
function menuItems() {
  const it = item();
  if (!it) throw new Error("no tray item registered");
  const menu = props(it).menu;
  const out = gdbus(["-d", it.dest, "-o", menu, "-m", "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "[]"]);
  return [...out.matchAll(/\((\d+), \{([^}]*)\}, (?:@av )?\[\]\)/g)]
    .map((m) => ({
      id: Number(m[1]),
      label: /'label': <'([^']*)'>/.exec(m[2])?.[1] ?? null,
      toggle: Number(/'toggle-state': <(-?\d+)>/.exec(m[2])?.[1] ?? -1),
      separator: /'type': <'separator'>/.test(m[2]),
    }))
    .filter((i) => !i.separator);
}

function menuItem(label) {
  const items = menuItems();
  const found = items.find((i) => (label instanceof RegExp ? label.test(i.label ?? "") : i.label === label));
  if (!found) throw new Error(`no menu item ${label}; the menu: ${JSON.stringify(items.map((i) => i.label))}`);
  return found;
}

/** A message of the German tray catalogue (locales/de/tray.ftl), its variables filled in. */
function germanTray(id, vars = {}) {
  const ftl = readFileSync(path.join(ROOT, "locales/de/tray.ftl"), "utf8");
  const line = new RegExp(`^${id} = (.+)$`, "m").exec(ftl)?.[1];
  if (!line) throw new Error(`no single-line message ${id} in locales/de/tray.ftl`);
  return line.replace(/\{ \$(\w+) \}/g, (_, name) => vars[name]);
}

/** Clicks a menu item as the host does (dbusmenu Event "clicked"). */
function clickMenu(label) {
  const it = item();
  const { menu } = props(it);
  const { id } = menuItem(label);
  gdbus(["-d", it.dest, "-o", menu, "-m", "com.canonical.dbusmenu.Event", "--", String(id), "clicked", "<int32 0>", "0"]);
}

// ---- the app --------------------------------------------------------------------------------

const log = () => (existsSync(path.join(data.path, "mailbell.log")) ? readFileSync(path.join(data.path, "mailbell.log"), "utf8") : "");
const logCount = (re) => (log().match(new RegExp(re.source, "g")) ?? []).length;

function windowShown() {
  const r = run("xdotool", ["search", "--onlyvisible", "--class", "^Mailbell$"]);
  return r.stdout.trim().length > 0;
}

function startApp(env = {}) {
  const app = start(bins.app, ["--hidden"], { MAILBELL_DATA_DIR: data.path, RUST_LOG: "info", ...env });
  app.on("exit", (code, signal) => (app.ended = { code, signal }));
  return app;
}

async function expectWindow(shown, why) {
  await eventually(why, () => windowShown() === shown, SLOW);
}

async function quitApp(app) {
  await stop(app);
  assert.deepEqual(app.ended, { code: 0, signal: null }, `the app did not quit cleanly: ${app.out.slice(-2000)}`);
}

function screenshot(name) {
  const dir = process.env.MAILBELL_SCREENSHOTS;
  if (!dir) return;
  const r = run("import", ["-window", "root", path.join(dir, `${name}.png`)]);
  if (r.status !== 0) throw new Error(`screenshot failed: ${r.stderr}`);
}

describe("the tray icon with real tray hosts", () => {
  before(async () => {
    requireEnvironment();
    // A display of this file's own, without the trayer app-e2e.sh runs for the other tests.
    const fd = tempDir("mailbell-tray-x-");
    xvfb = spawn("sh", ["-c", `exec Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"${fd.path}/d"`], { stdio: "ignore" });
    procs.add(xvfb);
    display = await eventually("Xvfb to start", () => {
      const f = path.join(fd.path, "d");
      const n = existsSync(f) ? readFileSync(f, "utf8").trim() : "";
      return n ? `:${n}` : null;
    }, SLOW);
    fd.remove();
    assert.equal(watcherOwner(), null, "a StatusNotifierWatcher runs already on the test bus");
    server = await TestServer.start();
    data = tempDir("mailbell-tray-e2e-");
    const { host, tls_port, ca_file, user, password } = server.info;
    cli(data.path, ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"], password);
  });

  after(async () => {
    for (const p of [...procs].filter((p) => p !== xvfb)) await stop(p, "SIGKILL");
    await server?.stop();
    await stop(xvfb);
    data?.remove();
    for (const f of readdirSync("/tmp").filter((f) => f.startsWith("mailbell-tray-x-"))) spawnSync("rm", ["-rf", path.join("/tmp", f)]);
  });

  it("with a StatusNotifierWatcher up first: idle, new mail with its count, paused, an account that needs the user; every menu item works; a restarted host gets the icon again", async () => {
    const sni = await startSni();
    const app = startApp();
    try {
      const first = await expectState("the idle bell", "idle", "");
      assert.equal(windowShown(), false, "a start in the tray with a tray host showed the window");
      assert.deepEqual(
        menuItems().map((i) => i.label),
        ["Open Mailbell", "Check now", "Pause notifications", "Quit Mailbell"],
      );
      assert.equal(menuItem("Pause notifications").toggle, 0);

      // New mail: the amber bell, the count as label.
      await server.append("INBOX", `Tray one ${Date.now()}`);
      await expectState("new mail", "new", "1");
      await server.append("INBOX", `Tray two ${Date.now()}`);
      await expectState("new mail", "new", "2");

      // Pause notifications: the setting, the check mark, the paused bell; and back.
      clickMenu("Pause notifications");
      await expectState("paused", "paused", "2");
      await eventually("the pause to be checked in the menu", () => menuItem("Pause notifications").toggle === 1, SLOW);
      assert.match(log(), /settings changed new=Settings \{[^}]*paused: true/);
      clickMenu("Pause notifications");
      await expectState("new mail again", "new", "2");
      assert.equal(menuItem("Pause notifications").toggle, 0);

      // An account that needs the user (a wrong password, added by the CLI while the app runs):
      // the error badge and its menu item.
      const { host, tls_port, ca_file } = server.info;
      const bad = cli(data.path, ["account", "add", "--email", BAD_EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", "nobody", "--password-stdin", "--ca-file", ca_file, "--interval", "3600"], "wrong").trim();
      await expectState("an account that needs the user", "error", "2");
      const attention = menuItem(`${BAD_EMAIL}: sign in again`);
      assert.ok(attention);

      // Check now: a pass runs (one more login refused by Dovecot for that account).
      const failures = new RegExp(`pass ended with an error account=${bad}`);
      await sleep(2000);
      const before = logCount(failures);
      assert.ok(before >= 1, "no failed pass logged for the account with the wrong password");
      clickMenu("Check now");
      await eventually("Check now to run a pass", () => logCount(failures) > before, SLOW);
      assert.match(log(), /tray: check now/);

      // The account's item opens the window.
      clickMenu(`${BAD_EMAIL}: sign in again`);
      await expectWindow(true, "the window to open from the account's menu item");
      screenshot("tray-sni-error");

      cli(data.path, ["account", "remove", bad]);
      await expectState("new mail once the account is gone", "new", "2");
      await eventually("the account's item to leave the menu", () => !menuItems().some((i) => i.label?.includes(BAD_EMAIL)), SLOW);

      // The host restarts (a panel restarting): the icon registers with the new one.
      await stopSni(sni);
      const sni2 = await startSni();
      const again = await expectState("the icon registered with the restarted host", "new", "2");
      assert.equal(again.dest, first.dest, "the item is the app's own");
      const owner = watcherOwner();
      await eventually("the app to report the new host", () => log().includes(`tray icon shown host=StatusNotifierWatcher on the session bus owner=${owner}`), SLOW);

      // Open, then Quit: the app ends cleanly.
      clickMenu("Open Mailbell");
      await expectWindow(true, "the window to be open");
      clickMenu("Quit Mailbell");
      await eventually("the app to quit", () => app.ended, SLOW);
      assert.deepEqual(app.ended, { code: 0, signal: null }, `the app did not quit cleanly: ${app.out.slice(-2000)}`);
      assert.match(log(), /tray: quit/);
      await stopSni(sni2);
    } finally {
      await stop(app, "SIGKILL");
      for (const p of procs) if (p.spawnfile === SNI_SERVICE) await stop(p);
      await eventually("no watcher left", () => watcherOwner() === null, SLOW);
    }
  });

  it("without a host at login: the window opens, a watcher 30 s later takes the icon back to the tray; losing every host shows the window; a late and a restarted XEmbed tray dock the icon", async () => {
    const app = startApp();
    try {
      // No host: after the patience, the help once and the window (never running invisible).
      await expectWindow(true, "the window to open for want of a tray");
      assert.equal(logCount(/no system tray on this desktop/), 1);
      await sleep(30_000 - 10_000);
      assert.equal(app.ended, undefined, "the app exited");

      // A StatusNotifierWatcher 30 s after the start: the icon registers, the window goes back.
      const sni = await startSni();
      // (The count is the first test's business: any bell of a working account will do.)
      await expectState("the icon with the late host", ["new", "idle"], null);
      await expectWindow(false, "the window to go back to the tray");
      assert.match(log(), /a tray host came: the window goes back to the tray/);

      // The last host goes away: the window is shown again.
      await stopSni(sni);
      await expectWindow(true, "the window to open once no host is left");
      assert.equal(logCount(/no system tray on this desktop/), 1, "the help is said once per run");

      // An XEmbed tray (trayer) appears: the icon docks, the window goes back to the tray.
      const trayer = await startTrayer();
      await eventually("the icon to dock in trayer", iconDocked, SLOW);
      await expectWindow(false, "the window to go back to the tray (XEmbed)");
      await eventually("the app to take trayer as its host", () => /tray icon shown host=XEmbed/.test(log()), SLOW);
      screenshot("tray-xembed");

      // trayer restarts: the icon docks in the new one. (A restart within the app's 1 s look
      // may reuse the window id: to the app the host never left, and GTK's icon docks itself.)
      await stopTrayer(trayer);
      await eventually("the icon to leave the dead tray", () => !iconDocked(), SLOW);
      const trayer2 = await startTrayer();
      await eventually("the icon to dock in the restarted trayer", iconDocked, SLOW);
      await expectWindow(false, "the window to stay in the tray");

      await quitApp(app);
      await stopTrayer(trayer2);
    } finally {
      await stop(app, "SIGKILL");
    }
  });

  it("speaks the desktop's language in the menu: under LANG=de_DE.UTF-8 every label is the German catalogue's", async () => {
    const sni = await startSni();
    const { host, tls_port, ca_file } = server.info;
    // An account that needs the user, for its menu item.
    const bad = cli(data.path, ["account", "add", "--email", BAD_EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", "nobody", "--password-stdin", "--ca-file", ca_file, "--interval", "3600"], "wrong").trim();
    // The locale as a German session sets it; LC_ALL and LANGUAGE would outrank LANG.
    const app = startApp({ LANG: "de_DE.UTF-8", LC_ALL: "", LC_MESSAGES: "", LANGUAGE: "" });
    try {
      await expectState("the bell of an account that needs the user", "error", null);
      const expected = [
        germanTray("tray-open"),
        germanTray("tray-check-now"),
        germanTray("tray-pause"),
        germanTray("tray-account-sign-in", { account: BAD_EMAIL }),
        germanTray("tray-quit"),
      ];
      assert.deepEqual(expected.slice(0, 3), ["Mailbell öffnen", "Jetzt abrufen", "Benachrichtigungen pausieren"], "the catalogue as read");
      let labels;
      await eventually("the German menu with the account's item", () => {
        labels = menuItems().map((i) => i.label);
        return expected.every((l) => labels.includes(l));
      }, SLOW).catch((e) => {
        throw new Error(`${e.message}; the menu: ${JSON.stringify(labels)}`);
      });
      assert.deepEqual([...labels].sort(), [...expected].sort(), "every label is the German catalogue's, and nothing else is in the menu");
      clickMenu(germanTray("tray-quit"));
      await eventually("the app to quit", () => app.ended, SLOW);
      assert.deepEqual(app.ended, { code: 0, signal: null }, `the app did not quit cleanly: ${app.out.slice(-2000)}`);
    } finally {
      await stop(app, "SIGKILL");
      cli(data.path, ["account", "remove", bad]);
      await stopSni(sni);
    }
  });
});
