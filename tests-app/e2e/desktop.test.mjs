// The app as a desktop citizen: its notifications as a real D-Bus monitor sees them on the
// session bus (dunst is the server): the hints desktops group and route them by
// (category, desktop-entry, urgency), the icon by its theme name, one summary replaced rather
// than stacked while it grows, and a sound only once the user turned it on; and the window's
// WM_CLASS, which must be the desktop file's name (Mailbell.desktop) for desktops to match the
// window to its entry.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { App, cli, eventually, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const EMAIL = "alice@localhost";
/** The desktop file's name without .desktop (Tauri's bundler names it after productName). */
const APP_ID = "Mailbell";

/** Records Notify calls and the notification server's answers to them (a real dbus-monitor). */
class NotifyRecorder {
  static async start() {
    const r = new NotifyRecorder();
    r.out = "";
    r.proc = spawn(
      "dbus-monitor",
      ["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'", "type='method_return',sender='org.freedesktop.Notifications'"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    for (const s of [r.proc.stdout, r.proc.stderr]) {
      s.setEncoding("utf8");
      s.on("data", (d) => (r.out += d));
    }
    await eventually("dbus-monitor to start", () => r.out.length > 0, { timeout: 10_000 });
    if (r.proc.exitCode !== null) throw new Error(`dbus-monitor exited: ${r.out}`);
    return r;
  }

  /** Every Notify call so far, with the id the server returned for it (null before the answer):
   * { sender, serial, appName, replaces, icon, summary, body, actions, hints: {key: {type, value}}, id }. */
  calls() {
    const chunks = this.out.split(/^(?=method call |method return |signal |error )/m);
    const calls = [];
    const returns = new Map();
    for (const chunk of chunks) {
      const header = chunk.slice(0, chunk.indexOf("\n"));
      if (chunk.startsWith("method return ")) {
        const to = /destination=(\S+)/.exec(header)?.[1];
        const serial = /reply_serial=(\d+)/.exec(header)?.[1];
        const id = /^\s*uint32 (\d+)/m.exec(chunk.slice(header.length))?.[1];
        if (to && serial && id) returns.set(`${to}/${serial}`, Number(id));
      } else if (chunk.startsWith("method call ") && header.includes("member=Notify")) {
        const call = parseNotify(tokens(chunk.slice(header.length + 1)));
        call.sender = /sender=(\S+)/.exec(header)?.[1];
        call.serial = /serial=(\d+)/.exec(header)?.[1];
        calls.push(call);
      }
    }
    for (const c of calls) c.id = returns.get(`${c.sender}/${c.serial}`) ?? null;
    return calls;
  }

  stop() {
    this.proc.kill();
  }
}

/** dbus-monitor's printed values as tokens. A string may span lines (a body's line breaks are
 * printed as they are): it ends at a line that ends with a quote. */
function tokens(text) {
  const lines = text.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (!line) continue;
    const variant = line.startsWith("variant");
    if (variant) line = line.slice("variant".length).trim();
    let m;
    if ((m = /^string "(.*)$/s.exec(line))) {
      let s = m[1];
      while (!s.endsWith('"') && i + 1 < lines.length) s += "\n" + lines[++i];
      out.push({ type: "string", value: s.slice(0, -1), variant });
    } else if ((m = /^(uint32|int32|byte|boolean) (\S+)$/.exec(line))) {
      const value = m[1] === "boolean" ? m[2] === "true" : Number(m[2]);
      out.push({ type: m[1], value, variant });
    } else if (line === "array [") out.push({ type: "[" });
    else if (line === "]") out.push({ type: "]" });
    else if (line === "dict entry(") out.push({ type: "(" });
    else if (line === ")") out.push({ type: ")" });
    else out.push({ type: "?", value: line });
  }
  return out;
}

/** Notify(app_name s, replaces_id u, app_icon s, summary s, body s, actions as, hints a{sv}, expire_timeout i). */
function parseNotify(t) {
  let i = 0;
  const take = (type) => {
    const tok = t[i++];
    if (tok?.type !== type) throw new Error(`Notify: expected ${type} at ${i - 1}, got ${JSON.stringify(tok)}`);
    return tok;
  };
  const call = { appName: take("string").value, replaces: take("uint32").value, icon: take("string").value, summary: take("string").value, body: take("string").value, actions: [], hints: {} };
  take("[");
  while (t[i]?.type === "string") call.actions.push(t[i++].value);
  take("]");
  take("[");
  while (t[i]?.type === "(") {
    i++;
    const key = take("string").value;
    const v = t[i++];
    call.hints[key] = { type: v.type, value: v.value };
    take(")");
  }
  take("]");
  call.expire = take("int32").value;
  return call;
}

let server, data, icons, recorder, app, browser;
let click, tab, folder;

const syncFolder = (name) => click(`[data-test="folder"][data-folder="${name}"] [data-test="sync-folder"]`);
const dunstctl = (...args) => {
  const r = spawnSync("dunstctl", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `dunstctl ${args.join(" ")}: ${r.stderr}`);
};
/** Appends a message to INBOX and has the folder checked at once (push would bring it too). */
async function deliver(subject) {
  await server.append("INBOX", subject);
  await tab("accounts");
  await syncFolder("INBOX");
}
/** Waits until the app applied a setting: its log's latest "settings changed" says `words`. */
const settingApplied = (words) =>
  eventually(`the log to say the settings changed (${words})`, () =>
    readFileSync(path.join(data.path, "mailbell.log"), "utf8")
      .split("\n")
      .filter((l) => l.includes("settings changed"))
      .at(-1)
      ?.includes(words),
  );
/** The Notify calls about a subject (a single message's body starts with it, a summary names it). */
const about = (subject) => recorder.calls().filter((c) => c.body.includes(subject));

describe("The app on the desktop", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    await server.create("Work");
    data = tempDir("mailbell-desktop-e2e-");
    const { host, tls_port, ca_file, user, password } = server.info;
    cli(
      data.path,
      ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
      password,
    );
    // Mailbell "installed": its icon in the hicolor theme of a data directory, as the packages
    // put it (/usr/share/icons/hicolor/64x64/apps/mailbell.png).
    icons = tempDir("mailbell-desktop-icons-");
    mkdirSync(path.join(icons.path, "icons/hicolor/64x64/apps"), { recursive: true });
    copyFileSync(new URL("../../icons/64x64.png", import.meta.url), path.join(icons.path, "icons/hicolor/64x64/apps/mailbell.png"));
    recorder = await NotifyRecorder.start();
    app = await App.start({ dataDir: data.path, env: { XDG_DATA_DIRS: `${icons.path}:/usr/local/share:/usr/share` } });
    browser = app.browser;
    ({ click, tab, folder } = windowHelpers(browser));
    await tab("accounts");
    // Mail already there when a folder is first checked is not news: wait for those checks.
    for (const f of ["INBOX", "Work"]) await eventually(`${f} to be checked`, async () => (await folder(f))?.state === "ok", { timeout: 30_000 });
  });

