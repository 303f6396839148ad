// "New" means new, in the real app against a real Dovecot: a message read in another mail
// program leaves New mail and the count; marked unread again it comes back (counted again,
// ringing no second time); deleted there it is gone. Recent keeps it with its state.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { App, cli, eventually, NotifyMonitor, requireEnvironment, screenshot, tempDir, TestServer, windowHelpers } from "./harness.mjs";

const EMAIL = "alice@localhost";

let server, data, monitor, app, browser;
let textOf, click, tab, folder;

/** The New mail list's subjects, newest first. */
const newSubjects = () => browser.execute(() => [...document.querySelectorAll('[data-test="message"] .subject')].map((e) => e.textContent));

/** Recent's rows as "subject: state". */
const recentRows = () =>
  browser.execute(() => [...document.querySelectorAll('[data-test="recent-message"]')].map((e) => `${e.querySelector(".subject")?.textContent}: ${e.getAttribute("data-state")}`));

/** The count as the window shows it: the New mail header, the tab's badge, the title. */
const counts = () =>
  browser.execute(() => ({
    header: document.querySelector('[data-test="unviewed-count"]')?.textContent ?? null,
    tab: document.querySelector('[data-test="tab-messages"] .tab-count')?.textContent ?? null,
    title: document.title,
  }));

const notifications = (subject) => monitor.calls().filter((s) => (s[3] ?? "").startsWith(`${subject}\n`)).length;

describe("New means new", () => {
  before(async () => {
    requireEnvironment();
    server = await TestServer.start();
    data = tempDir("mailbell-news-e2e-");
    const { host, tls_port, ca_file, user, password } = server.info;
    cli(
      data.path,
      ["account", "add", "--email", EMAIL, "--host", host, "--port", String(tls_port), "--security", "tls", "--username", user, "--password-stdin", "--ca-file", ca_file, "--interval", "3600"],
      password,
    );
    monitor = await NotifyMonitor.start();
    app = await App.start({ dataDir: data.path });
    browser = app.browser;
    ({ textOf, click, tab, folder } = windowHelpers(browser));
    await tab("accounts");
    await eventually("INBOX to be checked", async () => (await folder("INBOX"))?.state === "ok");
    // The timer is an hour away: what follows comes by push (NOTIFY), as it would for a user.
    await eventually("push", async () => /push \(NOTIFY\)/.test((await textOf('[data-test="account"] .facts')) ?? ""));
  });

  after(async () => {
    await app?.stop();
    monitor?.stop();
    await server?.stop();
    data?.remove();
  });

  it("a message read elsewhere leaves New mail and the count; unread again it comes back; deleted it is gone; Recent keeps it", async () => {
    await tab("messages");
    const { uid } = await server.append("INBOX", "Read me elsewhere");
    await server.append("INBOX", "Stays new");
    await eventually("both listed", async () => JSON.stringify(await newSubjects()) === JSON.stringify(["Stays new", "Read me elsewhere"]));
    await eventually("both counted", async () => (await counts()).header === "2 new messages");
    await eventually("its notification", () => notifications("Read me elsewhere") === 1);

    // Read in another mail program.
    await server.flags("INBOX", uid, { add: ["\\Seen"] });
    await eventually("the read one to leave New mail", async () => JSON.stringify(await newSubjects()) === JSON.stringify(["Stays new"]));
    await eventually("the count to drop", async () => {
      const c = await counts();
      return c.header === "1 new message" && c.tab === "1" && c.title === "Mailbell (1)";
    });
    await tab("recent");
    await eventually("Recent to show it read", async () => (await recentRows()).includes("Read me elsewhere: read"));
    assert.ok((await recentRows()).includes("Stays new: new"), JSON.stringify(await recentRows()));
    screenshot("recent");

    // Looked at in Mailbell, then marked unread again in the other program: news again, and
    // counted again (the user wants to come back to it), without a second notification.
    await tab("messages");
    await click('[data-test="mark-all"]');
    await eventually("all seen", async () => (await counts()).header === "1 message, seen");
    await server.flags("INBOX", uid, { remove: ["\\Seen"] });
    await eventually("it to come back", async () => JSON.stringify(await newSubjects()) === JSON.stringify(["Stays new", "Read me elsewhere"]));
    // The header counts the rows it stands above: two, one of them not seen yet.
    await eventually("counted again", async () => (await counts()).header === "2 messages, 1 not seen yet");
    const back = await browser.execute(() => [...document.querySelectorAll('[data-test="message"]')].find((e) => e.querySelector(".subject")?.textContent === "Read me elsewhere")?.className);
    assert.match(back, /\bunviewed\b/);
    await tab("recent");
    await eventually("Recent to show it new", async () => (await recentRows()).includes("Read me elsewhere: new"));

    // Deleted in the other program: gone from New mail and the count, kept in Recent.
    await server.expunge("INBOX", uid);
    await eventually("Recent to show it deleted", async () => (await recentRows()).includes("Read me elsewhere: deleted"));
    await tab("messages");
    await eventually("gone from New mail", async () => JSON.stringify(await newSubjects()) === JSON.stringify(["Stays new"]));
    await eventually("the count back to none", async () => (await counts()).header === "1 message, seen");

    // A barrier: notifications go out in order, so once a later one is here, a second one for
    // the message that came back would have been too.
    await server.append("INBOX", "After it all");
    await eventually("the later notification", () => notifications("After it all") === 1);
    assert.equal(notifications("Read me elsewhere"), 1, "unread again rings no second time");
  });
});
