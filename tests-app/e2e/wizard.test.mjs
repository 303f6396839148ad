// End-to-end tests of the account setup wizard and the account editor in the real app, through
// WebDriver: a new user with an empty data dir, discovery through a real autoconfig server on
// loopback, the live test against a real Dovecot (with its private CA), the real Secret Service
// (checked with secret-tool) and the real CLI reading the same data dir.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { App, AutoconfigServer, cli, eventually, keyringPassword, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const DOMAIN = "mailbell.test";

let server, autoconfig, data, app, browser;
let textOf, onElement, click, currentView, folder;
let email;

/** Replaces a field's value as a user would type it. */
const type = (selector, value) => onElement(selector, (el) => el.setValue(value));

const valueOf = (selector) => browser.execute((sel) => document.querySelector(sel)?.value ?? null, selector);

const focused = () => browser.execute(() => document.activeElement?.getAttribute("data-test") ?? null);

const wizardStep = () => browser.execute(() => document.querySelector('[data-test="wizard"]')?.getAttribute("data-step") ?? null);

async function atStep(step) {
  await eventually(`the wizard's ${step} step`, async () => (await wizardStep()) === step, { timeout: 30_000 });
}

/** The live test's steps as shown: {connect: "ok", secure: "failed", ...}. */
const testSteps = (list = "wizard-test-steps") =>
  browser.execute(
    (sel) => Object.fromEntries([...document.querySelectorAll(`[data-test="${sel}"] [data-test="test-step"]`)].map((li) => [li.dataset.step, li.dataset.status])),
    list,
  );

