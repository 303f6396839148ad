// The setup wizard on a German desktop (LANG=de_DE.UTF-8), as a new user walks it against a real
// Dovecot found through a real autoconfig server on loopback: the certificate of the harness's
// private CA is not trusted (why, in German; OpenSSL's words only under "Details"), then a wrong
// password is refused (in German; Dovecot's words only under "Details"), then the account is
// added. At every step no English of Mailbell's own is left in the window (german-words.mjs),
// and each step of the connection test says what it found in German.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { english, windowWords } from "./german-words.mjs";
import { App, AutoconfigServer, cli, eventually, keyringPassword, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const DOMAIN = "mailbell.test";

let server, autoconfig, data, app, browser;
let textOf, onElement, click, currentView, folder;

const type = (selector, value) => onElement(selector, (el) => el.setValue(value));

const wizardStep = () => browser.execute(() => document.querySelector('[data-test="wizard"]')?.getAttribute("data-step") ?? null);

async function atStep(step) {
  await eventually(`the wizard's ${step} step`, async () => (await wizardStep()) === step, { timeout: 30_000 });
}

/** The live test's steps as shown: { connect: ["ok", "Verbunden mit …"], … }. */
const testSteps = () =>
  browser.execute(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-test="wizard-test-steps"] [data-test="test-step"]')].map((li) => [
        li.dataset.step,
        [li.dataset.status, li.querySelector('[data-test="step-detail"]').textContent],
      ]),
    ),
  );

/** The text of an error's parts: its sentence, its advice, and the words under "Details". */
const errorParts = (test) =>
  browser.execute(
    (sel) => {
      const el = document.querySelector(`[data-test="${sel}"]`);
      const text = (q) => el?.querySelector(q)?.textContent ?? null;
      return { message: text(".error-message"), advice: text(".error-advice"), summary: text("details summary"), details: text("details .raw-words") };
    },
    test,
  );

/** For a screenshot as a user looks: `selector` scrolled into view, its Details opened. */
const lookAt = (selector) =>
  browser.execute((sel) => {
    const el = document.querySelector(sel);
    for (const d of el.querySelectorAll("details")) d.open = true;
    el.scrollIntoView({ block: "start" });
  }, selector);

async function assertGerman(view, mustSay) {
  const words = await windowWords(browser);
  for (const s of mustSay) assert.ok(words.includes(s), `${view}: "${s}" expected in:\n${words}`);
  assert.deepEqual(english(words), [], `${view}: English left in:\n${words}`);
}

