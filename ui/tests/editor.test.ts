import { afterEach, describe, expect, it, vi } from "vitest";

import type { OpenIn } from "../src/bindings/OpenIn";
import type { OpenInOptions } from "../src/bindings/OpenInOptions";
import type { AccountView } from "../src/bindings/AccountView";
import type { LiveTestReport } from "../src/bindings/LiveTestReport";
import type { Offer } from "../src/bindings/Offer";
import { initialState } from "../src/model";
import type { Ctx } from "../src/views/common";
import { Editor, type EditorApi, type EditorHost } from "../src/views/editor";
import { account, authFailedReport, fakeActions, folder, oauthAccount, offer, passedReport, refusal, REVOKED, snapshot } from "./fixtures";

type Fake = {
  report?: () => LiveTestReport;
  view?: AccountView;
  /** The browser's part of signing in again (done at once by default). */
  signIn?: (run: number) => Promise<unknown>;
  offer?: () => Promise<Offer | null>;
};

function setup(fake: Fake = {}) {
  const { report = () => passedReport(), signIn = async () => {}, offer: theOffer = async () => offer() } = fake;
  const view = fake.view ?? account([folder("INBOX"), folder("Junk", { watched: false, special_use: "\\Junk" }), folder("Work", { watched: false })]);
  const state = initialState();
  state.snapshot = snapshot([view]);
  const actions = fakeActions();
  const ctx: Ctx = { state, actions, now: new Date() };
  const api = {
    testConnection: vi.fn(async () => report()),
    setPassword: vi.fn(async () => null),
    removeAccount: vi.fn(async () => null),
    signInAgain: vi.fn(async (run: number, _account: string) => {
      await signIn(run);
      return null;
    }),
    oauthOffer: vi.fn(async (_email: string, _host: string) => theOffer()),
    oauthOpen: vi.fn(async (_run: number) => null),
    oauthCancel: vi.fn(async (_run: number) => null),
    openLink: vi.fn(async (_url: string) => null),
    openInOptions: vi.fn(async (account: string): Promise<OpenInOptions> => ({ account, choice: { kind: "mail_program" }, mail_program: "Thunderbird", webmail: null })),
    setOpenIn: vi.fn(async (account: string, choice: OpenIn): Promise<OpenInOptions> => {
      if (choice.kind === "command" && !choice.command.trim()) throw refusal("invalid", "the command is empty", "open_in");
      return { account, choice, mail_program: "Thunderbird", webmail: null };
    }),
    trustCertificate: vi.fn(async (_account: string, _sha256: string | null) => null),
    setCaFile: vi.fn(async (_account: string, _path: string | null) => null),
    chooseCaFile: vi.fn(async (): Promise<string | null> => "/home/alice/ca.pem"),
  } satisfies EditorApi;
  const host: EditorHost = { api, back: vi.fn(), removed: vi.fn() };
  const e = new Editor(host, state.snapshot.accounts[0]!);
  document.body.replaceChildren(e.root);
  e.update(ctx);
  return { e, ctx, api, host, actions };
}

const $ = <E extends HTMLElement = HTMLElement>(test: string) => document.querySelector<E>(`[data-test="${test}"]`)!;
function type(test: string, value: string): void {
  const el = $<HTMLInputElement>(test);
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}
const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => document.body.replaceChildren());

