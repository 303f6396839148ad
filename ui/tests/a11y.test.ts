// Accessibility of every view, checked with axe-core on the whole window (main.ts over a mocked
// IPC) with representative data: names for every button and control, roles used as ARIA
// allows, labels, headings, landmarks, unique ids.
//
// jsdom has no layout and no rendering, so axe cannot judge here what needs them: color-contrast
// (computed colours over what is painted below), target-size (element boxes), and whether a
// region scrolls (scrollable-region-focusable). The WebDriver suite (tests-app/e2e/keys.test.mjs)
// runs axe-core in the real app, where those rules are evaluated too. Nor can axe reach into the
// reading pane's frame here (jsdom's frames do not answer it): the mail inside is the sender's
// markup, not the app's, and the frame itself (its title) is checked.

import axe from "axe-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";

import { h } from "../src/dom";
import type { AccountView } from "../src/bindings/AccountView";
import type { MessageView } from "../src/bindings/MessageView";
import type { View } from "../src/model";
import { account, folder, message, oauthAccount, REVOKED, snapshot } from "./fixtures";
import { $, bootWindow, press, settle, shownView } from "./window";

afterEach(() => clearMocks());

// As ui/index.html says (jsdom's blank document has no language).
document.documentElement.lang = "en";
// jsdom has no ResizeObserver; the reading pane sizes its frame with one.
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};

/** The rules jsdom cannot evaluate (see above). */
const NEEDS_RENDERING = ["color-contrast", "target-size", "scrollable-region-focusable"];

async function violations(): Promise<string[]> {
  const result = await axe.run(document, { rules: Object.fromEntries(NEEDS_RENDERING.map((r) => [r, { enabled: false }])), resultTypes: ["violations"], iframes: false });
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} — ${n.failureSummary ?? v.help}`));
}

/** Accounts in the states the views draw differently: fine with push, a folder error, a refused
 * password, and an OAuth2 sign-in to renew. */
function accounts(): AccountView[] {
  const ok = account([folder("INBOX"), folder("Work", { state: "error", last_error: "NO Mailbox is locked" }), folder("Junk", { watched: false })]);
  ok.status = { account: "acc1", state: "ok", error: null, new_messages: 2, next_pass_at: "2026-11-28T12:05:00Z", retries: 0, push: true, push_mode: "idle", push_folders: 1, sweep_secs: 300 };
  const refused = account();
  refused.account.id = "acc2";
  refused.account.email = "bob@example.org";
  refused.status = { account: "acc2", state: "auth_failed", error: "authentication failed", new_messages: 0, next_pass_at: null, retries: 1, push: false, push_mode: "none", push_folders: 0, sweep_secs: null };
  const oauth = oauthAccount("auth_failed", REVOKED);
  oauth.account.id = "acc3";
  oauth.account.email = "carol@example.org";
  return [ok, refused, oauth];
}

const mail: MessageView = {
  account: "acc1",
  folder: "INBOX",
  uidvalidity: 1,
  uid: 2,
  subject: "Quarterly report",
  from: [{ name: "Bob", address: "bob@example.org" }],
  to: [{ name: null, address: "alice@example.org" }],
  cc: [{ name: "Carol", address: "carol@example.org" }],
  reply_to: [],
  date: "2026-11-28T10:00:00Z",
  message_id: "x@y",
  list_id: null,
  seen: false,
  size: 4096,
  text: "",
  html: "<p>Hello <a href='https://example.org/'>there</a> <img src='https://tracker.example/x.png' alt=''></p>",
  remote_images: 1,
  attachments: [{ name: "report.pdf", mime: "application/pdf", size: 204800 }],
  truncated: false,
};

async function bootRich() {
  const snap = snapshot(accounts());
  snap.unviewed = 2;
  snap.rules = { quiet_hours: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "22:00", end: "07:00" }], important: ["boss@example.org"], muted: ["news@example.org"] };
  const news = [message(3, "Quarterly report", { preview: "Numbers are in" }), message(2, "Lunch?", { viewed: true })];
  const recent = [...news, message(1, "Old thread", { seen: true, viewed: true })];
  return bootWindow(snap, (cmd) => {
    if (cmd === "list_news") return news;
    if (cmd === "list_messages") return recent;
    if (cmd === "show_message") return mail;
    if (cmd === "open_in_options") return { account: "acc1", choice: { kind: "mail_program" }, mail_program: "Thunderbird", webmail: null };
    return null;
  });
}

// axe walks the whole window several times per test: slow on a loaded machine, not stuck.
describe("axe-core finds no violations", { timeout: 60_000 }, () => {
  it("(and does find them here: a button without a name, a tab out of its list)", async () => {
    await bootRich();
    document.getElementById("main")!.append(h("button", { attrs: { type: "button" } }), h("span", { attrs: { role: "tab" } }, "Stray"));
    const found = (await violations()).map((v) => v.split(" ")[0]);
    expect(found).toEqual(expect.arrayContaining(["button-name", "aria-required-parent"]));
  });

  const tabs: View[] = ["messages", "recent", "accounts", "settings", "about"];
  for (const v of tabs) {
    it(`in ${v}`, async () => {
      await bootRich();
      $(`tab-${v}`).click();
      await settle();
      await settle();
      expect(shownView()).toBe(v);
      expect(await violations()).toEqual([]);
    });
  }

  it("in the reading pane, an HTML mail with remote images blocked", async () => {
    await bootRich();
    document.querySelector<HTMLElement>('[data-test="message"]')!.click();
    await vi.waitFor(() => expect($("reader-subject")).not.toBeNull());
    await vi.waitFor(() => expect($("reader-open-in")).not.toBeNull());
    expect(await violations()).toEqual([]);
  });

  it("in an account's page", async () => {
    await bootRich();
    $("tab-accounts").click();
    await settle();
    document.querySelector<HTMLElement>('[data-test="edit-account"]')!.click();
    await settle();
    expect(shownView()).toBe("edit");
    expect(await violations()).toEqual([]);
  });

  it("in the setup wizard", async () => {
    await bootWindow(snapshot([]));
    expect(await violations()).toEqual([]);
  });

  it("with the live region saying what a shortcut started", async () => {
    await bootRich();
    press("F5");
    await vi.waitFor(() => expect($("announce").textContent).not.toBe(""));
    expect($("announce").getAttribute("role")).toBe("status");
    expect(await violations()).toEqual([]);
  });
});
