// The whole window (main.ts) over a mocked Tauri IPC: which view opens first, and that the forms
// survive the renders engine events cause.

import { afterEach, describe, expect, it, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

import { APP_CHANNEL, ENGINE_CHANNEL } from "../src/bridge";
import type { AppEvent } from "../src/bindings/AppEvent";
import type { Event as EngineEvent } from "../src/bindings/Event";
import { account, folder, message, oauthAccount, offer, passedReport, REVOKED, snapshot, stepReport } from "./fixtures";
import { bootWindow } from "./window";

/** Boots a fresh copy of main.ts against `snap`; `reply` answers other commands. */
const boot = bootWindow;

const $ = <E extends HTMLElement = HTMLElement>(test: string) => document.querySelector<E>(`[data-test="${test}"]`)!;
const view = () => document.getElementById("main")!.dataset.view;
const settle = () => new Promise((r) => setTimeout(r, 60));

function type(el: HTMLInputElement, value: string): void {
  el.focus();
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Engine events of every kind that makes the window draw again. */
async function busyEngine(): Promise<void> {
  const events: EngineEvent[] = [
    { event: "account_status", account: "acc1", state: "syncing", error: null, new_messages: 0, next_pass_at: null, retries: 0, push: false, push_mode: "none", push_folders: 0, sweep_secs: null },
    { event: "folder_status", account: "acc1", folder: "INBOX", state: "ok", uidvalidity: 1, last_uid: 12, error: null, last_sync_at: new Date().toISOString(), messages: 12, unseen: 1, notice: null },
    { event: "account_status", account: "acc1", state: "ok", error: null, new_messages: 1, next_pass_at: null, retries: 0, push: true, push_mode: "none", push_folders: 0, sweep_secs: null },
  ];
  for (const e of events) await emit(ENGINE_CHANNEL, e);
  await emit(APP_CHANNEL, { kind: "unviewed", count: 1 } satisfies AppEvent);
  await settle();
}

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

describe("language", () => {
  it("speaks the language the app says (the desktop's), not the webview's", async () => {
    const calls = await boot(snapshot(), (cmd) => (cmd === "locale" ? { language: "de", formats: "de-AT" } : null));
    expect(calls.some(([cmd]) => cmd === "locale")).toBe(true);
    expect(document.documentElement.lang).toBe("de");
    expect($("tab-messages").textContent).toBe("Neue E-Mails");
    await vi.waitFor(() => expect($("sync-all")?.textContent).toBe("Alle abrufen"));
    $("tab-accounts").click();
    await vi.waitFor(() => expect(view()).toBe("accounts"));
    expect($("sync-account").textContent).toBe("Jetzt abrufen");
    expect(document.querySelector(".view-head .count")!.textContent).toBe("1 Konto");
  });

  it("stays English when the app cannot say", async () => {
    await boot(snapshot(), (cmd) => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the IPC rejects with the Rust error as a bare object
      if (cmd === "locale") throw { kind: "internal", message: "no" };
      return null;
    });
    expect($("tab-messages").textContent).toBe("New mail");
  });
});

describe("first run", () => {
  it("opens the wizard when there is no account, without tabs", async () => {
    await boot(snapshot([]));
    expect(view()).toBe("wizard");
    expect(document.querySelector('[data-test="tab-messages"]')).toBeNull();
    expect(document.activeElement).toBe($("wizard-email"));
    expect($("wizard-cancel").hidden).toBe(true);
  });

  it("opens New mail when there are accounts; Add account opens the wizard, Escape leaves it", async () => {
    await boot(snapshot());
    expect(view()).toBe("messages");
    $("tab-accounts").click();
    await settle();
    $("add-account").click();
    await settle();
    expect(view()).toBe("wizard");
    expect($("wizard-cancel").hidden).toBe(false);
    $("wizard-email").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await settle();
    expect(view()).toBe("accounts");
  });
});

describe("renders keep the forms", () => {
  it("keeps the wizard's typed text and focus while engine events redraw the window", async () => {
    await boot(snapshot([]));
    const email = $<HTMLInputElement>("wizard-email");
    type(email, "alice@exam");
    await busyEngine();
    await emit(APP_CHANNEL, { kind: "refresh" } satisfies AppEvent);
    await new Promise((r) => setTimeout(r, 400)); // the snapshot is read again (debounced)
    expect($("wizard-email")).toBe(email);
    expect(email.value).toBe("alice@exam");
    expect(document.activeElement).toBe(email);
  });

  it("keeps the wizard's password and its step across renders, and shows test steps as they come", async () => {
    let release!: () => void;
    await boot(snapshot(), async (cmd, args) => {
      if (cmd === "discover_servers") return { domain: "example.org", candidates: [], attempts: [], error: "nothing found" };
      if (cmd === "test_connection") {
        await emit(APP_CHANNEL, { kind: "test_step", run: args.run as number, step: stepReport("connect", "ok", "connected") } satisfies AppEvent);
        await emit(APP_CHANNEL, { kind: "test_step", run: (args.run as number) + 100, step: stepReport("secure", "failed", "someone else's") } satisfies AppEvent);
        await new Promise<void>((r) => (release = r));
        return passedReport();
      }
      return null;
    });
    $("tab-accounts").click();
    await settle();
    $("add-account").click();
    await settle();
    type($("wizard-email"), "alice@example.org");
    $("wizard-continue").click();
    await vi.waitFor(() => expect($("wizard").dataset.step).toBe("server"));
    type($("wizard-host"), "imap.example.org");
    const password = $<HTMLInputElement>("wizard-password");
    type(password, "secret");
    $("wizard-test").click();
    await vi.waitFor(() => expect(release).toBeDefined());
    await busyEngine();
    const status = () => [...document.querySelectorAll<HTMLElement>('[data-test="wizard-test-steps"] [data-test="test-step"]')].map((li) => li.dataset.status);
    expect(status()).toEqual(["ok", "running", "pending", "pending"]);
    expect($("wizard").dataset.step).toBe("server");
    expect($("wizard-password")).toBe(password);
    expect(password.value).toBe("secret");
    release();
    await vi.waitFor(() => expect(status()).toEqual(["ok", "ok", "ok", "ok"]));
  });

  it("keeps the editor's typed password and focus across renders", async () => {
    const snap = snapshot([account([folder("INBOX"), folder("Work", { watched: false })])]);
    await boot(snap);
    $("tab-accounts").click();
    await settle();
    $("edit-account").click();
    await settle();
    expect(view()).toBe("edit");
    expect(document.querySelector('[data-test="tab-accounts"]')!.className).toContain("active");
    const pw = $<HTMLInputElement>("editor-password");
    type(pw, "new-secret");
    await busyEngine();
    expect($("editor-password")).toBe(pw);
    expect(pw.value).toBe("new-secret");
    expect(document.activeElement).toBe(pw);
  });
});

describe("signing in again", () => {
  it("opens the editor from the card's Sign in again, which waits for the browser with the link of its own run", async () => {
    let finish!: () => void;
    const calls = await boot(snapshot([oauthAccount("auth_failed", REVOKED)]), async (cmd, args) => {
      if (cmd === "oauth_offer") return offer();
      if (cmd === "sign_in_again") {
        await emit(APP_CHANNEL, { kind: "sign_in_url", run: (args.run as number) + 1, url: "https://evil.example/" } satisfies AppEvent);
        await emit(APP_CHANNEL, { kind: "sign_in_url", run: args.run as number, url: "https://id.example.org/authorize?state=1" } satisfies AppEvent);
        await new Promise<void>((r) => (finish = r));
      }
      return null;
    });
    $("tab-accounts").click();
    await settle();
    $("sign-in-again").click();
    await vi.waitFor(() => expect($("editor-signin-url")?.dataset.url).toBe("https://id.example.org/authorize?state=1"));
    expect(view()).toBe("edit");
    const call = calls.find(([cmd]) => cmd === "sign_in_again")!;
    expect(call[1]).toEqual({ run: expect.any(Number) as number, account: "acc1" });
    expect(document.activeElement).toBe($("editor-signin-cancel"));
    expect($("editor-signin").textContent).toContain("Example ID's sign-in page opens in your browser");
    await busyEngine(); // renders keep the panel
    expect($("editor-signin").hidden).toBe(false);
    finish();
    await vi.waitFor(() => expect($("editor-signed-in").hidden).toBe(false));

    // Leaving the editor while a sign-in waits gives it up.
    $("editor-sign-in-again").click();
    await vi.waitFor(() => expect(calls.filter(([cmd]) => cmd === "sign_in_again").length).toBe(2));
    const run = calls.filter(([cmd]) => cmd === "sign_in_again")[1]![1].run;
    $("editor-back").click();
    await settle();
    expect(view()).toBe("accounts");
    expect(calls).toContainEqual(["oauth_cancel", { run }]);
  });
});

describe("new means new", () => {
  it("lists only the news; a message read elsewhere leaves at once, unread again it returns; Recent keeps it", async () => {
    const snap = snapshot();
    snap.unviewed = 2;
    const a = message(2, "comes and goes");
    const b = message(1, "stays");
    let news = [a, b];
    const calls = await boot(snap, (cmd) => (cmd === "list_news" ? news : cmd === "list_messages" ? [{ ...a, seen: news.length === 1 }, b] : null));
    const subjects = (test: string) => [...document.querySelectorAll(`[data-test="${test}"] .subject`)].map((e) => e.textContent);
    await vi.waitFor(() => expect(subjects("message")).toEqual(["comes and goes", "stays"]));
    expect(calls.some(([cmd]) => cmd === "list_messages"), "Recent is read only when it shows").toBe(false);

    const update = {
      event: "message_update", account: "acc1", folder: "INBOX", uidvalidity: 1, uid: 2, seen: true, expunged: false, new_copy: false,
      identity: a.identity, folders: ["INBOX"], message_seen: true, message_expunged: false, first_folder: "INBOX", first_uidvalidity: 1, first_uid: 2,
    } satisfies EngineEvent;
    news = [b];
    await emit(ENGINE_CHANNEL, update);
    await vi.waitFor(() => expect(subjects("message")).toEqual(["stays"]));
    expect($("unviewed-count").textContent).toBe("1 new message");

    $("tab-recent").click();
    await vi.waitFor(() => expect([...document.querySelectorAll<HTMLElement>('[data-test="recent-message"]')].map((r) => r.dataset.state)).toEqual(["read", "new"]));
    expect(calls.find(([cmd]) => cmd === "list_messages")?.[1]).toEqual({ limit: 300 });

    news = [a, b];
    await emit(ENGINE_CHANNEL, { ...update, seen: false, message_seen: false });
    await emit(APP_CHANNEL, { kind: "unviewed", count: 2 } satisfies AppEvent);
    $("tab-messages").click();
    await vi.waitFor(() => expect(subjects("message")).toEqual(["comes and goes", "stays"]));
    expect($("unviewed-count").textContent).toBe("2 new messages");
  });
});
