// The keyboard in the real app (WebDriver key presses reach the page as the desktop's key events
// do): F5 and Ctrl+R check every account (and never reload the page), Ctrl+, opens Settings, the
// arrow keys move across the tabs and the rows, Enter opens a message and Escape leaves it,
// Ctrl+W closes the window to the tray (the app keeps running), Ctrl+Q quits. And axe-core, run
// in the real window, where layout and colours are real (contrast included).

import assert from "node:assert/strict";
import { readFileSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";

import { Key } from "webdriverio";

import { App, bins, cli, eventually, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const EMAIL = "alice@localhost";
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** A data dir with one account on `server`, checked hourly: only push and the keys check it. */
function dataWithAccount(server, prefix) {
  const data = tempDir(prefix);
  const { host, tls_port, ca_file, user, password } = server.info;
  cli(
    data.path,
    ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
    password,
  );
  return data;
}

/** The app processes running on `dataDir` (by their executable and environment). */
function appProcesses(dataDir) {
  const exe = realpathSync(bins.app);
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) !== exe) continue;
      if (readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`MAILBELL_DATA_DIR=${dataDir}`)) found.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The app's main window on screen (by class, then title: see app.test.mjs), as X window ids. */
function visibleWindows() {
  return spawnSync("xdotool", ["search", "--onlyvisible", "--class", "^Mailbell$"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((id) => id && spawnSync("xdotool", ["getwindowname", id], { encoding: "utf8" }).stdout.startsWith("Mailbell"));
}

const log = (dataDir) => {
  try {
    return readFileSync(path.join(dataDir, "mailbell.log"), "utf8");
  } catch {
    return "";
  }
};

/** axe-core's violations in the window as it is now, each as one line. axe takes a while, and an
 * engine event may redraw the view meanwhile: an audit of a window drawn again halfway is of no
 * view at all, so such an audit is done again. */
async function axeAudit(browser) {
  if (!(await browser.execute(() => typeof window.axe === "object"))) await browser.execute(AXE + "\n;return true;");
  return browser.executeAsync((done) => {
    const once = (left) => {
      let redrawn = false;
      const watch = new MutationObserver(() => (redrawn = true));
      watch.observe(document.getElementById("app"), { childList: true, subtree: true });
      window.axe
        .run(document, { resultTypes: ["violations"] })
        .then((r) => {
          watch.disconnect();
          if (redrawn && left > 0) return once(left - 1);
          done(r.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${n.failureSummary} [${n.html.slice(0, 160)}]`)));
        })
        .catch((e) => done([`axe failed: ${e}`]));
    };
    once(5);
  });
}

/** Audits every tab's view, an account's page and a message in the reading pane; fails with all that axe found. */
async function auditViews(browser, h) {
  const found = {};
  for (const v of ["messages", "recent", "accounts", "settings", "about"]) {
    await h.tab(v);
    found[v] = await axeAudit(browser);
  }
  // An account's page (its settings form).
  await h.tab("accounts");
  await browser.execute(() => document.querySelector('[data-test="edit-account"]').click());
  await eventually("the account's page", () => browser.execute(() => document.getElementById("main")?.dataset.view === "edit"));
  found.edit = await axeAudit(browser);
  await h.tab("messages");
  await browser.execute(() => document.querySelector('[data-test="message"] .subject').click());
  await eventually("the reading pane", async () => (await h.textOf('[data-test="reader-subject"]')) !== null);
  found.read = await axeAudit(browser);
  const all = Object.entries(found).flatMap(([v, list]) => list.map((x) => `${v}: ${x}`));
  assert.deepEqual(all, [], `axe found:\n${all.join("\n")}`);
}

async function start(dataDir, env = {}) {
  const app = await App.start({ dataDir, env });
  const h = windowHelpers(app.browser);
  // The snapshot is in: the account is known (Check all shows with accounts only).
  await eventually("the window with its account", () => app.browser.execute(() => document.querySelector('[data-test="sync-all"]') !== null));
  return { app, browser: app.browser, ...h };
}

describe("the keyboard", () => {
  let server, data, app, browser, textOf, tab, currentView;

  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    data = dataWithAccount(server, "mailbell-keys-e2e-");
    ({ app, browser, textOf, tab, currentView } = await start(data.path));
  });

  after(async () => {
    await app?.stop();
    await server?.stop();
    data?.remove();
  });

  /** When INBOX was last checked, as the engine has it (the store's time, to the millisecond). */
  const lastCheck = () =>
    browser.executeAsync((done) => {
      window.__TAURI_INTERNALS__
        .invoke("snapshot")
        .then((s) => done(s.accounts[0]?.folders.find((f) => f.name === "INBOX")?.last_sync_at ?? null))
        .catch((e) => done(`error: ${e}`));
    });

  /** Presses F5 or Ctrl+R and waits for INBOX to be checked again. */
  async function checkWith(keys) {
    await eventually("a first check of INBOX", lastCheck);
    const before = await lastCheck();
    // A check in the same millisecond would look like none: let the clock pass the last one.
    await eventually("the clock to pass the last check", () => Date.now() > Date.parse(before) + 5, { interval: 20 });
    await browser.keys(keys);
    await eventually("a check of INBOX after the key", async () => {
      const now = await lastCheck();
      return now && now !== before && Date.parse(now) > Date.parse(before);
    });
  }

  it("F5 checks every account now", async () => {
    await tab("messages");
    await checkWith([Key.F5]);
  });

  it("Ctrl+R checks too, and the page is not reloaded", async () => {
    await browser.execute(() => (window.__keysMarker = "still here"));
    await checkWith([Key.Ctrl, "r"]);
    assert.equal(await browser.execute(() => window.__keysMarker ?? null), "still here", "the page was reloaded");
  });

  it("Ctrl+, opens Settings", async () => {
    await tab("about");
    await browser.keys([Key.Ctrl, ","]);
    await eventually("the Settings view", async () => (await currentView()) === "settings", { timeout: 5000 });
  });

  it("the arrow keys move across the tabs, the view following", async () => {
    await tab("messages");
    await browser.execute(() => document.querySelector('[data-test="tab-messages"]').focus());
    await browser.keys([Key.ArrowRight]);
    await eventually("Recent, its tab focused", async () => (await currentView()) === "recent" && (await browser.execute(() => document.activeElement?.getAttribute("data-test"))) === "tab-recent", { timeout: 5000 });
    await browser.keys([Key.End]);
    await eventually("About, its tab focused", async () => (await currentView()) === "about" && (await browser.execute(() => document.activeElement?.getAttribute("data-test"))) === "tab-about", { timeout: 5000 });
    await browser.keys([Key.ArrowRight]);
    await eventually("back round to New mail", async () => (await currentView()) === "messages", { timeout: 5000 });
    screenshot("keys-tab-focus");
  });

  it("Up and Down move between messages, Enter opens one, Escape comes back to it", async () => {
    const stamp = Date.now();
    const subjects = [`Keys first ${stamp}`, `Keys second ${stamp}`, `Keys third ${stamp}`];
    for (const s of subjects) await server.append("INBOX", s);
    const listed = () => browser.execute(() => [...document.querySelectorAll('[data-test="message"]')].map((r) => r.querySelector(".subject")?.textContent));
    await eventually("the three messages listed", async () => {
      const list = await listed();
      return subjects.every((s) => list.includes(s));
    });
    const focusedSubject = () => browser.execute(() => document.activeElement?.closest?.('[data-test="message"]') === document.activeElement ? document.activeElement.querySelector(".subject")?.textContent : null);
    // Newest first: third, second, first. One Tab stop for the list: the first row.
    assert.deepEqual(await browser.execute(() => [...document.querySelectorAll('[data-test="message"]')].map((r) => r.tabIndex)), [0, -1, -1]);
    await browser.execute(() => document.querySelector('[data-test="message"]').focus());
    await browser.keys([Key.ArrowDown]);
    await eventually("the second row focused", async () => (await focusedSubject()) === subjects[1], { timeout: 5000 });
    await browser.keys([Key.ArrowDown]);
    await eventually("the third row focused", async () => (await focusedSubject()) === subjects[0], { timeout: 5000 });
    await browser.keys([Key.ArrowUp]);
    await eventually("the second row again", async () => (await focusedSubject()) === subjects[1], { timeout: 5000 });
    // Where the keyboard is shows: a 2 px ring on the focused row.
    const ring = await browser.execute(() => {
      const s = getComputedStyle(document.activeElement);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    assert.equal(ring, "solid 2px", "the focused row has a ring");
    screenshot("keys-row-focus");
    await browser.keys([Key.Enter]);
    await eventually("the reading pane on it", async () => (await textOf('[data-test="reader-subject"]')) === subjects[1]);
    assert.equal(await browser.execute(() => document.activeElement?.getAttribute("data-test")), "reader-back", "the pane takes the focus");
    await browser.keys([Key.Escape]);
    await eventually("New mail, the focus on the message read", async () => (await currentView()) === "messages" && (await focusedSubject()) === subjects[1], { timeout: 5000 });
  });

  it("axe-core finds no violations in the real window (light theme)", async () => {
    assert.equal(await browser.execute(() => matchMedia("(prefers-color-scheme: dark)").matches), false);
    await auditViews(browser, { tab, textOf });
  });

  it("Ctrl+W closes the window to the tray; Mailbell keeps running and watching", async () => {
    await tab("messages");
    assert.ok(visibleWindows().length > 0, "the window is on screen");
    // Closing to the tray destroys the window and its webview, so the driver may answer the key
    // action itself with an error (its window went mid-action): what follows checks the effect.
    await browser.keys([Key.Ctrl, "w"]).catch((e) => {
      if (!/actions/.test(String(e))) throw e;
    });
    await eventually("the window to leave the screen", () => visibleWindows().length === 0);
    assert.ok(appProcesses(data.path).length > 0, "the app still runs");
    // Still watching: mail arriving now is still heard (logged as new mail).
    const subject = `After Ctrl+W ${Date.now()}`;
    const before = log(data.path).split("new mail").length;
    await server.append("INBOX", subject);
    await eventually("new mail heard with the window closed", () => log(data.path).split("new mail").length > before);
    assert.ok(appProcesses(data.path).length > 0, "the app still runs");
  });
});

describe("in the dark theme", () => {
  it("axe-core finds no violations, and Ctrl+Q quits Mailbell", async () => {
    requireEnvironment();
    const server = await TestServer.start();
    const data = dataWithAccount(server, "mailbell-keys-dark-");
    let app;
    try {
      let browser, tab, textOf;
      // GTK's dark variant: WebKitGTK answers prefers-color-scheme with it.
      ({ app, browser, tab, textOf } = await start(data.path, { GTK_THEME: "Adwaita:dark" }));
      assert.equal(await browser.execute(() => matchMedia("(prefers-color-scheme: dark)").matches), true, "the window is dark");
      await server.append("INBOX", "In the dark");
      await eventually("the message listed", () => browser.execute(() => document.querySelector('[data-test="message"]') !== null));
      await auditViews(browser, { tab, textOf });
      await tab("messages");
      screenshot("keys-dark");

      assert.ok(appProcesses(data.path).length > 0, "the app runs");
      // The app ends while the driver still waits for the key press to be done: that answer may
      // never come, which is no failure here (the app ending is what is checked).
      await browser.keys([Key.Ctrl, "q"]).catch((e) => console.log(`# the key press's answer: ${e.message}`));
      await eventually("the app to end", () => appProcesses(data.path).length === 0);
      assert.match(log(data.path), /window: quit/);
      assert.match(log(data.path), /shutting down/);
    } finally {
      await app?.stop();
      await server.stop();
      data.remove();
    }
  });
});
