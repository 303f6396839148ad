import { afterEach, describe, expect, it, vi } from "vitest";

import type { AccountProblem } from "../src/bindings/AccountProblem";
import type { AccountStatusEvent } from "../src/bindings/AccountStatusEvent";
import type { AccountView } from "../src/bindings/AccountView";
import { setLocale } from "../src/i18n";
import { initialState } from "../src/model";
import { fixFor, fixLabel, problemSentence } from "../src/problem";
import { accountsView } from "../src/views/accounts";
import type { Ctx } from "../src/views/common";
import { Editor, type EditorApi } from "../src/views/editor";
import { account, fakeActions, oauthAccount, passedReport, snapshot, untrustedReport } from "./fixtures";

const FP = "AB:CD:EF";

function problem(kind: AccountProblem["kind"], extra: Partial<AccountProblem> = {}): AccountProblem {
  return { kind, host: "imap.example.org", user: "alice", folder: null, details: "", certificate: null, pinned_sha256: null, ...extra };
}

function status(p: AccountProblem | null, state: AccountStatusEvent["state"] = "error"): AccountStatusEvent {
  return { account: "acc1", state, error: p ? `engine prose: ${p.details}` : null, new_messages: 0, next_pass_at: null, retries: 0, push: false, push_mode: "none", push_folders: 0, sweep_secs: null, problem: p };
}

function withStatus(v: AccountView, s: AccountStatusEvent): AccountView {
  v.status = s;
  return v;
}

function ctx(views: AccountView[]): Ctx {
  const state = initialState();
  state.snapshot = snapshot(views);
  return { state, actions: fakeActions(), now: new Date("2026-11-28T12:00:00Z") };
}

const certificate = () => ({ ...untrustedReport().certificate!, sha256_fingerprint: FP });

afterEach(() => document.body.replaceChildren());
// jsdom lays nothing out, so it has no scrollIntoView.
Element.prototype.scrollIntoView = vi.fn();

describe("problems as sentences", () => {
  it("words a refused password about the user's situation, the server's words under Details", () => {
    const p = problem("auth_failed", { details: "[AUTHENTICATIONFAILED] Authentication failed." });
    const view = accountsView(ctx([withStatus(account(), status(p, "auth_failed"))]));
    const box = view.querySelector<HTMLElement>('[data-test="account-error"]')!;
    expect(box.dataset.kind).toBe("auth_failed");
    expect(view.querySelector('[data-test="account-error-sentence"]')!.textContent).toBe("imap.example.org did not accept the password for alice.");
    const details = view.querySelector<HTMLDetailsElement>('[data-test="account-error-details"]')!;
    expect(details.open).toBe(false);
    expect(details.querySelector("summary")!.textContent).toBe("Details");
    expect(view.querySelector('[data-test="account-error-raw"]')!.textContent).toBe("[AUTHENTICATIONFAILED] Authentication failed.");
  });

  it("has a sentence for every kind, with its arguments", () => {
    expect(problemSentence(problem("cert_changed"))).toContain("imap.example.org");
    expect(problemSentence(problem("folder_gone", { folder: "Lists" }))).toBe("The folder Lists is no longer on the server.");
    expect(problemSentence(problem("timeout", { host: null }))).toBe("the server did not answer in time. Mailbell will try again.");
  });

  it("speaks the desktop's language, the fix included", () => {
    setLocale("de");
    try {
      expect(problemSentence(problem("auth_failed"))).toBe("imap.example.org hat das Passwort für alice nicht akzeptiert.");
      const view = accountsView(ctx([withStatus(account(), status(problem("cert_untrusted", { details: "self-signed certificate" })))]));
      expect(view.querySelector('[data-test="review-certificate"]')!.textContent).toBe("Zertifikat prüfen …");
      expect(view.querySelector('[data-test="account-error-details"] summary')!.textContent).toBe("Details");
    } finally {
      setLocale("en-US");
    }
  });

  it("shows the engine's text as it is when an older engine sent no problem", () => {
    const s = { ...status(null, "error"), error: "something old" };
    const view = accountsView(ctx([withStatus(account(), s)]));
    expect(view.querySelector('[data-test="account-error-sentence"]')!.textContent).toBe("something old");
    expect(view.querySelector('[data-test="account-error-details"]')).toBeNull();
  });
});