describe("account editor", () => {
  it("tests a new password with the stored settings and saves it only then", async () => {
    const { api } = setup();
    type("editor-password", "new-secret");
    $("editor-save-password").click();
    await vi.waitFor(() => expect(api.setPassword).toHaveBeenCalledWith("acc1", "new-secret"));
    expect(api.testConnection).toHaveBeenCalledWith(expect.any(Number), { host: "imap.example.org", port: 993, security: "tls", username: "alice", ca_file: null }, "new-secret");
    await flush();
    expect($("editor-password-saved").hidden).toBe(false);
    expect($<HTMLInputElement>("editor-password").value).toBe("");
  });

  it("shows a failed test next to the password and saves nothing", async () => {
    const { api } = setup({ report: () => authFailedReport() });
    type("editor-password", "wrong");
    $("editor-save-password").click();
    await vi.waitFor(() => expect($("editor-password-error").hidden).toBe(false));
    expect($("editor-password-error").textContent).toContain("[AUTHENTICATIONFAILED] Authentication failed.");
    expect($("editor-password-error").getAttribute("role")).toBe("alert");
    expect($("editor-password").getAttribute("aria-describedby")).toContain($("editor-password-error").id);
    expect(api.setPassword).not.toHaveBeenCalled();
    expect($<HTMLInputElement>("editor-password").value).toBe("wrong");
    expect(document.activeElement).toBe($("editor-password"));
  });

  it("sets the interval and the watched folders", () => {
    const { actions } = setup();
    const sel = $<HTMLSelectElement>("editor-interval");
    expect(sel.value).toBe("300");
    expect(document.querySelector(`label[for="${sel.id}"]`)).not.toBeNull();
    sel.value = "900";
    sel.dispatchEvent(new Event("change"));
    expect(actions.setInterval).toHaveBeenCalledWith("acc1", 900);
    const work = document.querySelector<HTMLInputElement>('[data-test="editor-folders"] [data-test="watch"][data-folder="Work"] input')!;
    expect(work.checked).toBe(false);
    work.checked = true;
    work.dispatchEvent(new Event("change"));
    expect(actions.setWatched).toHaveBeenCalledWith("acc1", "Work", true);
    expect($("editor-folders").textContent).toContain("Junk");
  });

  it("keeps the focus on a folder switch when the folders are drawn again", () => {
    const { e, ctx } = setup();
    const work = () => document.querySelector<HTMLInputElement>('[data-test="watch"][data-folder="Work"] input')!;
    work().focus();
    ctx.state.snapshot!.accounts[0]!.folders = ctx.state.snapshot!.accounts[0]!.folders.map((f) => (f.name === "Work" ? { ...f, watched: true } : f));
    e.update(ctx);
    expect(work().checked).toBe(true);
    expect(document.activeElement).toBe(work());
  });

  it("removes the account only after a confirmation on the page", async () => {
    const { api, host } = setup();
    expect($("editor-confirm").hidden).toBe(true);
    $("editor-remove").click();
    expect($("editor-confirm").hidden).toBe(false);
    expect($("editor-confirm").textContent).toContain("password is deleted from your keyring");
    expect($("editor-confirm").textContent).toContain("messages Mailbell stored for it are removed");
    expect(document.activeElement).toBe($("editor-keep"));
    $("editor-keep").click();
    expect($("editor-confirm").hidden).toBe(true);
    expect(api.removeAccount).not.toHaveBeenCalled();

    $("editor-remove").click();
    $("editor-confirm-remove").click();
    await vi.waitFor(() => expect(host.removed).toHaveBeenCalled());
    expect(api.removeAccount).toHaveBeenCalledWith("acc1");
  });
});

