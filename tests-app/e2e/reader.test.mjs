// The reading pane, the message actions and "Open in", in the real app against a real Dovecot:
// a message opens from the list and from its notification (dunst), its body shows, a hostile
// HTML mail runs nothing and fetches nothing (a loopback server counts every request) until the
// user allows remote images, reading changes no flag on the server, Mark as read / Archive /
// Delete change exactly that message (Undo restores it), a server without \Archive gets a
// sentence, a notification's "Mark as read" (chosen through dunst's context menu, which runs
// tests-app/e2e/dunst-dmenu.sh) marks exactly that message read, "Open in" the desktop's mail
// program (found through xdg-mime) gives Thunderbird the Message-ID, and "Open in" a command of
// the user's gets the message only in its environment.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { App, cli, eventually, NotifyMonitor, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const EMAIL = "alice@localhost";
const TITLE = "Mailbell";

let server, bare, data, monitor, app, browser, web, accountId;
let textOf, click, tab;

/** A loopback HTTP server that counts every request, and a port that counts every connection
 * (an https image cannot be served without a certificate the webview trusts; its connection is
 * the fetch: nothing else connects there). */
async function counters() {
  const requests = [];
  const http = createHttpServer((req, res) => {
    requests.push(req.url);
    res.writeHead(200, { "content-type": "image/gif" }).end(Buffer.from("R0lGODlhAQABAAAAACw=", "base64"));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const connections = [];
  const tcp = createTcpServer((s) => {
    connections.push(Date.now());
    s.destroy();
  });
  tcp.listen(0, "127.0.0.1");
  await once(tcp, "listening");
  return {
    requests,
    connections,
    httpPort: http.address().port,
    httpsPort: tcp.address().port,
    stop: () => Promise.all([new Promise((r) => http.close(r)), new Promise((r) => tcp.close(r))]),
  };
}

function mime({ subject, from = "Bob Sender <bob@example.org>", text, html, messageId }) {
  const head = [`From: ${from}`, `To: ${EMAIL}`, `Subject: ${subject}`, "Date: Sat, 05 Dec 2026 10:00:00 +0000", `Message-ID: ${messageId ?? `<${Date.now()}.${Math.random()}@example.org>`}`, "MIME-Version: 1.0"];
  if (!html) return [...head, "Content-Type: text/plain; charset=utf-8", "", text, ""].join("\r\n");
  const b = "mailbell-boundary-42";
  return [
    ...head,
    `Content-Type: multipart/alternative; boundary="${b}"`,
    "",
    `--${b}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    `--${b}`,
    "Content-Type: text/html; charset=utf-8",
    "",
    html,
    `--${b}--`,
    "",
  ].join("\r\n");
}

function hostileHtml(p, q) {
  const h = `http://127.0.0.1:${p}`;
  return `<html><head>
<meta http-equiv="refresh" content="0;url=${h}/refresh">
<style>@import url(${h}/import.css); body { background: url(${h}/bg.png); } p.x { color: rgb(200, 0, 0); }</style>
<link rel="stylesheet" href="${h}/link.css">
<script>parent.document.title = "pwned-script"; parent.postMessage("pwned", "*"); fetch("${h}/script");</script>
</head><body onload="parent.document.title = 'pwned-onload'">
<p id="hello" class="x">Hello from an <b>HTML</b> mail</p>
<img src="${h}/pixel.gif" onerror="parent.document.title = 'pwned-onerror'" width="1" height="1">
<img src="https://127.0.0.1:${q}/remote.gif" alt="remote image" width="1" height="1">
<div style="background-image: url(${h}/style.png)">styled</div>
<form action="${h}/form" method="post"><input name="q" value="x"><button id="send">Send</button></form>
<a id="js" href="javascript:parent.document.title = 'pwned-js'">a javascript link</a>
<a id="safe" href="https://example.org/safe">an https link</a>
<iframe src="${h}/frame"></iframe>
<video poster="${h}/poster.png"></video>
<svg><image href="${h}/svg.png"/></svg>
</body></html>`;
}

/** The reading pane's message, as shown. */
const pane = () =>
  browser.execute(() => {
    const t = (s) => document.querySelector(`[data-test="${s}"]`)?.textContent ?? null;
    return { view: document.getElementById("main")?.dataset.view, subject: t("reader-subject"), from: t("reader-from"), text: t("reader-text"), error: t("reader-error") };
  });

/** Looks into the mail frame (same origin, no scripts: the parent may read it). The sanitiser
 * keeps no ids or classes, so the mail's parts are found by their text. */
const frame = () =>
  browser.execute(() => {
    const f = document.querySelector('[data-test="reader-frame"]');
    const d = f?.contentDocument;
    if (!f || !d?.body) return null;
    return {
      sandbox: f.getAttribute("sandbox"),
      hello: [...d.querySelectorAll("p")].find((p) => p.textContent.startsWith("Hello"))?.textContent ?? null,
      padding: getComputedStyle(d.body).paddingTop,
      scripts: d.querySelectorAll("script").length,
      forms: d.querySelectorAll("form, input, button").length,
      frames: d.querySelectorAll("iframe, object, embed").length,
      handlers: [...d.querySelectorAll("*")].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)),
      hrefs: [...d.querySelectorAll("a")].map((a) => a.getAttribute("href")),
      csp: d.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? null,
      images: [...d.images].map((i) => ({ src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0 })),
      url: f.contentWindow.location.href,
    };
  });

/** The state Recent shows for the message with this subject (new, viewed, read, deleted), or null. */
function recentState(subject) {
  return browser.execute(
    (s) => [...document.querySelectorAll('[data-test="recent-message"]')].find((r) => r.querySelector(".subject")?.textContent === s)?.getAttribute("data-state") ?? null,
    subject,
  );
}

async function rowOf(subject) {
  return browser.execute((s) => {
    const row = [...document.querySelectorAll('[data-test="message"]')].find((r) => r.querySelector(".subject")?.textContent === s);
    return row ? { key: row.getAttribute("data-key"), id: row.getAttribute("data-id"), cls: row.className } : null;
  }, subject);
}

async function openFromList(subject) {
  await tab("messages");
  await eventually(`"${subject}" in the list`, () => rowOf(subject));
  await click(`${await rowSelector(subject)} .subject`);
  await eventually("the reading pane", async () => (await pane()).subject === subject);
}

/** A listed message's row, by its store id (stable across renders). */
async function rowSelector(subject) {
  const row = await eventually(`"${subject}" in the list`, () => rowOf(subject));
  return `[data-test="message"][data-id="${row.id}"]`;
}

const flagsOf = async (s, folder, uid) => (await s.listFlags(folder)).find(([u]) => u === uid)?.[1] ?? null;

async function toast() {
  return browser.execute(() => {
    const t = document.querySelector('[data-test="toast"]');
    return t && !t.hidden ? { text: t.querySelector('[data-test="toast-text"]')?.textContent ?? "", undo: !!t.querySelector('[data-test="toast-undo"]'), cls: t.className } : null;
  });
}

describe("Reading pane, actions and Open in", () => {
  before(async () => {
    requireEnvironment();
    [server, bare, web] = await Promise.all([TestServer.start(), TestServer.start({ withoutArchive: true }), counters()]);
    data = tempDir("mailbell-reader-e2e-");
    const add = (s, email) => {
      const { host, tls_port, ca_file, user, password } = s.info;
      return cli(
        data.path,
        ["account", "add", "--email", email, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
        password,
      ).trim();
    };
    accountId = add(server, EMAIL);
    add(bare, "noarchive@localhost");
    monitor = await NotifyMonitor.start();
    // The desktop opener's browser: xdg-open finds no browser in this private home and falls
    // back to $BROWSER, which records what it was asked to open.
    const browserScript = path.join(data.path, "browser.sh");
    writeFileSync(browserScript, `#!/bin/sh\nprintf '%s\\n' "$@" >> '${path.join(data.path, "opened.txt")}'\n`);
    chmodSync(browserScript, 0o755);
    // The desktop's mail program, found the freedesktop way: the mailto handler named in this
    // private config's mimeapps.list, and its desktop entry, whose program records its argv.
    const xdg = { config: path.join(data.path, "xdg-config"), data: path.join(data.path, "xdg-data") };
    mkdirSync(path.join(xdg.data, "applications"), { recursive: true });
    mkdirSync(xdg.config, { recursive: true });
    writeFileSync(path.join(xdg.config, "mimeapps.list"), "[Default Applications]\nx-scheme-handler/mailto=fake-thunderbird.desktop\n");
    const mailProgram = path.join(data.path, "mail-program.sh");
    writeFileSync(mailProgram, `#!/usr/bin/env node\nrequire("node:fs").writeFileSync(${JSON.stringify(path.join(data.path, "mail-program.json"))}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(mailProgram, 0o755);
    writeFileSync(
      path.join(xdg.data, "applications", "fake-thunderbird.desktop"),
      `[Desktop Entry]\nType=Application\nName=Fake Thunderbird\nExec=${mailProgram} --new-window %u\nMimeType=x-scheme-handler/mailto;\n`,
    );
    app = await App.start({ dataDir: data.path, env: { BROWSER: browserScript, XDG_CONFIG_HOME: xdg.config, XDG_DATA_HOME: xdg.data } });
    browser = app.browser;
    ({ textOf, click, tab } = windowHelpers(browser));
    await tab("accounts");
    await eventually("both accounts connected", async () => (await browser.execute(() => [...document.querySelectorAll('[data-test="account-state"]')].map((e) => e.textContent))).filter((t) => t === "Connected").length === 2);
  });

  after(async () => {
    await app?.stop();
    monitor?.stop();
    await Promise.all([server?.stop(), bare?.stop(), web?.stop()]);
    data?.remove();
  });

  it("opens a text message from the list: headers and body shown, nothing changed on the server, seen in Mailbell", async () => {
    const subject = `Plain ${Date.now()}`;
    const uid = await server.appendRaw("INBOX", mime({ subject, text: "First line.\n<b>not bold</b> & <script>not a script</script>" }));
    await tab("messages");
    await eventually("the message listed", () => rowOf(subject));
    assert.match((await rowOf(subject)).cls, /\bunviewed\b/);
    const before = await flagsOf(server, "INBOX", uid);
    assert.deepEqual(before, []);
    await openFromList(subject);
    const p = await eventually("the body", async () => ((await pane()).text ? pane() : null));
    assert.equal(p.from, "Bob Sender <bob@example.org>");
    assert.equal(p.text.replace(/\r\n/g, "\n").trim(), "First line.\n<b>not bold</b> & <script>not a script</script>");
    assert.equal(await browser.execute(() => document.querySelectorAll('[data-test="reader-body"] b, [data-test="reader-body"] script').length), 0, "text shown as text");
    assert.deepEqual(await flagsOf(server, "INBOX", uid), [], "reading marks nothing on the server");
    await click('[data-test="reader-back"]');
    await eventually("seen in Mailbell", async () => /\bviewed\b/.test((await rowOf(subject))?.cls ?? ""));
  });

  it("shows a hostile HTML mail without running or fetching anything; remote images only when allowed", async () => {
    const subject = `Hostile HTML ${Date.now()}`;
    const uid = await server.appendRaw("INBOX", mime({ subject, text: "The text part.", html: hostileHtml(web.httpPort, web.httpsPort) }));
    await browser.execute(() => {
      window.__messages = [];
      window.addEventListener("message", (e) => window.__messages.push(String(e.data)));
    });
    await openFromList(subject);
    const f = await eventually("the mail frame", async () => ((await frame())?.hello ? frame() : null)).catch(async (e) => {
      const dump = await browser.execute(() => {
        const f = document.querySelector('[data-test="reader-frame"]');
        return { body: document.querySelector('[data-test="reader-body"]')?.outerHTML.slice(0, 3000), doc: f ? String(f.contentDocument) : "no frame", inner: f?.contentDocument?.documentElement?.outerHTML?.slice(0, 2000) ?? null };
      });
      throw new Error(`${e.message}: ${JSON.stringify(dump)}`);
    });
    assert.equal(f.hello, "Hello from an HTML mail");
    assert.equal(f.sandbox, "allow-same-origin", "no allow-scripts, forms or popups");
    assert.equal(f.scripts, 0);
    assert.equal(f.forms, 0);
    assert.equal(f.frames, 0);
    assert.deepEqual(f.handlers, []);
    assert.ok(!f.hrefs.some((h) => h && /^javascript:/i.test(h)), `no javascript: link: ${f.hrefs}`);
    assert.ok(f.hrefs.every((h) => h === null || /^about:srcdoc#mailbell-link-\d+$/.test(h)), `links are the pane's: ${f.hrefs}`);
    assert.match(f.csp, /^default-src 'none'; style-src 'unsafe-inline'; img-src data:;/);
    assert.equal(f.padding, "12px", "the frame's own inline style applies (the app's CSP does not block it)");
    assert.equal(await textOf('[data-test="remote-bar"] span'), "2 remote images are blocked: loading them tells the sender you read this.");

    // A click on the javascript: link runs nothing and the frame stays where it is; a click on
    // the https link opens it in the browser, not in the frame.
    // Real clicks, inside the frame.
    await browser.switchFrame(await browser.$('[data-test="reader-frame"]'));
    try {
      await (await browser.$("a=a javascript link")).click();
      await (await browser.$("a=an https link")).click();
    } finally {
      await browser.switchFrame(null);
    }
    const opened = path.join(data.path, "opened.txt");
    await eventually("the https link opened in the browser", () => existsSync(opened) && readFileSync(opened, "utf8").includes("https://example.org/safe")).catch(async (e) => {
      const log = readFileSync(path.join(data.path, "mailbell.log"), "utf8").split("\n").slice(-30).join("\n");
      const f = await frame();
      throw new Error(`${e.message}\n${log}\n${JSON.stringify(f)}\n${await textOf('[data-test="reader-link-note"]')}`);
    });
    // A barrier for everything the page could have started: the frame loaded, its link clicks
    // were handled (the browser ran), and the window answers.
    const after = await frame();
    assert.equal(after.hello, "Hello from an HTML mail", "the frame did not navigate");
    assert.match(after.url, /^about:srcdoc#?$/);
    assert.equal(await browser.getTitle(), TITLE);
    assert.deepEqual(await browser.execute(() => window.__messages), []);
    assert.deepEqual(web.requests, [], "no request reached the loopback server");
    assert.deepEqual(web.connections, [], "nothing connected to the https port");
    screenshot("reader-html");

    await click('[data-test="show-remote"]');
    await eventually("the remote image asked for", () => web.connections.length >= 1);
    const g = await eventually("the frame again", async () => ((await frame())?.hello ? frame() : null));
    assert.match(g.csp, /img-src data: https:;/);
    assert.equal(g.scripts, 0);
    assert.equal(g.images.find((i) => i.src.startsWith("http:"))?.loaded, false, "the http image stays blocked");
    assert.equal(await browser.getTitle(), TITLE);
    assert.deepEqual(await browser.execute(() => window.__messages), []);
    assert.deepEqual(web.requests, [], "http stays blocked: only https images are allowed");
    assert.deepEqual(await flagsOf(server, "INBOX", uid), [], "reading marks nothing on the server");
  });

  it("marks read, archives and deletes exactly that message from the pane; Undo restores it", async () => {
    const subjects = [1, 2, 3].map((i) => `Act ${i} ${Date.now()}`);
    const uids = [];
    for (const s of subjects) uids.push(await server.appendRaw("INBOX", mime({ subject: s, text: `Body of ${s}` })));
    const inboxUids = async () => (await server.listFlags("INBOX")).map(([u]) => u);
    const others = async () => (await server.listFlags("INBOX")).filter(([u]) => !uids.includes(u));
    const othersBefore = await others();

    // Mark as read, then Undo.
    await openFromList(subjects[0]);
    await click('[data-test="reader"] [data-test="act-read"]');
    await eventually("marked read on the server", async () => (await flagsOf(server, "INBOX", uids[0]))?.includes("\\Seen"));
    assert.deepEqual(await flagsOf(server, "INBOX", uids[1]), [], "the next message is untouched");
    const t = await eventually("the toast", toast);
    assert.equal(t.text, "Marked as read on the server.");
    assert.ok(t.undo, "Undo offered");
    await click('[data-test="toast-undo"]');
    await eventually("unread again on the server", async () => (await flagsOf(server, "INBOX", uids[0]))?.length === 0);

    // Archive from the pane, then Undo.
    await openFromList(subjects[1]);
    const archiveBefore = (await server.listFlags("Archive")).length;
    const inboxBefore = await inboxUids();
    await click('[data-test="reader"] [data-test="act-archive"]');
    await eventually("moved to Archive", async () => (await flagsOf(server, "INBOX", uids[1])) === null && (await server.listFlags("Archive")).length === archiveBefore + 1);
    assert.equal((await toast())?.text, "Moved to the archive.");
    await eventually("back on the list", async () => (await browser.execute(() => document.getElementById("main").dataset.view)) === "messages");
    await click('[data-test="toast-undo"]');
    await eventually("back in INBOX", async () => (await server.listFlags("Archive")).length === archiveBefore && (await inboxUids()).length === inboxBefore.length);
    // Back under a new UID (the server gives a moved message a new one), unread as it was.
    const restored = (await inboxUids()).filter((u) => !inboxBefore.includes(u));
    assert.equal(restored.length, 1);
    assert.deepEqual(await flagsOf(server, "INBOX", restored[0]), []);
    uids.push(restored[0]);

    // Delete from a row of the list.
    const trashBefore = (await server.listFlags("Trash")).length;
    await tab("messages");
    await click(`${await rowSelector(subjects[2])} [data-test="act-delete"]`);
    await eventually("moved to Trash", async () => (await flagsOf(server, "INBOX", uids[2])) === null && (await server.listFlags("Trash")).length === trashBefore + 1);
    assert.equal((await browser.execute(() => document.getElementById("main").dataset.view)), "messages", "a row's action opens nothing");
    // New mail lists only news: the deleted message leaves it; Recent keeps it as deleted.
    await eventually("the row to leave New mail", async () => (await rowOf(subjects[2])) === null);
    await tab("recent");
    await eventually("Recent to show it deleted", async () => (await recentState(subjects[2])) === "deleted");
    await tab("messages");
    assert.deepEqual(await others(), othersBefore, "no other message changed");
  });

  it("says in a sentence that a server without an Archive folder cannot archive", async () => {
    const subject = `No archive ${Date.now()}`;
    const uid = await bare.appendRaw("INBOX", mime({ subject, text: "Try to archive me." }));
    await openFromList(subject);
    await click('[data-test="reader"] [data-test="act-archive"]');
    const t = await eventually("the error", async () => ((await toast())?.cls.includes("error") ? toast() : null));
    assert.match(t.text, /has no Archive folder/);
    assert.ok(!t.undo);
    assert.deepEqual(await flagsOf(bare, "INBOX", uid), [], "nothing changed");
    await click('[data-test="toast-close"]');
  });

  it("opens the message whose notification is clicked in the reading pane", async () => {
    assert.equal(spawnSync("dunstctl", ["close-all"]).status, 0);
    await tab("accounts");
    const subject = `Notified ${Date.now()}`;
    await server.appendRaw("INBOX", mime({ subject, text: "Opened from the bell." }));
    await eventually("its notification", () => monitor.calls().some((c) => c.some((s) => s.includes(subject))));
    const r = await eventually("dunst to show it", () => {
      const out = spawnSync("dunstctl", ["count", "displayed"], { encoding: "utf8" }).stdout.trim();
      return out !== "0" ? out : null;
    });
    assert.ok(r);
    const clicked = spawnSync("dunstctl", ["action", "0"], { encoding: "utf8" });
    assert.equal(clicked.status, 0, clicked.stderr);
    await eventually("the reading pane on that message", async () => (await pane()).subject === subject);
    await eventually("its body", async () => (await pane()).text?.includes("Opened from the bell."));
    await click('[data-test="reader-back"]');
    await eventually("seen in Mailbell", async () => /\bviewed\b/.test((await rowOf(subject))?.cls ?? ""));
  });

  it("marks exactly that message read from its notification's Mark as read (dunst's context menu)", async () => {
    assert.equal(spawnSync("dunstctl", ["close-all"]).status, 0);
    await tab("accounts");
    const subject = `Bell action ${Date.now()}`;
    const displayed = () => Number(spawnSync("dunstctl", ["count", "displayed"], { encoding: "utf8" }).stdout.trim());
    // A neighbour first, rung and put away, so that the menu holds the one message's actions.
    const neighbourSubject = `Neighbour ${Date.now()}`;
    const neighbour = await server.appendRaw("INBOX", mime({ subject: neighbourSubject, text: "Leave me be." }));
    await eventually("the neighbour's notification", () => monitor.calls().some((c) => c.some((s) => s.includes(neighbourSubject))));
    await eventually("dunst to show it", () => displayed() > 0);
    assert.equal(spawnSync("dunstctl", ["close-all"]).status, 0);
    await eventually("dunst to put it away", () => displayed() === 0);
    const uid = await server.appendRaw("INBOX", mime({ subject, text: "Mark me from the bell." }));
    await eventually("its notification", () => monitor.calls().some((c) => c.some((s) => s.includes(subject))));
    const home = process.env.HOME;
    writeFileSync(path.join(home, ".mailbell-dunst-choice"), "Mark as read");
    rmSync(path.join(home, ".mailbell-dunst-menu"), { force: true });
    await eventually("dunst to show it", () => displayed() === 1);
    const r = spawnSync("dunstctl", ["context"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    await eventually("marked read on the server", async () => (await flagsOf(server, "INBOX", uid))?.includes("\\Seen"), { timeout: 30_000 });
    const menu = readFileSync(path.join(home, ".mailbell-dunst-menu"), "utf8");
    assert.match(menu, /Archive/, `the notification offers the actions: ${menu}`);
    assert.equal(menu.split("\n").filter((l) => l.includes("Mark as read")).length, 1, `one notification's actions: ${menu}`);
    assert.deepEqual(await flagsOf(server, "INBOX", neighbour), [], "exactly that message");
    await tab("messages");
    // Read on the server, it is no longer news: it leaves New mail, and Recent shows it read.
    await eventually("the row to leave New mail", async () => (await rowOf(subject)) === null);
    await tab("recent");
    await eventually("Recent to show it read", async () => (await recentState(subject)) === "read");
    await tab("messages");
    assert.notEqual((await pane()).view, "read", "an action opens nothing");
    rmSync(path.join(home, ".mailbell-dunst-choice"), { force: true });
  });

  it("opens a message in the desktop's mail program: Thunderbird gets its Message-ID", async () => {
    const subject = `For the mail program ${Date.now()}`;
    await server.appendRaw("INBOX", mime({ subject, text: "Open me in Thunderbird.", messageId: "<for-thunderbird@example.org>" }));
    await openFromList(subject);
    await eventually("the Open in button", async () => (await textOf('[data-test="reader-open-in"]')) === "Open in Fake Thunderbird");
    await click('[data-test="reader-open-in"]');
    const record = path.join(data.path, "mail-program.json");
    const argv = await eventually("the mail program started", () => (existsSync(record) ? JSON.parse(readFileSync(record, "utf8")) : null));
    assert.deepEqual(argv, ["--new-window", "mid:for-thunderbird@example.org"]);
  });

  it("opens a message with the user's command: the message only in its environment", async () => {
    const record = path.join(data.path, "open-in.json");
    const script = path.join(data.path, "open-in.sh");
    writeFileSync(
      script,
      `#!/usr/bin/env node\nrequire("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("MAILBELL_"))) }));\n`,
    );
    chmodSync(script, 0o755);
    await tab("accounts");
    await click(`[data-test="account"][data-account="${accountId}"] [data-test="edit-account"]`);
    await eventually("the editor", () => browser.execute(() => !!document.querySelector('[data-test="open-in"]')));
    await eventually("the choices loaded", () => browser.execute(() => document.querySelector('input[data-test="open-in-mail_program"]')?.checked === true));
    await click('input[data-test="open-in-command"]');
    const line = `${script} --account "$MAILBELL_ACCOUNT" 'two words'`;
    await browser.execute((l) => {
      const i = document.querySelector('[data-test="open-in-command-line"]');
      i.value = l;
      i.dispatchEvent(new Event("input", { bubbles: true }));
    }, line);
    await click('[data-test="open-in-save"]');
    await eventually("saved", async () => (await textOf('[data-test="open-in-status"]')) === "Saved.");

    const subject = `$(touch /tmp/mailbell-pwned) "; rm -rf ~; ' \`id\``;
    const uid = await server.appendRaw("INBOX", mime({ subject, from: "Eve <eve@example.org>", text: "Open me elsewhere.", messageId: "<open-in@example.org>" }));
    await openFromList(subject);
    await eventually("the Open in button", async () => (await textOf('[data-test="reader-open-in"]')) === "Open with your command");
    await click('[data-test="reader-open-in"]');
    const got = await eventually("the command's record", () => (existsSync(record) ? JSON.parse(readFileSync(record, "utf8")) : null));
    assert.deepEqual(got.argv, ["--account", "$MAILBELL_ACCOUNT", "two words"], "argv exactly as typed, nothing spliced in");
    assert.equal(got.env.MAILBELL_SUBJECT, subject);
    assert.equal(got.env.MAILBELL_ACCOUNT, accountId);
    assert.equal(got.env.MAILBELL_FOLDER, "INBOX");
    assert.equal(got.env.MAILBELL_UID, String(uid));
    assert.match(got.env.MAILBELL_UIDVALIDITY, /^\d+$/);
    assert.equal(got.env.MAILBELL_MESSAGE_ID, "open-in@example.org");
    assert.match(got.env.MAILBELL_FROM, /eve@example\.org/);
    assert.ok(!existsSync("/tmp/mailbell-pwned"), "the subject ran nothing");
  });
});