describe("the main button fixes the account's state", () => {
  const main = (v: AccountView) => {
    const c = ctx([v]);
    const btn = accountsView(c).querySelector<HTMLButtonElement>('[data-test="account"] .card-head button.primary')!;
    return { c, btn };
  };

  it("is Enter password… for a refused password, and opens the password", () => {
    const { c, btn } = main(withStatus(account(), status(problem("auth_failed"), "auth_failed")));
    expect([btn.textContent, btn.dataset.test]).toEqual(["Enter password…", "fix-password"]);
    btn.click();
    expect(c.actions.editAccount).toHaveBeenCalledWith("acc1", "password");
  });

  it("is Sign in again for an OAuth2 account", () => {
    const v = oauthAccount("auth_failed", "x");
    v.status!.problem = problem("sign_in_again");
    const { c, btn } = main(v);
    expect(btn.textContent).toBe("Sign in again");
    btn.click();
    expect(c.actions.signInAgain).toHaveBeenCalledWith("acc1");
  });

  it("is Review certificate… for an untrusted or changed certificate", () => {
    for (const kind of ["cert_untrusted", "cert_changed"] as const) {
      const { c, btn } = main(withStatus(account(), status(problem(kind, { certificate: certificate() }))));
      expect([btn.textContent, btn.dataset.test]).toEqual(["Review certificate…", "review-certificate"]);
      btn.click();
      expect(c.actions.editAccount).toHaveBeenCalledWith("acc1", "certificate");
    }
  });

  it("checks for mail when offline, unreachable or fine", () => {
    for (const s of [status(problem("offline"), "offline"), status(problem("connection_refused"), "offline"), status(null, "ok")]) {
      expect(fixFor(withStatus(account(), s))).toBe("check");
      const { btn } = main(withStatus(account(), s));
      expect(btn.dataset.test).toBe("sync-account");
    }
    expect(fixLabel("check")).toBe("Check now");
  });
});

describe("the account's page: the certificate under review", () => {
  function editor(v: AccountView) {
    const c = ctx([v]);
    const api = {
      testConnection: vi.fn(async () => passedReport()),
      setPassword: vi.fn(async () => null),
      removeAccount: vi.fn(async () => null),
      signInAgain: vi.fn(async () => null),
      oauthOffer: vi.fn(async () => null),
      oauthOpen: vi.fn(async () => null),
      oauthCancel: vi.fn(async () => null),
      openLink: vi.fn(async () => null),
      openInOptions: vi.fn(async (account: string) => ({ account, choice: { kind: "mail_program" as const }, mail_program: null, webmail: null })),
      setOpenIn: vi.fn(async (account: string) => ({ account, choice: { kind: "mail_program" as const }, mail_program: null, webmail: null })),
      trustCertificate: vi.fn(async (_account: string, _sha256: string | null) => null),
      setCaFile: vi.fn(async (_account: string, _path: string | null) => null),
      chooseCaFile: vi.fn(async (): Promise<string | null> => "/home/alice/ca.pem"),
    } satisfies EditorApi;
    const e = new Editor({ api, back: vi.fn(), removed: vi.fn() }, v);
    document.body.replaceChildren(e.root);
    e.update(c);
    return { e, api };
  }
  const $ = (test: string) => document.querySelector<HTMLElement>(`[data-test="${test}"]`);
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it("shows the certificate, pins its fingerprint on Trust this certificate, and takes a chosen CA file", async () => {
    const { e, api } = editor(withStatus(account(), status(problem("cert_untrusted", { certificate: certificate(), details: "self-signed certificate" }))));
    expect($("editor-certificate")!.querySelector('[data-test="cert-sha-256"]')!.textContent).toBe(FP);
    e.reveal("certificate");
    expect(document.activeElement?.getAttribute("data-test")).toBe("editor-trust-cert");
    $("editor-trust-cert")!.click();
    await flush();
    expect(api.trustCertificate).toHaveBeenCalledWith("acc1", FP);
    $("editor-choose-ca")!.click();
    await flush();
    await flush();
    expect(api.chooseCaFile).toHaveBeenCalled();
    expect(api.setCaFile).toHaveBeenCalledWith("acc1", "/home/alice/ca.pem");
  });

  it("says which certificate is pinned, and can stop trusting it; nothing when there is nothing to say", async () => {
    const v = withStatus(account(), status(null, "ok"));
    v.account.pinned_cert_sha256 = FP;
    const { api } = editor(v);
    expect($("editor-cert-pinned")!.textContent).toContain(FP);
    $("editor-forget-cert")!.click();
    await flush();
    expect(api.trustCertificate).toHaveBeenCalledWith("acc1", null);
    editor(withStatus(account(), status(null, "ok")));
    expect($("editor-certificate")!.closest("article")!.hidden).toBe(true);
  });
});