describe("account editor of an OAuth2 account", () => {
  const visible = (test: string) => {
    for (let el: HTMLElement | null = $(test); el; el = el.parentElement) if (el.hidden) return false;
    return true;
  };

  it("says how it signs in instead of offering a password, and what removing it does", async () => {
    const { api } = setup({ view: oauthAccount("ok") });
    expect(document.querySelector('[data-test="editor-password"]')).toBeNull();
    expect(api.oauthOffer).toHaveBeenCalledWith("alice@example.org", "imap.example.org");
    await vi.waitFor(() => expect($("editor-oauth").textContent).toBe("Signed in with Example ID as alice."));
    expect($("editor-sign-in-again").className).toContain("secondary");
    expect(visible("editor-signin")).toBe(false);
    $("editor-remove").click();
    expect($("editor-confirm").textContent).toContain("Its sign-in is revoked at Example ID and deleted from your keyring.");
  });

  it("names the provider by its server when no offer names it", async () => {
    setup({ view: oauthAccount("ok"), offer: async () => null });
    await flush();
    expect($("editor-oauth").textContent).toBe("Signed in with id.example.org as alice.");
    setup({
      view: oauthAccount("ok"),
      offer: async () => {
        throw refusal("invalid", "broken file", "oauth");
      },
    });
    await flush();
    expect($("editor-oauth").textContent).toBe("Signed in with id.example.org as alice.");
  });

  it("signs in again with a waiting panel that shows its own run's link, then says so", async () => {
    let finish!: () => void;
    const runs: number[] = [];
    const { e, api } = setup({
      view: oauthAccount("auth_failed", REVOKED),
      signIn: (run) => {
        runs.push(run);
        return new Promise<void>((r) => (finish = r));
      },
    });
    await flush();
    expect($("editor-oauth").textContent).toContain("The sign-in with Example ID has ended");
    expect($("editor-sign-in-again").className).toContain("primary");
    e.focus();
    expect(document.activeElement).toBe($("editor-sign-in-again"));

    $("editor-sign-in-again").click();
    await vi.waitFor(() => expect(api.signInAgain).toHaveBeenCalledWith(expect.any(Number), "acc1"));
    const run = runs[0]!;
    expect(visible("editor-signin")).toBe(true);
    expect(document.activeElement).toBe($("editor-signin-cancel"));
    e.onSignInUrl(run + 7, "https://evil.example/");
    expect($("editor-signin-url").dataset.url).toBeUndefined();
    e.onSignInUrl(run, "https://id.example.org/authorize?x=1");
    expect($("editor-signin-url").textContent).toBe("https://id.example.org/authorize?x=1");
    $("editor-signin-open").click();
    expect(api.oauthOpen).toHaveBeenCalledWith(run);
    finish();
    await vi.waitFor(() => expect(visible("editor-signed-in")).toBe(true));
    expect($("editor-signed-in").textContent).toBe("Signed in again: Mailbell checks the account now.");
    expect(visible("editor-signin")).toBe(false);
  });

  it("shows a refused sign-in next to its button; Cancel ends the wait silently", async () => {
    let fail!: (e: unknown) => void;
    const { e, api } = setup({ view: oauthAccount("auth_failed", REVOKED), signIn: () => new Promise((_ok, no) => (fail = no)) });
    $("editor-sign-in-again").click();
    await vi.waitFor(() => expect(api.signInAgain).toHaveBeenCalled());
    fail({ kind: "sync", message: "the sign-in was refused (access_denied)", field: "oauth" });
    await vi.waitFor(() => expect($("editor-oauth-error").hidden).toBe(false));
    expect($("editor-oauth-error").textContent).toContain("The sign-in was refused (access_denied)");
    expect($("editor-oauth-error").textContent).toContain("Try again when you are ready.");
    expect(document.activeElement).toBe($("editor-sign-in-again"));

    $("editor-sign-in-again").click();
    await vi.waitFor(() => expect(api.signInAgain).toHaveBeenCalledTimes(2));
    expect($("editor-oauth-error").hidden).toBe(true);
    const run = api.signInAgain.mock.calls[1]![0];
    $("editor-signin-cancel").click();
    await flush();
    expect(api.oauthCancel).toHaveBeenCalledWith(run);
    expect(visible("editor-signin")).toBe(false);
    expect($("editor-oauth-error").hidden).toBe(true);
    expect($("editor-signed-in").hidden).toBe(true);

    // Leaving the editor gives a waiting sign-in up.
    $("editor-sign-in-again").click();
    await vi.waitFor(() => expect(api.signInAgain).toHaveBeenCalledTimes(3));
    e.dispose();
    expect(api.oauthCancel).toHaveBeenLastCalledWith(api.signInAgain.mock.calls[2]![0]);
  });

  it("chooses where messages open: the mail program by default, webmail only where known, a command as typed", async () => {
    const { api } = setup();
    await vi.waitFor(() => expect($<HTMLInputElement>("open-in-mail_program").checked).toBe(true));
    expect(document.querySelector('[data-test="open-in"]')!.textContent).toContain("Your mail program (Thunderbird)");
    expect($<HTMLInputElement>("open-in-webmail").disabled).toBe(true);
    expect($<HTMLInputElement>("open-in-command-line").disabled).toBe(true);
    const radio = $<HTMLInputElement>("open-in-command");
    radio.checked = true;
    radio.dispatchEvent(new Event("change"));
    $("open-in-save").click();
    await vi.waitFor(() => expect($("open-in-status").textContent).toBe("The command is empty"));
    type("open-in-command-line", "my-mail --open 'a b'");
    $("open-in-save").click();
    await vi.waitFor(() => expect($("open-in-status").textContent).toBe("Saved."));
    expect(api.setOpenIn).toHaveBeenLastCalledWith("acc1", { kind: "command", command: "my-mail --open 'a b'" });
  });
});

describe("the account's page: what rings", () => {
  it("puts a ring switch beside each watched folder's watch switch, and one for the account", () => {
    const { actions } = setup({ view: account([folder("INBOX"), folder("Lists", { notify: false }), folder("Junk", { watched: false })]) });
    const ring = (f: string) => document.querySelector<HTMLInputElement>(`[data-test="ring"][data-folder="${f}"] input`);
    expect(ring("INBOX")!.checked).toBe(true);
    expect(ring("Lists")!.checked).toBe(false);
    expect(ring("Junk"), "an unwatched folder is not checked, so it cannot ring").toBeNull();
    const flip = (box: HTMLInputElement) => {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change"));
    };
    flip(ring("Lists")!);
    expect(actions.setFolderNotify).toHaveBeenCalledWith("acc1", "Lists", true);
    const notify = $<HTMLElement>("account-notify").querySelector("input")!;
    expect(notify.checked).toBe(true);
    flip(notify);
    expect(actions.setAccountNotify).toHaveBeenCalledWith("acc1", false);
  });

  it("says an account that does not ring is still listed and counted", () => {
    const view = account();
    view.account.notify = false;
    setup({ view });
    expect($("account-notify").closest(".settings-row")!.textContent).toContain("still listed and counted");
  });
});
