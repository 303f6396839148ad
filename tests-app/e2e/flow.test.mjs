// End-to-end tests of how the real app says what is wrong with an account and leads to the fix,
// through WebDriver, against a real Dovecot (mailbell-testserver), the real Secret Service and
// the real CLI on the same data dir:
// - a refused password reads as a sentence, the server's own words are under "Details", and the
//   account's main button is "Enter password…", which leads to the password field that fixes it;
// - an untrusted certificate shows the certificate with its SHA-256 fingerprint, the main button
//   is "Review certificate…", and "Trust this certificate" pins it: the account works;
// - the CA file the file chooser hands over is taken by the set_ca_file command (the chooser is
//   the desktop's native dialog, which WebDriver cannot drive: the command is called as the
//   window calls it with the chosen path).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { App, cli, eventually, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

let server, data, app, browser;
let textOf, onElement, click, currentView, tab;

const type = (selector, value) => onElement(selector, (el) => el.setValue(value));
const focused = () => browser.execute(() => document.activeElement?.getAttribute("data-test") ?? null);
const accounts = () => JSON.parse(cli(data.path, ["account", "list", "--json"]));
const card = (id) => `[data-test="account"][data-account="${id}"]`;

/** The account card as shown: its state, its problem's kind and sentence, and its main button. */
const shownCard = (id) =>
  browser.execute((sel) => {
    const c = document.querySelector(sel);
    if (!c) return null;
    const head = c.querySelector(".card-head");
    const main = head?.querySelector("button.primary");
    return {
      state: c.querySelector('[data-test="account-state"]')?.textContent ?? null,
      kind: c.querySelector('[data-test="account-error"]')?.dataset.kind ?? null,
      sentence: c.querySelector('[data-test="account-error-sentence"]')?.textContent ?? null,
      main: main ? { text: main.textContent, test: main.dataset.test } : null,
    };
  }, card(id));

/** Adds an account for the test server's user with the CLI; `extra` e.g. the CA file. */
function addAccount(email, password, extra) {
  const { host, tls_port, user } = server.info;
  return cli(data.path, ["account", "add", "--email", email, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--interval", "3600", ...extra], password).trim();
}

/** The SHA-256 fingerprint of the certificate the server presents, as OpenSSL prints it. */
function serverFingerprint() {
  const cert = path.join(path.dirname(server.info.ca_file), "server.pem");
  const r = spawnSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", cert], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("=").pop();
}

describe("Errors as sentences and the fix as the main button", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    data = tempDir("mailbell-flow-e2e-");
  });

  after(async () => {
    await app?.stop();
    await server?.stop();
    data?.remove();
  });

  it("says a refused password as a sentence, keeps the server's words under Details, and leads to the password", async () => {
    const id = addAccount("wrong@flow.test", "not-the-password", ["--ca-file", server.info.ca_file]);
    app = await App.start({ dataDir: data.path });
    browser = app.browser;
    ({ textOf, onElement, click, currentView, tab } = windowHelpers(browser));

    await tab("accounts");
    await eventually("the refused password shown", async () => (await shownCard(id))?.kind === "auth_failed", { timeout: 60_000 });
    const shown = await shownCard(id);
    assert.equal(shown.sentence, `${server.info.host} did not accept the password for ${server.info.user}.`);
    assert.deepEqual(shown.main, { text: "Enter password…", test: "fix-password" }, "the fix is the main button");
    // The server's own words, under Details (closed until asked for).
    const details = `${card(id)} [data-test="account-error-details"]`;
    assert.equal(await browser.execute((sel) => document.querySelector(sel)?.open, details), false);
    await click(`${details} summary`);
    assert.equal(await browser.execute((sel) => document.querySelector(sel)?.open, details), true);
    assert.match((await textOf(`${card(id)} [data-test="account-error-raw"]`)) ?? "", /AUTHENTICATIONFAILED|Authentication failed/);
    screenshot("flow-password-refused");

    // The main button leads to the password field, and the right password fixes the account.
    await click(`${card(id)} [data-test="fix-password"]`);
    await eventually("the account's page with the focus in the password", async () => (await currentView()) === "edit" && (await focused()) === "editor-password");
    await type('[data-test="editor-password"]', server.info.password);
    await click('[data-test="editor-save-password"]');
    await eventually("the password saved", async () => !(await browser.execute(() => document.querySelector('[data-test="editor-password-saved"]')?.hidden ?? true)), { timeout: 60_000 });
    await click('[data-test="editor-back"]');
    await eventually("the account checked with the new password", async () => {
      const c = await shownCard(id);
      return c?.kind === null && c?.main?.test === "sync-account";
    }, { timeout: 60_000 });
  });

  it("shows an untrusted certificate with its fingerprint, and Trust this certificate makes the account work", async () => {
    const fingerprint = serverFingerprint();
    const id = addAccount("pin@flow.test", server.info.password, []);
    await eventually("the untrusted certificate shown", async () => (await shownCard(id))?.kind === "cert_untrusted", { timeout: 60_000 });
    const shown = await shownCard(id);
    assert.equal(shown.sentence, `Mailbell does not trust the certificate of ${server.info.host}, so it did not send your password.`);
    assert.deepEqual(shown.main, { text: "Review certificate…", test: "review-certificate" });

    await click(`${card(id)} [data-test="review-certificate"]`);
    await eventually("the certificate under review", async () => (await currentView()) === "edit" && (await textOf('[data-test="editor-certificate"] [data-test="cert-sha-256"]')) === fingerprint);
    assert.equal(await focused(), "editor-trust-cert", "the focus on the certificate's fix");
    screenshot("flow-review-certificate");
    await click('[data-test="editor-trust-cert"]');
    await eventually("the certificate pinned", () => accounts().find((a) => a.id === id)?.pinned_cert_sha256 === fingerprint);
    await eventually("the account checked with the pinned certificate", async () => {
      const pinned = await textOf('[data-test="editor-cert-pinned"]');
      return !(await browser.execute(() => !!document.querySelector('[data-test="editor-account-error"]'))) && pinned?.includes(fingerprint);
    }, { timeout: 60_000 });
    await click('[data-test="editor-back"]');
    await eventually("the account ok", async () => (await shownCard(id))?.main?.test === "sync-account", { timeout: 60_000 });
    assert.equal((await shownCard(id)).kind, null);
  });

  it("takes the CA file the chooser returns (set_ca_file) and the account works", async () => {
    const id = addAccount("ca@flow.test", server.info.password, []);
    await eventually("the untrusted certificate shown", async () => (await shownCard(id))?.kind === "cert_untrusted", { timeout: 60_000 });
    // What the window does with the path the file chooser returns.
    const err = await browser.execute(
      (account, p) => window.__TAURI_INTERNALS__.invoke("set_ca_file", { account, path: p }).then(() => null, (e) => e),
      id,
      server.info.ca_file,
    );
    assert.equal(err, null);
    assert.equal(accounts().find((a) => a.id === id)?.ca_file, server.info.ca_file);
    await eventually("the account ok with its CA", async () => (await shownCard(id))?.main?.test === "sync-account" && (await shownCard(id))?.kind === null, { timeout: 60_000 });
    // A file that is not a certificate is refused with the reason.
    const refused = await browser.execute(
      (account, p) => window.__TAURI_INTERNALS__.invoke("set_ca_file", { account, path: p }).then(() => null, (e) => e),
      id,
      "/etc/hostname",
    );
    assert.equal(refused?.field, "ca_file", JSON.stringify(refused));
  });
});