/** Records every state each test step goes through (to see progress shown live). */
const recordSteps = () =>
  browser.execute(() => {
    const w = window;
    w.__stepStates = [];
    w.__stepObserver?.disconnect();
    w.__stepObserver = new MutationObserver((records) => {
      for (const r of records) if (r.attributeName === "data-status") w.__stepStates.push(`${r.target.dataset.step}:${r.oldValue}`);
    });
    w.__stepObserver.observe(document.body, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-status"] });
  });
const recordedSteps = () => browser.execute(() => window.__stepStates);

const accounts = () => JSON.parse(cli(data.path, ["account", "list", "--json"]));

describe("Setup wizard and account editor", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    await server.create("Work");
    await server.append("Work", "Filed one");
    await server.append("Work", "Filed two");
    autoconfig = await AutoconfigServer.start({ host: server.info.host, port: server.info.tls_port });
    email = `${server.info.user}@${DOMAIN}`;
    data = tempDir("mailbell-wizard-e2e-");
    app = await App.start({ dataDir: data.path, env: autoconfig.env });
    browser = app.browser;
    ({ textOf, onElement, click, currentView, folder } = windowHelpers(browser));
  });

  after(async () => {
    await app?.stop();
    await autoconfig?.stop();
    await server?.stop();
    data?.remove();
  });

  it("takes a new user from the address to a watched account: autoconfig, the CA to trust, folders", async () => {
    const { host, tls_port, ca_file, password } = server.info;

    // First run: the wizard, with the focus in the address field and nowhere to cancel to.
    await eventually("the wizard at start", async () => (await currentView()) === "wizard" && (await focused()) === "wizard-email");
    assert.equal(await wizardStep(), "address");
    assert.ok(await browser.execute(() => document.querySelector('[data-test="wizard-cancel"]').hidden), "no Cancel on a first run");
    assert.ok(!(await browser.execute(() => document.querySelector('[data-test="wizard-welcome"]').hidden)), "a welcome");

    await type('[data-test="wizard-email"]', email);
    await type('[data-test="wizard-name"]', "Team mail");
    await click('[data-test="wizard-continue"]');

    // The settings autoconfig gave, and where they came from.
    await atStep("server");
    assert.equal(await focused(), "wizard-password", "the focus moves to the step's first field");
    assert.deepEqual(autoconfig.requests, [`/${DOMAIN}.xml`]);
    const source = await textOf('[data-test="wizard-source"]');
    assert.equal(source, `Found via autoconfig ${autoconfig.template.replace("{domain}", DOMAIN)}`);
    assert.equal(await valueOf('[data-test="wizard-host"]'), host);
    assert.equal(await valueOf('[data-test="wizard-port"]'), String(tls_port));
    assert.equal(await valueOf('[data-test="wizard-security"]'), "tls");
    assert.equal(await valueOf('[data-test="wizard-username"]'), server.info.user);
    assert.equal(await valueOf('[data-test="wizard-ca-file"]'), "");
    assert.equal(await textOf('[data-test="wizard-server-summary"]'), `${host}:${tls_port} · TLS · user ${server.info.user}`);

    // Dovecot's certificate comes from a private CA: not trusted, and shown.
    await type('[data-test="wizard-password"]', password);
    screenshot("wizard-settings");
    await recordSteps();
    await click('[data-test="wizard-test"]');
    await eventually("the untrusted certificate", async () => /does not trust the certificate/.test((await textOf('[data-test="wizard-ca-file-error"]')) ?? ""));
    assert.deepEqual(await testSteps(), { connect: "ok", secure: "failed", authenticate: "skipped", list_folders: "skipped" });
    const seen = await recordedSteps();
    assert.ok(seen.includes("secure:running"), `the secure step was shown running while it ran (seen: ${seen.join(", ")})`);
    assert.equal(await focused(), "wizard-ca-file", "the focus goes to the CA file");
    const cert = await browser.execute(() => Object.fromEntries([...document.querySelectorAll('[data-test="certificate"] dd')].map((dd) => [dd.dataset.test, dd.textContent])));
    assert.match(cert["cert-subject"], /\S/);
    assert.match(cert["cert-issuer"], /\S/);
    assert.match(cert["cert-sha-256"], /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.match(cert["cert-valid"], /^\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
    assert.match((await textOf('[data-test="wizard-ca-todo"]')) ?? "", /CA certificate file/);
    screenshot("wizard-certificate");

    // With the CA file, all four steps pass.
    await type('[data-test="wizard-ca-file"]', ca_file);
    await click('[data-test="wizard-test"]');
    await eventually("the test to pass", async () => Object.values(await testSteps()).every((s) => s === "ok"), { timeout: 30_000 });
    // The steps arrive as events before the command's answer fills in the summary line.
    await eventually("the passed test's summary", async () => /^Connected: signed in as /.test((await textOf('[data-test="wizard-test-ok"]')) ?? ""));

    // The folders: INBOX and Work (with its counts) chosen by default.
    await atStep("folders");
    const offered = await browser.execute(() =>
      [...document.querySelectorAll('[data-test="wizard-folder"]')].map((l) => ({
        name: l.dataset.folder,
        checked: l.querySelector("input").checked,
        counts: l.querySelector('[data-test="folder-counts"]')?.textContent ?? null,
      })),
    );
    assert.deepEqual(offered.find((f) => f.name === "INBOX"), { name: "INBOX", checked: true, counts: "0 messages" });
    assert.deepEqual(offered.find((f) => f.name === "Work"), { name: "Work", checked: true, counts: "2 messages, 2 unread" });
    screenshot("wizard-folders");
    await click('[data-test="wizard-folders-next"]');

    // Every 5 minutes, the default; then add.
    await atStep("finish");
    assert.equal(await valueOf('[data-test="wizard-interval"]'), "300");
    assert.ok(await browser.execute(() => document.querySelector('[data-test="wizard-notifications"] input').checked));
    await click('[data-test="wizard-add"]');

    // Accounts: the new account, its folders checked.
    await eventually("the Accounts view", async () => (await currentView()) === "accounts");
    await eventually("the new account", async () => (await textOf('[data-test="account"] h2')) === "Team mail");
    for (const f of ["INBOX", "Work"]) await eventually(`${f} to be checked`, async () => (await folder(f))?.state === "ok", { timeout: 30_000 });

    const [account] = accounts();
    assert.equal(account.email, email);
    assert.equal(account.interval_secs, 300);
    assert.deepEqual(account.folders, ["INBOX", "Work"]);
    assert.equal(account.ca_file, ca_file);
    assert.equal(keyringPassword(account.id), password, "the password is in the keyring");

    // And it is watched: new mail shows up.
    const subject = `After setup ${Date.now()}`;
    await server.append("INBOX", subject);
    await click('[data-test="tab-messages"]');
    await eventually("the new message", async () => (await browser.execute(() => [...document.querySelectorAll('[data-test="message"] .subject')].map((e) => e.textContent))).includes(subject), { timeout: 30_000 });
  });

  it("shows the server's words next to the password field for a wrong password, keeps the form, and passes once it is right", async () => {
    const { host, tls_port, ca_file, password } = server.info;
    await click('[data-test="tab-accounts"]');
    await click('[data-test="add-account"]');
    await eventually("the wizard with a Cancel", async () => (await currentView()) === "wizard" && !(await browser.execute(() => document.querySelector('[data-test="wizard-cancel"]').hidden)));
    await type('[data-test="wizard-email"]', email);
    await browser.keys("Enter");
    await atStep("server");
    await click('[data-test="wizard-edit-server"]');
    assert.equal(await focused(), "wizard-host");
    await type('[data-test="wizard-ca-file"]', ca_file);
    await type('[data-test="wizard-password"]', "not-the-password");
    await browser.keys("Enter");

    await eventually("the login error next to the password", async () => /Authentication failed/i.test((await textOf('[data-test="wizard-password-error"]')) ?? ""), { timeout: 30_000 });
    const error = await textOf('[data-test="wizard-password-error"]');
    assert.match(error, /\[AUTHENTICATIONFAILED\] Authentication failed\./, "the server's own words");
    assert.deepEqual(await testSteps(), { connect: "ok", secure: "ok", authenticate: "failed", list_folders: "skipped" });
    assert.equal(await focused(), "wizard-password");
    assert.equal(await browser.execute(() => document.querySelector('[data-test="wizard-password"]').getAttribute("aria-invalid")), "true");
    // Everything typed is still there.
    assert.equal(await valueOf('[data-test="wizard-email"]'), email);
    assert.equal(await valueOf('[data-test="wizard-host"]'), host);
    assert.equal(await valueOf('[data-test="wizard-port"]'), String(tls_port));
    assert.equal(await valueOf('[data-test="wizard-ca-file"]'), ca_file);
    assert.equal(await valueOf('[data-test="wizard-password"]'), "not-the-password");

    await type('[data-test="wizard-password"]', password);
    assert.equal(await textOf('[data-test="wizard-password-error"]'), "", "the error goes once the password is edited");
    await click('[data-test="wizard-test"]');
    await atStep("folders");
    assert.deepEqual(await testSteps(), { connect: "ok", secure: "ok", authenticate: "ok", list_folders: "ok" });

    // Escape leaves the wizard (there is an account to go back to); nothing was added.
    await browser.keys("Escape");
    await eventually("back in Accounts", async () => (await currentView()) === "accounts");
    assert.equal(accounts().length, 1);
  });

  it("edits an account's interval, folders and password, and removes it with its password", async () => {
    const { password } = server.info;
    const [account] = accounts();
    await click(`[data-test="account"][data-account="${account.id}"] [data-test="edit-account"]`);
    await eventually("the editor", async () => (await currentView()) === "edit");
    assert.equal(await textOf('[data-test="editor-title"]'), "Team mail");

    await onElement('[data-test="editor-interval"]', (el) => el.selectByAttribute("value", "600"));
    await eventually("the interval stored", () => accounts()[0].interval_secs === 600);

    await click('[data-test="editor-folders"] [data-test="watch"][data-folder="Work"]');
    await eventually("Work no longer watched", () => JSON.parse(cli(data.path, ["status", "--json"])).find((f) => f.folder === "Work")?.watched === false);
    assert.equal(JSON.parse(cli(data.path, ["status", "--json"])).find((f) => f.folder === "INBOX").watched, true);

    // A wrong password is tested, refused with the server's words, and not saved.
    await type('[data-test="editor-password"]', "wrong-again");
    await click('[data-test="editor-save-password"]');
    await eventually("the login error", async () => /AUTHENTICATIONFAILED/.test((await textOf('[data-test="editor-password-error"]')) ?? ""), { timeout: 30_000 });
    assert.equal(keyringPassword(account.id), password, "the keyring keeps the working password");
    await type('[data-test="editor-password"]', password);
    await click('[data-test="editor-save-password"]');
    await eventually("the password saved", async () => /saved/.test((await textOf('[data-test="editor-password-saved"]')) ?? ""), { timeout: 30_000 });
    assert.deepEqual(await testSteps("editor-test-steps"), { connect: "ok", secure: "ok", authenticate: "ok", list_folders: "ok" });
    screenshot("editor");

    // Remove, after a confirmation on the page.
    await click('[data-test="editor-remove"]');
    assert.match((await textOf('[data-test="editor-confirm"]')) ?? "", /password is deleted from your keyring/);
    await click('[data-test="editor-confirm-remove"]');
    await eventually("back in Accounts, without the account", async () => (await currentView()) === "accounts" && (await browser.execute(() => document.querySelectorAll('[data-test="account"]').length)) === 0);
    assert.match((await textOf('[data-test="notice"]')) ?? "", /Team mail is removed/);
    assert.ok(await browser.execute(() => !!document.querySelector('[data-test="empty-state"] [data-test="add-account"]')), "an Add account button");
    assert.equal(keyringPassword(account.id), null, "the keyring entry is gone");
    assert.deepEqual(accounts(), []);
  });

  it("trusts the server's own certificate in the wizard: tested again with it, pinned, and the account works", async () => {
    const { password } = server.info;
    await click('[data-test="empty-state"] [data-test="add-account"]');
    await eventually("the wizard", async () => (await currentView()) === "wizard");
    await type('[data-test="wizard-email"]', email);
    await browser.keys("Enter");
    await atStep("server");
    await type('[data-test="wizard-password"]', password);
    await browser.keys("Enter");
    // No CA file: the private CA's certificate is not trusted; its fingerprint is shown.
    await eventually("the untrusted certificate", async () => /does not trust the certificate/.test((await textOf('[data-test="wizard-ca-file-error"]')) ?? ""), { timeout: 30_000 });
    const shown = await textOf('[data-test="certificate"] [data-test="cert-sha-256"]');
    assert.match(shown ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, `the fingerprint shown: ${shown}`);
    assert.equal(await textOf('[data-test="wizard-trust-cert"]'), "Trust this certificate");
    // In the middle of the view: at its bottom edge the wizard's own button bar would be on top.
    await browser.execute(() => document.querySelector('[data-test="wizard-trust-cert"]').scrollIntoView({ block: "center" }));
    await click('[data-test="wizard-trust-cert"]');
    await atStep("folders");
    assert.deepEqual(await testSteps(), { connect: "ok", secure: "ok", authenticate: "ok", list_folders: "ok" });
    await click('[data-test="wizard-folders-next"]');
    await atStep("finish");
    await click('[data-test="wizard-add"]');
    await eventually("the Accounts view", async () => (await currentView()) === "accounts");
    const [account] = accounts();
    assert.equal(account.pinned_cert_sha256, shown, "exactly the certificate shown is trusted");
    assert.equal(account.ca_file, null);
    // Its first check already accepts the pinned certificate (it was pinned before the engine started).
    await eventually("INBOX to be checked", async () => (await folder("INBOX"))?.state === "ok", { timeout: 30_000 });
    assert.equal(await browser.execute(() => document.querySelectorAll('[data-test="account-error"]').length), 0);
  });
});
