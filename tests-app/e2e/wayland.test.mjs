// The app on Wayland, under a real compositor: sway (wlroots), run headless on a Wayland
// display of this file's own. Desktops match a window to its desktop entry by the toplevel's
// app id, which must be the desktop file's name (Mailbell.desktop): read here from sway's own
// tree (`swaymsg -t get_tree`), for the window of the app's process. The window must be mapped
// and WebKit must have painted it: the UI says so once its first frame is drawn (the log's
// "window painted"), and a screenshot through the compositor (grim) shows more than one colour
// where the page is.
//
// The app is started directly, as a user starts it (no WebDriver: the compositor is what is
// asked), as a first start without an account, which always opens the window (the setup
// wizard), with GDK_BACKEND=wayland and no DISPLAY, so that GTK cannot fall back to X11.
// Nothing is skipped: a compositor that cannot start fails.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chownSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { bins, descendants, eventually, requireEnvironment, sleep, tempDir } from "./harness.mjs";

/** The desktop file's name without .desktop: src-tauri/src/app_id.rs's APP_ID. */
const APP_ID = "Mailbell";
const SWAY = "/usr/bin/sway";
// Generous: two cores shared with builds.
const SLOW = { timeout: 60_000, interval: 300 };
/** sway refuses to run as root (it checks that it cannot get root back after dropping it): when
 * the tests run as root, the compositor runs as nobody, in a runtime directory of nobody's. */
const NOBODY = 65534;

let runtime, data, sway, socket, ipc, app;

/** Starts a long-running process, its output kept for error messages. */
function start(cmd, args, env) {
  const p = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  p.out = "";
  for (const s of [p.stdout, p.stderr]) {
    s.setEncoding("utf8");
    s.on("data", (d) => (p.out += d));
  }
  p.on("exit", (code, signal) => (p.ended = { code, signal }));
  return p;
}

async function stop(p, signal = "SIGTERM") {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill(signal);
  await Promise.race([once(p, "exit"), sleep(10_000).then(() => p.kill("SIGKILL"))]);
}

/** The environment of the Wayland clients here (the app, swaymsg, grim): the compositor's
 * socket by its full path, since its runtime directory may be nobody's; no X display. */
function waylandEnv(extra = {}) {
  const env = { ...process.env, WAYLAND_DISPLAY: socket, ...extra };
  delete env.DISPLAY;
  return env;
}

