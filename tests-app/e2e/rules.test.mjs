// What rings, set in the real app's Settings and applied by the real engine against a real
// Dovecot, heard on the session bus (Notify calls): a folder whose ring is off, a muted mailing
// list, quiet hours with an important sender ringing through them, and the one digest when the
// quiet hours end (here: when they are removed, which ends them at once). Mail that does not
// ring is still listed and counted.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { App, cli, eventually, NotifyMonitor, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const EMAIL = "alice@localhost";

let server, data, monitor, app, browser;
let textOf, onElement, click, tab, folder, currentView;

const subjects = () => browser.execute(() => [...document.querySelectorAll('[data-test="message"] .subject')].map((e) => e.textContent));
const count = () => textOf('[data-test="unviewed-count"]');
/** Notify calls as { summary, body }. */
const calls = () => monitor.calls().map((s) => ({ summary: s[2] ?? "", body: s[3] ?? "" }));
const rang = (subject) => calls().filter((c) => c.body.startsWith(`${subject}\n`)).length;

/** Appends a message that rings, and waits for its notification: notifications go out in the
 * order of the passes, so any for mail appended before it would be out by then. */
async function barrier(name) {
  await server.append("INBOX", name);
  await eventually(`the notification of "${name}"`, () => rang(name) === 1);
}

/** Types into a field of the rules form and leaves it (a change is saved when the field is left). */
async function typeInto(selector, text) {
  await onElement(selector, async (el) => {
    await el.clearValue();
    await el.setValue(text);
  });
  await browser.keys("Tab");
}

const ruleError = (part) => textOf(`[data-test="rules-error-${part}"]`);
const entries = (part) => browser.execute((p) => [...document.querySelectorAll(`[data-test="${p}-entry"] span`)].map((e) => e.textContent), part);

describe("What rings", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    await server.create("Newsletters");
    data = tempDir("mailbell-rules-e2e-");
    const { host, tls_port, ca_file, user, password } = server.info;
    cli(
      data.path,
      ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
      password,
    );
    monitor = await NotifyMonitor.start();
    app = await App.start({ dataDir: data.path });
    browser = app.browser;
    ({ textOf, onElement, click, tab, folder, currentView } = windowHelpers(browser));
    await tab("accounts");
    for (const f of ["INBOX", "Newsletters"]) await eventually(`${f} to be checked`, async () => (await folder(f))?.state === "ok");
    // The timer is an hour away: mail comes by push (NOTIFY), as it would for a user.
    await eventually("push on both folders", async () => /push \(NOTIFY\) on 2 folders/.test((await textOf('[data-test="account"] .facts')) ?? ""));
  });

  after(async () => {
    await app?.stop();
    monitor?.stop();
    await server?.stop();
    data?.remove();
  });

  it("a folder whose ring is off lists and counts its mail, and never rings", async () => {
    // The account's own switches are on its page, which Settings links to.
    await tab("settings");
    await click('[data-test="account-settings"] [data-test="open-account-settings"]');
    await eventually("the account's page", async () => (await currentView()) === "edit");
    const ring = '[data-test="editor-folders"] [data-test="ring"][data-folder="Newsletters"]';
    assert.equal(await browser.execute((s) => document.querySelector(`${s} input`)?.checked, ring), true, "folders ring by default");
    await click(ring);
    await eventually("the ring switch off", () => browser.execute((s) => document.querySelector(`${s} input`)?.checked === false, ring));
    await browser.execute((s) => document.querySelector(s)?.scrollIntoView({ block: "center" }), ring);
    screenshot("settings-account-ring");

    await tab("messages");
    await server.append("Newsletters", "Weekly letter");
    await eventually("listed", async () => (await subjects()).includes("Weekly letter"));
    await eventually("counted", async () => (await count()) === "1 new message");
    await barrier("After the letter");
    assert.equal(rang("Weekly letter"), 0, "no notification for a folder whose ring is off");
  });

  it("a muted mailing list never rings; an entry the engine refuses is named in a sentence", async () => {
    await tab("settings");
    await typeInto('[data-test="muted-input"]', "not an address");
    await click('[data-test="muted-add"]');
    await eventually("the refusal in words", async () => /"not an address" is not an address/.test((await ruleError("muted")) ?? ""));
    assert.deepEqual(await entries("muted"), [], "nothing refused is kept");
    await typeInto('[data-test="muted-input"]', "list:dev.example.org");
    await click('[data-test="muted-add"]');
    await eventually("the list muted", async () => JSON.stringify(await entries("muted")) === JSON.stringify(["list:dev.example.org"]));
    assert.equal(await ruleError("muted"), null);

    await tab("messages");
    await server.append("INBOX", "A post to the list", undefined, undefined, "dev.example.org");
    await eventually("listed", async () => (await subjects()).includes("A post to the list"));
    await barrier("After the list post");
    assert.equal(rang("A post to the list"), 0, "no notification for a muted list");
  });

  it("in quiet hours only an important sender rings, and their end brings one digest", async () => {
    await tab("settings");
    await typeInto('[data-test="important-input"]', "boss@example.org");
    await click('[data-test="important-add"]');
    await eventually("the important sender", async () => JSON.stringify(await entries("important")) === JSON.stringify(["boss@example.org"]));
    // Quiet hours the whole day, every day (00:00 to 00:00): now is quiet.
    await click('[data-test="quiet-add"]');
    await eventually("a span of quiet hours", () => browser.execute(() => document.querySelectorAll('[data-test="quiet-span"]').length === 1));
    await typeInto('[data-test="quiet-start"]', "00:00");
    await eventually("its start kept", () => browser.execute(() => document.querySelector('[data-test="quiet-start"]')?.value === "00:00"));
    await typeInto('[data-test="quiet-end"]', "00:00");
    await eventually("the whole day kept", () =>
      browser.execute(() => document.querySelector('[data-test="quiet-span"]')?.getAttribute("title") === "Every day, 00:00 to 00:00 the next day"),
    );
    assert.equal(await ruleError("quiet_hours"), null);
    await browser.execute(() => document.querySelector('[data-test="rules"]')?.scrollIntoView({ block: "start" }));
    screenshot("settings-what-rings");

    await tab("messages");
    await server.append("INBOX", "Quiet please");
    await eventually("listed", async () => (await subjects()).includes("Quiet please"));
    await server.append("INBOX", "From the boss", "The Boss <boss@example.org>");
    await eventually("the important sender rings through the quiet hours", () => rang("From the boss") === 1);
    assert.equal(rang("Quiet please"), 0, "nothing else rings in quiet hours");
    assert.ok(!calls().some((c) => c.summary.startsWith("While quiet hours")), "no digest while they last");

    // The quiet hours end (removed): one notification sums up what came.
    await tab("settings");
    await click('[data-test="quiet-remove"]');
    const digest = await eventually("the digest", () => calls().find((c) => c.summary.startsWith("While quiet hours were on")));
    assert.equal(digest.summary, "While quiet hours were on: 1 message");
    assert.equal(digest.body, "Bob Sender: Quiet please");
    await barrier("After the quiet hours");
    assert.equal(calls().filter((c) => c.summary.startsWith("While quiet hours")).length, 1, "one digest");
    assert.equal(rang("Quiet please"), 0, "held mail is in the digest, not rung on its own");
  });
});
