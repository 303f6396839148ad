// End-to-end tests of the real Mailbell app through WebDriver, against a real Dovecot and the
// real Secret Service, with an account added by the real CLI in the same data dir.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { App, cli, eventually, NotifyMonitor, requireEnvironment, screenshot, sleep, tempDir, TestServer, bins, windowHelpers } from "./harness.mjs";

const HOSTILE = "<img src=x onerror=alert(1)>";
const EMAIL = "alice@localhost";

let server, data, monitor, app, browser;

let textOf, onElement, click, tab, folder, currentView;

async function subjects() {
  return browser.execute(() => [...document.querySelectorAll('[data-test="message"] .subject')].map((e) => e.textContent));
}

async function folderState(name) {
  return (await folder(name))?.state ?? null;
}

async function folderDetail(name) {
  return (await folder(name))?.detail ?? "";
}

const syncFolder = (name) => click(`[data-test="folder"][data-folder="${name}"] [data-test="sync-folder"]`);

function notifyCalls() {
  // Notify(app_name, replaces_id, app_icon, summary, body, ...): strings are app_name, icon, summary, body.
  return monitor.calls().map((s) => ({ summary: s[2] ?? "", body: s[3] ?? "" }));
}

describe("Mailbell app", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    await server.create("Work");
    data = tempDir("mailbell-app-e2e-");
    const { host, tls_port, ca_file, user, password } = server.info;
    const id = cli(
      data.path,
      ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
      password,
    ).trim();
    assert.match(id, /^[0-9a-f]+$/);
    monitor = await NotifyMonitor.start();
    app = await App.start({ dataDir: data.path });
    browser = app.browser;
    ({ textOf, onElement, click, tab, folder, currentView } = windowHelpers(browser));
  });

  after(async () => {
    await app?.stop();
    monitor?.stop();
    await server?.stop();
    data?.remove();
  });

  it("shows the account added by the CLI, with its folders and their status", async () => {
    await tab("accounts");
    await eventually("the account", async () => (await textOf('[data-test="account"] h2')) === EMAIL);
    for (const f of ["INBOX", "Work"]) {
      await eventually(`${f} to be checked`, async () => (await folderState(f)) === "ok");
      assert.match(await folderDetail(f), /checked just now · 0 messages, 0 unread on the server/);
    }
    await eventually("the account to be connected", async () => (await textOf('[data-test="account-state"]')) === "Connected");
    screenshot("accounts");
  });

  it("lists a message appended on the server without a click, and marks it seen when opened", async () => {
    await tab("messages");
    const subject = `Pushed ${Date.now()}`;
    const t0 = Date.now();
    await server.append("INBOX", subject);
    await eventually("the pushed message in the list", async () => (await subjects()).includes(subject), { timeout: 20_000 });
    console.log(`# append to list: ${Date.now() - t0} ms`);
    const first = await browser.execute(() => {
      const row = document.querySelector('[data-test="message"]');
      const t = (sel) => row.querySelector(sel)?.textContent;
      return { subject: t(".subject"), folder: t(".folder"), account: t(".account"), sender: t(".sender"), preview: t(".preview"), cls: row.className };
    });
    assert.equal(first.subject, subject, "newest first");
    assert.equal(first.folder, "INBOX");
    assert.equal(first.account, EMAIL);
    assert.equal(first.sender, "Bob Sender");
    assert.match(first.preview, /Hello there/);
    assert.match(first.cls, /\bunviewed\b/);
    assert.equal(await textOf('[data-test="unviewed-count"]'), "1 new message");
    await click('[data-test="message"] .subject');
    await eventually("the reading pane", async () => (await textOf('[data-test="reader-subject"]')) === subject);
    await click('[data-test="reader-back"]');
    await eventually("the message to be marked seen", async () => / viewed\b/.test(await browser.execute(() => document.querySelector('[data-test="message"]').className)));
    assert.equal(await textOf('[data-test="unviewed-count"]'), "1 message, seen");
  });

  it("hears mail filed into another folder at once (NOTIFY), and checks a folder on Check", async () => {
    await tab("accounts");
    await eventually("push on every folder", async () => /push \(NOTIFY\) on 2 folders/.test((await textOf('[data-test="account"] .facts')) ?? ""));
    await server.append("Work", "Filed by hand");
    // The timer is an hour away: only push can bring it.
    await eventually("Work to show the new message count", async () => /1 message, 1 unread on the server/.test(await folderDetail("Work")));
    await eventually("Work to be up to date", async () => (await folderState("Work")) === "ok");
    await tab("messages");
    await eventually("the pushed message in the list", async () => (await subjects()).includes("Filed by hand"));
    await tab("accounts");
    await eventually("Work to count it as new", async () => (await folder("Work"))?.fresh === "1 new");

    // Check on the folder: a check of it runs, and its progress shows.
    await browser.execute(() => {
      const w = window;
      w.__states = [];
      new MutationObserver(() => {
        const b = document.querySelector('[data-test="folder"][data-folder="Work"] [data-test="folder-state"]');
        if (b) w.__states.push(b.getAttribute("data-state"));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await syncFolder("Work");
    await eventually("progress shown, then up to date", async () => {
      const states = await browser.execute(() => window.__states);
      return states.includes("syncing") && (await folderState("Work")) === "ok";
    });
    assert.match(await folderDetail("Work"), /checked just now/);
  });

  it("rings once and lists once for one message in two folders", async () => {
    const subject = "Filed in two places";
    const messageId = "<two-places@example.org>";
    await tab("messages");
    await server.append("INBOX", subject, undefined, messageId);
    await server.append("Work", subject, undefined, messageId);
    // Both copies come by push (NOTIFY), in one pass or two; Check on Work makes sure its copy is in.
    await eventually("its notification", () => notifyCalls().some((c) => c.body.startsWith(`${subject}\n`)));
    await tab("accounts");
    await syncFolder("Work");
    await tab("messages");
    const rows = () => browser.execute((s) => [...document.querySelectorAll('[data-test="message"]')].filter((e) => e.querySelector(".subject")?.textContent === s).map((e) => (e.querySelector('[data-test="folders"]')?.textContent ?? "").split(", ").sort().join(", ")), subject);
    // Whichever copy the engine saw first is listed first.
    await eventually("one row with both folders", async () => JSON.stringify(await rows()) === JSON.stringify(["INBOX, Work"]));
    // A barrier: notifications go out in order, so once a later one is here, a second one for
    // the copy in Work would have been too.
    await server.append("Work", "After the copy");
    await tab("accounts");
    await syncFolder("Work");
    await eventually("the later notification", () => notifyCalls().some((c) => c.body.startsWith("After the copy\n")));
    assert.equal(notifyCalls().filter((c) => c.body.startsWith(`${subject}\n`)).length, 1, "one notification for both copies");
    await tab("messages");
    assert.deepEqual(await rows(), ["INBOX, Work"]);
  });

  it("shows a hostile subject as text and runs nothing", async () => {
    await tab("messages");
    await server.append("INBOX", HOSTILE, `"${HOSTILE}" <eve@example.org>`);
    await eventually("the hostile message in the list", async () => (await subjects()).includes(HOSTILE));
    const found = await browser.execute(() => ({
      imgs: document.querySelectorAll("img").length,
      scripts: document.querySelectorAll("body script").length,
      sender: document.querySelector('[data-test="message"] .sender')?.textContent,
    }));
    assert.deepEqual(found, { imgs: 0, scripts: 0, sender: HOSTILE });
    await assert.rejects(() => browser.getAlertText(), /alert/i, "no alert is open");
    screenshot("main-window");
  });

  it("sends a notification with the sender and the markup-escaped subject", async () => {
    const call = await eventually("a Notify call for the hostile message", () => notifyCalls().find((c) => c.body.includes("onerror")));
    assert.equal(call.summary, HOSTILE, "the summary line is plain text, shown as is");
    assert.ok(call.body.startsWith("&lt;img src=x onerror=alert(1)&gt;"), `escaped body: ${call.body}`);
    assert.ok(!call.body.includes("<img"), "no raw markup in the body");
    const pushed = notifyCalls().find((c) => c.body.startsWith("Pushed "));
    assert.equal(pushed?.summary, "Bob Sender");
  });

  it("opens the window on the message whose notification is clicked, in the reading pane", async () => {
    await tab("accounts");
    // dunst (the notification server here) lists the oldest first: leave only the new one.
    assert.equal(spawnSync("dunstctl", ["close-all"]).status, 0, "dunstctl close-all");
    const subject = `Click me ${Date.now()}`;
    await server.append("INBOX", subject);
    await eventually("its notification", () => notifyCalls().some((c) => c.body.includes(subject)));
    await sleep(300);
    // Clicks the notification (its default action).
    const r = spawnSync("dunstctl", ["action", "0"], { encoding: "utf8" });
    assert.equal(r.status, 0, `dunstctl action: ${r.stderr}`);
    await eventually("the message in the reading pane", async () => (await textOf('[data-test="reader-subject"]')) === subject);
    assert.match(await browser.execute(() => document.querySelector('[data-test="tab-messages"]').className), /\bactive\b/);
  });

  it("sums a burst up in one notification", async () => {
    // One burst: five appends in a row reach a watching client one by one when the machine is
    // loaded (more than the engine's gathering window apart).
    await server.burst("Work", [1, 2, 3, 4, 5].map((i) => `Burst ${i}`));
    await tab("accounts");
    await syncFolder("Work");
    const summary = await eventually("the burst summary", () => notifyCalls().find((c) => c.summary.startsWith("5 new messages")));
    assert.equal(summary.summary, `5 new messages · ${EMAIL}`);
    assert.match(summary.body, /Burst 5/);
    assert.match(summary.body, /and 2 more$/);
    await sleep(500);
    assert.ok(!notifyCalls().some((c) => c.body.startsWith("Burst ")), "no single notifications for a burst");
  });

  it("sends no notification while paused", async () => {
    await tab("settings");
    await click('[data-test="set-paused"]');
    await eventually("the paused chip", async () => (await textOf(".chip")) !== null);
    await tab("messages");
    await server.append("INBOX", "While paused");
    await eventually("the message in the list", async () => (await subjects()).includes("While paused"));
    await sleep(1500);
    assert.ok(!notifyCalls().some((c) => c.body.includes("While paused")), "no notification while paused");
    await click(".chip");
    await eventually("notifications resumed", async () => (await textOf(".chip")) === null);
    await server.append("INBOX", "After the pause");
    await eventually("a notification after the pause", () => notifyCalls().some((c) => c.body.includes("After the pause")));
  });

  it("changes the check interval and the watched folders on the account's page, reached from Settings", async () => {
    // Settings has no second copy of them: it leads to the account's page.
    await tab("settings");
    await click('[data-test="account-settings"] [data-test="open-account-settings"]');
    await eventually("the account's page", async () => (await currentView()) === "edit");
    await onElement('[data-test="editor-interval"]', (el) => el.selectByAttribute("value", "600"));
    await tab("accounts");
    await eventually("the next check in about 10 minutes (the engine jitters it by 10%)", async () => /next check in (9|10|11) min/.test((await textOf('[data-test="account"] .facts')) ?? ""));

    await tab("settings");
    await click('[data-test="account-settings"] [data-test="open-account-settings"]');
    await eventually("the account's page again", async () => (await currentView()) === "edit");
    await click('[data-test="editor-folders"] [data-test="watch"][data-folder="Work"]');
    await tab("accounts");
    await eventually("Work no longer watched", async () => (await folder("Work")) === null);
    assert.ok(await folder("INBOX"));
    const rows = cli(data.path, ["status", "--json"]);
    const work = JSON.parse(rows).find((f) => f.folder === "Work");
    assert.equal(work.watched, false, "the CLI sees the same setting");
    await tab("settings");
    await click('[data-test="account-settings"] [data-test="open-account-settings"]');
    await eventually("the account's page again", async () => (await currentView()) === "edit");
    await click('[data-test="editor-folders"] [data-test="watch"][data-folder="Work"]');
    await tab("accounts");
    await eventually("Work watched again", async () => (await folderState("Work")) === "ok");
  });

  it("starts at login only when asked (an autostart entry that starts in the tray)", async () => {
    const dir = path.join(process.env.HOME, ".config", "autostart");
    const entries = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".desktop")) : []);
    assert.deepEqual(entries(), [], "off by default");
    await tab("settings");
    await click('[data-test="set-autostart"]');
    await eventually("the autostart entry", () => entries().length === 1);
    const entry = readFileSync(path.join(dir, entries()[0]), "utf8");
    assert.match(entry, /^Exec=.*mailbell.* --hidden/m);
    await click('[data-test="set-autostart"]');
    await eventually("the autostart entry removed", () => entries().length === 0);
  });

  it("enforces a strict CSP: injected inline scripts and eval do not run", async () => {
    const r = await browser.execute(() => {
      const w = window;
      const el = document.createElement("script");
      el.textContent = "window.__inline = 1";
      document.body.appendChild(el);
      let ev = "blocked";
      try {
        (0, eval)("window.__eval = 1");
        ev = "ran";
      } catch {
        // refused by the CSP
      }
      return { inline: w.__inline ?? null, eval: ev, evalRan: w.__eval ?? null };
    });
    assert.deepEqual(r, { inline: null, eval: "blocked", evalRan: null });
  });

  it("keeps running when the window is closed, without its webview; a second launch exits and brings the window back with its content", async () => {
    // By class, then by title: the tray icon docked in trayer is a window named "mailbell" too,
    // and a tooltip (a row's title under the pointer) is a visible window of the app's class
    // without the title; taking it for the main window sends the close to the tooltip.
    const visible = () =>
      spawnSync("xdotool", ["search", "--onlyvisible", "--class", "^Mailbell$"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((id) => id && spawnSync("xdotool", ["getwindowname", id], { encoding: "utf8" }).stdout.startsWith("Mailbell"))
        .join("\n");
    const id = visible().split("\n")[0];
    assert.ok(id, "the window is on screen");
    assert.ok(app.appChildren().includes("WebKitWebProces"), `a web process while the window is open: ${app.appChildren()}`);
    const closed = spawnSync("/usr/bin/python3", [new URL("./close-window.py", import.meta.url).pathname, id], { encoding: "utf8" });
    assert.equal(closed.status, 0, `close-window.py: ${closed.stderr}`);
    await eventually("the window to be hidden", () => visible() === "");
    // Closed to the tray, the window is destroyed: WebKit's web process (the page) ends with it.
    await eventually("the web process to end", () => !app.appChildren().includes("WebKitWebProces"));

    // Still watching: new mail is still announced.
    const subject = `While hidden ${Date.now()}`;
    await server.append("INBOX", subject);
    await eventually("a notification while hidden", () => notifyCalls().some((c) => c.body.includes(subject)));

    const second = spawn(bins.app, [], { env: { ...process.env, MAILBELL_DATA_DIR: data.path }, stdio: "ignore" });
    const [code] = await Promise.race([once(second, "exit"), sleep(20_000).then(() => [null])]);
    if (code === null) second.kill("SIGKILL");
    assert.equal(code, 0, "the second instance exits at once");
    await eventually("the window to be shown again", () => visible() !== "");
    // A new window: its page (a web process again) reads the engine's state as it loads.
    await app.followWindow();
    assert.ok(app.appChildren().includes("WebKitWebProces"), `the web process of the new window: ${app.appChildren()}`);
    assert.match(await browser.getTitle(), /^Mailbell/);
    await eventually("the mail that came while it was closed, in the list", async () => (await subjects()).includes(subject));
    assert.equal(await browser.execute(() => document.getElementById("main")?.dataset.view), "messages");
  });

  it("logs to its data dir, never the password", () => {
    const log = readFileSync(path.join(data.path, "mailbell.log"), "utf8");
    assert.match(log, /new mail/);
    assert.ok(!log.includes(server.info.password), "no password in the log");
  });

  it("stops an account removed with the CLI while it runs, and drops it from the window", async () => {
    await tab("accounts");
    await eventually("the account card", () => browser.execute(() => document.querySelectorAll('[data-test="account"]').length === 1));
    const id = JSON.parse(cli(data.path, ["account", "list", "--json"]))[0].id;
    cli(data.path, ["account", "remove", id]);
    const log = () => readFileSync(path.join(data.path, "mailbell.log"), "utf8");
    await eventually("the app to stop the removed account's worker", () => log().includes("account removed outside the app: stopping it"));
    await eventually("the account to leave the window", () => browser.execute(() => document.querySelectorAll('[data-test="account"]').length === 0));
  });
});

describe("Mailbell app lifecycle", () => {
  it("quits cleanly on SIGTERM, logging to its data dir", async () => {
    requireEnvironment();
    const dir = tempDir("mailbell-app-term-");
    try {
      const proc = spawn(bins.app, [], { env: { ...process.env, MAILBELL_DATA_DIR: dir.path }, stdio: "ignore" });
      const log = () => {
        try {
          return readFileSync(path.join(dir.path, "mailbell.log"), "utf8");
        } catch {
          return "";
        }
      };
      await eventually("the engine to start", () => log().includes("engine started"), { timeout: 20_000 });
      proc.kill("SIGTERM");
      const [code] = await Promise.race([once(proc, "exit"), sleep(20_000).then(() => [null])]);
      if (code === null) proc.kill("SIGKILL");
      assert.equal(code, 0, "exits with 0");
      assert.match(log(), /SIGTERM: quitting/);
      assert.match(log(), /shutting down/);
    } finally {
      dir.remove();
    }
  });
});