  after(async () => {
    spawnSync("dunstctl", ["set-paused", "false"]);
    await app?.stop();
    recorder?.stop();
    await server?.stop();
    data?.remove();
    icons?.remove();
  });

  it("names its window after its desktop file (WM_CLASS; the Wayland app id: wayland.test.mjs)", () => {
    const ids = spawnSync("xdotool", ["search", "--onlyvisible", "--class", `^${APP_ID}$`], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((id) => id && spawnSync("xdotool", ["getwindowname", id], { encoding: "utf8" }).stdout.startsWith("Mailbell"));
    assert.ok(ids.length > 0, "the main window is on screen");
    const prop = spawnSync("xprop", ["-id", ids[0], "WM_CLASS"], { encoding: "utf8" }).stdout.trim();
    assert.equal(prop, `WM_CLASS(STRING) = "${APP_ID}", "${APP_ID}"`);
  });

  it("sends a notification that says it is mail, whose app it is and how urgent, with the icon by name and no sound", async () => {
    const subject = `Hinted ${Date.now()}`;
    await deliver(subject);
    const [call] = await eventually("its Notify call and the server's answer", () => {
      const calls = about(subject);
      return calls.length && calls[0].id !== null && calls;
    });
    assert.equal(call.appName, "Mailbell");
    assert.equal(call.replaces, 0, "a notification of its own");
    assert.equal(call.icon, "mailbell", "the theme icon's name, since an icon theme has it");
    assert.deepEqual(call.hints, {
      category: { type: "string", value: "email.arrived" },
      "desktop-entry": { type: "string", value: APP_ID },
      urgency: { type: "byte", value: 1 },
      "suppress-sound": { type: "boolean", value: true },
    });
    assert.ok(call.body.startsWith(`${subject}\n`), call.body);
    assert.deepEqual(call.actions, ["default", "", "read", "Mark as read", "archive", "Archive", "delete", "Delete"], "a click and the message's buttons");
    assert.ok(call.id > 0, "the server answered with its id");
  });

  it("replaces an account's summary while it grows, instead of stacking another", async () => {
    // dunst paused keeps notifications open (queued, never expiring): the summary stays open
    // between the two bursts however slow this machine is.
    dunstctl("set-paused", "true");
    const isSummary = (c) => / new messages · /.test(c.summary);
    const before = recorder.calls().length;
    // Five messages that arrive together (one check sees them all): a summary.
    const tag = `Burst ${Date.now()}`;
    await server.burst("Work", [1, 2, 3, 4, 5].map((i) => `${tag} ${i}`));
    await tab("accounts");
    await syncFolder("Work");
    const first = await eventually("the summary of the burst", () => recorder.calls().slice(before).find((c) => isSummary(c) && c.id !== null), { timeout: 60_000 });
    assert.equal(first.summary, `5 new messages · ${EMAIL}`);
    assert.equal(first.replaces, 0, "the first summary is a notification of its own");
    assert.ok(recorder.calls().slice(before).every((c) => c.serial === first.serial), "one notification for the burst");

    const grow = `Grow ${Date.now()}`;
    const mark = recorder.calls().length;
    await server.append("Work", `${grow} 1`);
    await server.append("Work", `${grow} 2`);
    await syncFolder("Work");
    // One or two checks (push may see them one by one): "6", then "7 new messages", or "7" at once.
    const grown = await eventually("the grown summary", () => recorder.calls().slice(mark).find((c) => c.summary === `7 new messages · ${EMAIL}` && c.id !== null), { timeout: 60_000 });
    assert.equal(grown.replaces, first.id, "it replaces the summary shown before");
    assert.equal(grown.id, first.id, "the server kept the notification's id");
    assert.match(grown.body, new RegExp(`${grow} 2`));
    const later = recorder.calls().slice(mark);
    assert.ok(
      later.every((c) => c.replaces === first.id),
      `while the summary is open, every notification about the account replaces it: ${JSON.stringify(later.map((c) => [c.summary, c.replaces]))}`,
    );
    dunstctl("set-paused", "false");
    screenshot("notification-summary");
  });

  it("plays the new-mail sound only once the user turns it on in Settings", async () => {
    dunstctl("close-all");
    await tab("settings");
    const checked = () => browser.execute(() => document.querySelector('[data-test="set-sound"] input')?.checked ?? null);
    assert.equal(await checked(), false, "off by default");
    assert.ok(
      recorder.calls().every((c) => !("sound-name" in c.hints) && c.hints["suppress-sound"]?.value === true),
      "no notification so far asked for a sound",
    );
    await click('[data-test="set-sound"]');
    await settingApplied("sound: true");
    assert.equal(await checked(), true);
    const subject = `With sound ${Date.now()}`;
    await deliver(subject);
    const [call] = await eventually("its Notify call", () => {
      const calls = about(subject);
      return calls.length && calls;
    });
    assert.deepEqual(call.hints["sound-name"], { type: "string", value: "message-new-email" });
    assert.ok(!("suppress-sound" in call.hints), "nothing suppresses the sound");
    assert.equal(call.hints.category.value, "email.arrived");

    // Off again: silent again.
    await tab("settings");
    await click('[data-test="set-sound"]');
    await settingApplied("sound: false");
    const quiet = `Quiet again ${Date.now()}`;
    await deliver(quiet);
    const [q] = await eventually("its Notify call", () => {
      const calls = about(quiet);
      return calls.length && calls;
    });
    assert.ok(!("sound-name" in q.hints), JSON.stringify(q.hints));
    assert.equal(q.hints["suppress-sound"]?.value, true);
  });
});