describe("The setup wizard on a German desktop", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    autoconfig = await AutoconfigServer.start({ host: server.info.host, port: server.info.tls_port });
    data = tempDir("mailbell-german-wizard-e2e-");
    app = await App.start({ dataDir: data.path, env: { ...autoconfig.env, LANG: "de_DE.UTF-8", LC_ALL: "", LC_MESSAGES: "", LANGUAGE: "" } });
    browser = app.browser;
    ({ textOf, onElement, click, currentView, folder } = windowHelpers(browser));
  });

  after(async () => {
    await app?.stop();
    await autoconfig?.stop();
    await server?.stop();
    data?.remove();
  });

  it("walks a new user from the address to a watched account in German: an untrusted certificate, a wrong password, then success", async () => {
    const { host, tls_port, ca_file, user, password } = server.info;
    const email = `${user}@${DOMAIN}`;

    await eventually("the wizard at start", async () => (await currentView()) === "wizard");
    assert.equal(await browser.execute(() => document.documentElement.lang), "de");
    await assertGerman("Address", ["Willkommen"]);
    await type('[data-test="wizard-email"]', email);
    await type('[data-test="wizard-name"]', "Teampost");
    await click('[data-test="wizard-continue"]');

    // What autoconfig gave, and what discovery tried, in German.
    await atStep("server");
    assert.match((await textOf('[data-test="wizard-source"]')) ?? "", /^Über Autoconfig gefunden/);
    const attempts = await browser.execute(() =>
      [...document.querySelectorAll('[data-test="wizard-attempts"] li')].map((li) => [li.querySelector(".attempt-source").textContent, li.querySelector(".attempt-result").textContent]),
    );
    assert.deepEqual(attempts, [
      ["Mailbells Liste der Anbieter", " — kein Anbieter, den Mailbell kennt"],
      ["Autoconfig", " — 1 IMAP-Server"],
    ]);
    await assertGerman("Server settings", ["Was versucht wurde", "Benutzer"]);

    // No CA file: the harness's private CA is not trusted. Why, in German; OpenSSL's words only
    // under Details.
    await type('[data-test="wizard-password"]', "not-the-password");
    await click('[data-test="wizard-test"]');
    await eventually("the untrusted certificate", async () => (await errorParts("wizard-ca-file-error")).message !== null, { timeout: 30_000 });
    const cert = await errorParts("wizard-ca-file-error");
    assert.equal(cert.message, `Mailbell vertraut dem Zertifikat von ${host} nicht. Es wurde von einer Zertifizierungsstelle ausgestellt, der dieser Computer nicht vertraut.`);
    assert.equal(cert.summary, "Details");
    assert.match(cert.details ?? "", /certificate/, "OpenSSL's own words under Details");
    const steps = await testSteps();
    assert.deepEqual(
      Object.fromEntries(Object.entries(steps).map(([k, [status]]) => [k, status])),
      { connect: "ok", secure: "failed", authenticate: "skipped", list_folders: "skipped" },
    );
    assert.match(steps.connect[1], /^Verbunden mit 127\.0\.0\.1:\d+\.$|^Verbunden mit [\d.:[\]]+; ein IMAP-Server hat geantwortet\.$/);
    assert.equal(steps.secure[1], `Mailbell vertraut dem Zertifikat von ${host} nicht und hat Ihr Passwort deshalb nicht gesendet.`);
    assert.equal(
      await textOf('[data-test="certificate"] [data-test="cert-why"]'),
      "Es wurde von einer Zertifizierungsstelle ausgestellt, der dieser Computer nicht vertraut.",
    );
    await assertGerman("Untrusted certificate", ["Dem Zertifikat des Servers wird nicht vertraut", "Grund", "Verbindung absichern", "fehlgeschlagen"]);
    await lookAt('[data-test="wizard-ca-file-error"]');
    screenshot("german-wizard-certificate");
    await lookAt('[data-test="wizard-test-steps"]');
    screenshot("german-wizard-certificate-steps");

    // With the CA file, the wrong password is refused: in German, Dovecot's words under Details.
    await type('[data-test="wizard-ca-file"]', ca_file);
    await click('[data-test="wizard-test"]');
    await eventually("the refused password", async () => (await errorParts("wizard-password-error")).message !== null, { timeout: 30_000 });
    const refused = await errorParts("wizard-password-error");
    assert.equal(refused.message, `${host} hat das Passwort für ${user} nicht angenommen.`);
    assert.match(refused.advice ?? "", /^Prüfen Sie Benutzername und Passwort/);
    assert.match(refused.details ?? "", /\[AUTHENTICATIONFAILED\] Authentication failed\./, "the server's own words under Details");
    const failed = await testSteps();
    assert.equal(failed.secure[0], "ok");
    assert.match(failed.secure[1], /^Mit TLS verschlüsselt; Zertifikat geprüft: CN=localhost, ausgestellt von CN=Mailbell Test CA, gültig bis \d{4}-\d\d-\d\d\.$/);
    assert.deepEqual(failed.authenticate, ["failed", `${host} hat das Passwort für ${user} nicht angenommen.`]);
    assert.deepEqual(failed.list_folders, ["skipped", ""]);
    await assertGerman("Wrong password", ["Anmelden", "übersprungen"]);
    await lookAt('[data-test="wizard-password-error"]');
    screenshot("german-wizard-password");
    await lookAt('[data-test="wizard-test-steps"]');
    screenshot("german-wizard-password-steps");

    // The right password: every step passes and says what it found.
    await type('[data-test="wizard-password"]', password);
    await click('[data-test="wizard-test"]');
    await eventually("the test to pass", async () => Object.values(await testSteps()).every(([s]) => s === "ok"), { timeout: 30_000 });
    const passed = await testSteps();
    assert.equal(passed.authenticate[1], `Angemeldet als ${user}.`);
    assert.match(passed.list_folders[1], /^\d+ Ordner\.$/);
    await atStep("folders");
    await assertGerman("Folders", ["Ordner"]);
    await click('[data-test="wizard-folders-next"]');
    await atStep("finish");
    await assertGerman("Finish", []);
    await click('[data-test="wizard-add"]');

    await eventually("the Accounts view", async () => (await currentView()) === "accounts");
    await eventually("INBOX to be checked", async () => (await folder("INBOX"))?.state === "ok", { timeout: 30_000 });
    await assertGerman("Accounts after setup", ["Konten", "1 Konto"]);
    const [account] = JSON.parse(cli(data.path, ["account", "list", "--json"]));
    assert.equal(account.email, email);
    assert.equal(account.ca_file, ca_file);
    assert.equal(keyringPassword(account.id), password);
  });
});