/** sway's IPC: a message's reply as JSON. */
function swaymsg(type) {
  const r = spawnSync("swaymsg", ["-s", ipc, "-r", "-t", type], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(`swaymsg -t ${type} (${r.status}): ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

/** Every window (view) in sway's tree, tiled or floating. */
function views() {
  const out = [];
  const walk = (n) => {
    if (n.shell) out.push(n);
    for (const c of [...(n.nodes ?? []), ...(n.floating_nodes ?? [])]) walk(c);
  };
  walk(swaymsg("get_tree"));
  return out;
}

/** Waits for `fn` as `eventually` does, but fails at once, with what `proc` said, when `proc`
 * ends meanwhile (a compositor or an app that died is not waited for until the timeout). */
async function whileRunning(proc, name, what, fn) {
  const r = await eventually(what, () => (proc.ended ? { exited: proc.ended } : fn()), SLOW).catch((e) => {
    throw new Error(`${e.message}; ${name} said: ${proc.out.slice(-3000)}`);
  });
  if (r.exited) throw new Error(`${name} exited (${JSON.stringify(r.exited)}) while waiting for ${what}: ${proc.out.slice(-3000)}`);
  return r;
}

const log = () => (existsSync(path.join(data.path, "mailbell.log")) ? readFileSync(path.join(data.path, "mailbell.log"), "utf8") : "");

/** The distinct colours of a rectangle of a PNG (ImageMagick). */
function colours(png, { x, y, width, height }) {
  const r = spawnSync("convert", [png, "-crop", `${width}x${height}+${x}+${y}`, "+repage", "-format", "%k", "info:"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`convert: ${r.stderr}`);
  return Number(r.stdout.trim());
}

describe("the app on Wayland (sway, headless)", () => {
  before(async () => {
    requireEnvironment();
    for (const [bin, pkg] of [[SWAY, "sway"], ["/usr/bin/swaymsg", "sway"], ["/usr/bin/grim", "grim"]]) {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: install the Debian package ${pkg} (scripts/lib/app.sh APP_TEST_PACKAGES)`);
    }
    runtime = tempDir("mailbell-wayland-run-");
    const root = process.getuid() === 0;
    // No Xwayland (the app must be a Wayland client), no bar, one output of a desktop's size.
    writeFileSync(path.join(runtime.path, "config"), "xwayland disable\noutput HEADLESS-1 resolution 1280x800 position 0 0\n");
    if (root) chownSync(runtime.path, NOBODY, NOBODY);
    const env = {
      PATH: process.env.PATH,
      HOME: runtime.path,
      XDG_RUNTIME_DIR: runtime.path,
      // The headless backend, no input devices, drawn in memory (no GPU here).
      WLR_BACKENDS: "headless",
      WLR_LIBINPUT_NO_DEVICES: "1",
      WLR_RENDERER: "pixman",
    };
    const [cmd, args] = root
      ? ["setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", SWAY, "-c", path.join(runtime.path, "config")]]
      : [SWAY, ["-c", path.join(runtime.path, "config")]];
    sway = start(cmd, args, env);
    // Up once its IPC answers with the output active.
    await whileRunning(sway, "sway", "sway to start (its Wayland socket, its IPC and the headless output)", () => {
      const files = readdirSync(runtime.path);
      const display = files.find((f) => /^wayland-\d+$/.test(f));
      const sock = files.find((f) => /^sway-ipc\..*\.sock$/.test(f));
      if (!display || !sock) return false;
      socket = path.join(runtime.path, display);
      ipc = path.join(runtime.path, sock);
      return swaymsg("get_outputs").some((o) => o.name === "HEADLESS-1" && o.active);
    });
    data = tempDir("mailbell-wayland-e2e-");
  });

  after(async () => {
    await stop(app, "SIGKILL");
    await stop(sway);
    data?.remove();
    runtime?.remove();
  });

  it("maps its window with the desktop file's name as app id, and WebKit paints it", async () => {
    app = start(bins.app, [], waylandEnv({ GDK_BACKEND: "wayland", MAILBELL_DATA_DIR: data.path, RUST_LOG: "info" }));
    // The window belongs to the app's window process, a child of the app's (tray) process.
    const ours = (pid) => pid === app.pid || descendants(app.pid).some((d) => d.pid === pid);
    const view = await whileRunning(app, "the app", "the app's window to be mapped and visible in sway", () =>
      views().find((v) => ours(v.pid) && v.visible && v.rect.width > 0 && v.rect.height > 0),
    );
    assert.equal(view.shell, "xdg_shell", "a native Wayland window");
    assert.equal(view.app_id, APP_ID, "the toplevel's app id is the desktop file's name");
    assert.equal(view.name, "Mailbell", "its title");
    assert.deepEqual(
      views().map((v) => [ours(v.pid), v.app_id]),
      [[true, APP_ID]],
      "one window, the app's",
    );

    // The UI loaded in WebKit and drew its first frame (it tells the app, which logs it).
    await whileRunning(app, "the app", "the UI to say its first frame is painted", () => /window painted/.test(log()));
    // What the compositor shows: the page, not an empty surface. The window's top 80 px are
    // left out (a title bar, where GTK draws one itself, and the page's plain header); the
    // first-start wizard below is text and controls, many colours. A page not painted would be
    // one colour (about 1400 in the wizard seen here).
    const shot = path.join(runtime.path, "screen.png");
    await whileRunning(app, "the app", "a screenshot whose page part WebKit painted", () => {
      const r = spawnSync("grim", ["-o", "HEADLESS-1", shot], { env: waylandEnv(), encoding: "utf8", timeout: 20_000 });
      if (r.status !== 0) throw new Error(`grim (${r.status}): ${r.stderr}`);
      const { x, y, width, height } = views()[0].rect;
      return colours(shot, { x, y: y + 80, width, height: height - 80 }) > 16;
    });
    if (process.env.MAILBELL_SCREENSHOTS) copyFileSync(shot, path.join(process.env.MAILBELL_SCREENSHOTS, "wayland.png"));
    assert.match(log(), /window built/);

    // A logout's SIGTERM: the app quits cleanly under Wayland as well.
    app.kill("SIGTERM");
    await eventually("the app to quit", () => app.ended, SLOW);
    assert.deepEqual(app.ended, { code: 0, signal: null }, `the app did not quit cleanly: ${app.out.slice(-2000)}`);
    await eventually("its window to be gone from sway", () => views().length === 0, SLOW);
  });
});
