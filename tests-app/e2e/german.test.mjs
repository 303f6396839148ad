// The real app on a German desktop (LANG=de_DE.UTF-8), against a real Dovecot: every view speaks
// German, with no English left in what a person sees (text, tooltips, labels, placeholders), and
// the notification's buttons are German too. Mail data (subjects, senders, folder names, the
// server's address) is left out of the check: it is the mail's language, not Mailbell's.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { english, windowWords as readWindowWords } from "./german-words.mjs";
import { App, cli, eventually, NotifyMonitor, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const EMAIL = "alice@localhost";

let server, data, monitor, app, browser;
let textOf, click, tab, folder, onElement;

const windowWords = () => readWindowWords(browser);

async function assertGerman(view, mustSay) {
  const words = await windowWords();
  for (const s of mustSay) assert.ok(words.includes(s), `${view}: "${s}" expected in:\n${words}`);
  assert.deepEqual(english(words), [], `${view}: English left in:\n${words}`);
}

describe("Mailbell on a German desktop", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    data = tempDir("mailbell-german-e2e-");
    const { host, tls_port, ca_file, user, password } = server.info;
    cli(
      data.path,
      ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
      password,
    );
    monitor = await NotifyMonitor.start();
    // The desktop's locale as a German session sets it; LC_ALL and LANGUAGE would outrank LANG.
    app = await App.start({ dataDir: data.path, env: { LANG: "de_DE.UTF-8", LC_ALL: "", LC_MESSAGES: "", LANGUAGE: "" } });
    browser = app.browser;
    ({ textOf, click, tab, folder, onElement } = windowHelpers(browser));
    await tab("accounts");
    await eventually("INBOX to be checked", async () => (await folder("INBOX"))?.state === "ok");
    await eventually("push", async () => /Push \(NOTIFY\)/.test((await textOf('[data-test="account"] .facts')) ?? ""));
  });

  after(async () => {
    await app?.stop();
    monitor?.stop();
    await server?.stop();
    data?.remove();
  });

  it("speaks German in Accounts, with the desktop's language on the page", async () => {
    assert.equal(await browser.execute(() => document.documentElement.lang), "de");
    assert.equal(await textOf('[data-test="tab-accounts"]'), "Konten");
    await eventually("the folder's detail in German", async () => /abgerufen · \d+ Nachrichten?, \d+ ungelesen auf dem Server/.test((await folder("INBOX"))?.detail ?? ""));
    await assertGerman("Accounts", ["Konten", "1 Konto", "Konto hinzufügen", "Jetzt abrufen", "Bearbeiten", "Aktuell", "Alle abrufen"]);
    screenshot("german-accounts");
  });

  it("shows new mail in German, counts it with German plurals, and rings with German buttons", async () => {
    await tab("messages");
    await assertGerman("New mail, empty", ["Neue E-Mails", "Keine neuen E-Mails"]);
    await server.append("INBOX", "Grüße aus Berlin");
    await server.append("INBOX", "Noch eine Nachricht");
    await eventually("both listed", async () => (await browser.execute(() => document.querySelectorAll('[data-test="message"]').length)) === 2);
    await eventually("counted in German", async () => (await textOf('[data-test="unviewed-count"]')) === "2 neue Nachrichten");
    await assertGerman("New mail", ["Neue E-Mails", "2 neue Nachrichten", "Alle als angesehen markieren", "Als gelesen markieren", "Archivieren", "Löschen"]);
    screenshot("german-new-mail");
    // The notification's buttons come from the same catalogues (the Rust side).
    const calls = () => monitor.calls().filter((c) => c.some((s) => s.startsWith("Grüße aus Berlin")));
    await eventually("its notification", () => calls().length > 0);
    const strings = calls()[0];
    assert.ok(strings.includes("Als gelesen markieren") && strings.includes("Archivieren") && strings.includes("Löschen"), JSON.stringify(strings));
    assert.ok(!strings.includes("Mark as read"), JSON.stringify(strings));
  });

  it("reads a message in German, and says what the list shows once it is seen", async () => {
    await click('[data-test="message"] .subject');
    await eventually("the reading pane", async () => (await browser.execute(() => document.getElementById("main")?.dataset.view)) === "read");
    await eventually("the message loaded", async () => (await textOf('[data-test="reader-subject"]')) !== null);
    await assertGerman("Reader", ["← Neue E-Mails", "Von", "Datum", "Ordner"]);
    await click('[data-test="reader-back"]');
    await eventually("one seen, one not", async () => (await textOf('[data-test="unviewed-count"]')) === "2 Nachrichten, 1 noch nicht angesehen");
  });

  it("shows Recent, Settings and About in German", async () => {
    await tab("recent");
    await eventually("Recent's rows", async () => (await browser.execute(() => document.querySelectorAll('[data-test="recent-message"]').length)) === 2);
    await assertGerman("Recent", ["Zuletzt", "Höchstens die letzten 300 Nachrichten", "Neu", "In Mailbell angesehen"]);
    await tab("settings");
    await assertGerman("Settings", ["Einstellungen", "Allgemein", "Was meldet", "Ruhezeiten", "Wichtige Absender", "auf der Seite des Kontos", "Kontoeinstellungen …"]);
    await click('[data-test="quiet-add"]');
    await eventually("the quiet hours' German title", async () =>
      (await browser.execute(() => document.querySelector('[data-test="quiet-span"]')?.getAttribute("title"))) === "Jeden Tag, 22:00 bis 07:00 am nächsten Tag",
    );
    await assertGerman("Settings with quiet hours", ["Mo", "So", "am nächsten Tag"]);
    // The engine refuses an entry as a kind of problem; the app words it in German.
    await onElement('[data-test="muted-input"]', async (el) => {
      await el.clearValue();
      await el.setValue("keine Adresse");
    });
    await click('[data-test="muted-add"]');
    await eventually("the refusal in German", async () =>
      /^Stummgeschaltet: „keine Adresse“ ist weder eine Adresse/.test((await textOf('[data-test="rules-error-muted"]')) ?? ""),
    );
    screenshot("german-settings");
    await tab("about");
    await assertGerman("About", ["Über", "Datenordner", "Protokolldatei", "Über die Befehlszeile"]);
  });
});
