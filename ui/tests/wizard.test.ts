import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { afterEach, describe, expect, it, vi } from "vitest";

import type { AccountSetup } from "../src/bindings/AccountSetup";
import type { DiscoveryView } from "../src/bindings/DiscoveryView";
import type { LiveTestReport } from "../src/bindings/LiveTestReport";
import type { Offer } from "../src/bindings/Offer";
import type { ServerSettings } from "../src/bindings/ServerSettings";
import { providerNote } from "../src/engine-words";
import { FALLBACK, setLocale } from "../src/i18n";
import { placeError } from "../src/setup";
import { Wizard, type WizardApi, type WizardHost } from "../src/views/wizard";
import { account, authFailedReport, candidate, discovery, folderInfo, oauthAccount, offer, passedReport, refusal, stepReport, untrustedReport } from "./fixtures";

type Fake = {
  discovery?: DiscoveryView | (() => Promise<DiscoveryView>);
  /** Called with the run id; returns the report (it may report steps on the way). */
  test?: (run: number, server: ServerSettings, password: string) => LiveTestReport | Promise<LiveTestReport>;
  add?: (setup: AccountSetup, password: string) => unknown;
  /** The sign-in the address or server offers (none by default). */
  offer?: (email: string, host: string) => Offer | null;
  /** The browser's part of a sign-in: resolves when signed in (at once by default). */
  signIn?: (run: number) => Promise<unknown>;
  testSignedIn?: (run: number, server: ServerSettings, grant: number) => LiveTestReport;
  /** What the file chooser hands back (null: cancelled). */
  choose?: () => string | null;
};

function setup(fake: Fake = {}, host: Partial<WizardHost> = {}) {
  const api = {
    discoverServers: vi.fn(async () => (typeof fake.discovery === "function" ? fake.discovery() : (fake.discovery ?? discovery()))),
    testConnection: vi.fn(async (run: number, server: ServerSettings, password: string) => (fake.test ? fake.test(run, server, password) : passedReport())),
    addAccount: vi.fn(async (s: AccountSetup, p: string) => {
      if (fake.add) fake.add(s, p);
      return account().account;
    }),
    oauthOffer: vi.fn(async (email: string, host: string) => fake.offer?.(email, host) ?? null),
    oauthSignIn: vi.fn(async (run: number, _email: string, _host: string, _login: string) => {
      await fake.signIn?.(run);
      return null;
    }),
    oauthCancel: vi.fn(async (_run: number) => null),
    oauthOpen: vi.fn(async (_run: number) => null),
    openLink: vi.fn(async (_url: string) => null),
    testConnectionSignedIn: vi.fn(async (run: number, server: ServerSettings, grant: number) => fake.testSignedIn?.(run, server, grant) ?? passedReport()),
    addOAuthAccount: vi.fn(async (_s: AccountSetup, _grant: number) => oauthAccount().account),
    chooseCaFile: vi.fn(async () => fake.choose?.() ?? null),
  } satisfies WizardApi;
  const h: WizardHost = {
    api,
    canCancel: () => false,
    cancel: vi.fn(),
    added: vi.fn(),
    notifications: () => true,
    setNotifications: vi.fn(async () => {}),
    ...host,
  };
  const w = new Wizard(h);
  document.body.replaceChildren(w.root);
  w.focus();
  return { w, api, host: h };
}

const $ = <E extends HTMLElement = HTMLElement>(test: string) => document.querySelector<E>(`[data-test="${test}"]`)!;
const input = (test: string) => $<HTMLInputElement>(test);
function type(test: string, value: string): void {
  const el = input(test);
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}
const steps = () => Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-test="wizard-test-steps"] [data-test="test-step"]')].map((li): [string, string | undefined] => [li.dataset.step ?? "", li.dataset.status]));
const visible = (test: string) => {
  for (let el: HTMLElement | null = $(test); el; el = el.parentElement) if (el.hidden) return false;
  return true;
};

/** Address → server step with the default discovery. */
async function toServer(w: Wizard, email = "alice@example.org") {
  type("wizard-email", email);
  await w.submit();
  expect(w.currentStep).toBe("server");
}

afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe("address step", () => {
  it("starts with the focus in the address field, and no Cancel on a first run", () => {
    setup();
    expect(document.activeElement).toBe(input("wizard-email"));
    expect($("wizard-cancel").hidden).toBe(true);
    expect($("wizard-welcome").hidden).toBe(false);
    // Every field has a label.
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input:not([type=checkbox]), select")) {
      expect(document.querySelector(`label[for="${el.id}"]`), el.dataset.test).not.toBeNull();
    }
  });

  it("asks for an address before looking", async () => {
    const { w, api } = setup();
    await w.submit();
    expect(api.discoverServers).not.toHaveBeenCalled();
    expect($("wizard-email-error").textContent).toContain("Enter the email address");
    expect(input("wizard-email").getAttribute("aria-invalid")).toBe("true");
    expect(input("wizard-email").getAttribute("aria-describedby")).toContain($("wizard-email-error").id);
  });

  it("shows discovery's refusal of the address next to it", async () => {
    const { w } = setup({
      discovery: async () => {
        throw refusal("invalid", "This is not an email address: the domain is empty.", "email");
      },
    });
    type("wizard-email", "alice@");
    await w.submit();
    expect(w.currentStep).toBe("address");
    expect($("wizard-email-error").textContent).toBe("This is not an email address: the domain is empty.");
    expect($("wizard-email-error").getAttribute("role")).toBe("alert");
    expect(document.activeElement).toBe(input("wizard-email"));
  });

  it("submits on Enter and shows progress while it looks", async () => {
    let answer!: (d: DiscoveryView) => void;
    const { api } = setup({ discovery: () => new Promise((r) => (answer = r)) });
    type("wizard-email", "alice@example.org");
    input("wizard-email").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(api.discoverServers).toHaveBeenCalledWith("alice@example.org");
    expect($("wizard-continue").textContent).toBe("Looking up the settings…");
    expect($<HTMLButtonElement>("wizard-continue").disabled).toBe(true);
    expect($("wizard-skip").hidden).toBe(false);
    answer(discovery());
    await vi.waitFor(() => expect($("wizard").dataset.step).toBe("server"));
    expect($("wizard-continue").textContent).toBe("Continue");
  });
});

describe("server step", () => {
  it("fills the form from the best candidate and says where it came from", async () => {
    const { w } = setup({ discovery: discovery([candidate({ host: "mail.example.org", port: 993, username_hint: "alice" }), candidate({ host: "imap2.example.org", port: 143, security: "starttls", username_hint: null })]) });
    await toServer(w);
    expect(document.activeElement).toBe(input("wizard-password"));
    expect(input("wizard-host").value).toBe("mail.example.org");
    expect(input("wizard-port").value).toBe("993");
    expect(input("wizard-security").value).toBe("tls");
    expect(input("wizard-username").value).toBe("alice");
    expect($("wizard-source").textContent).toBe("Found via autoconfig https://autoconfig.example.org/mail/config-v1.1.xml");
    expect($("wizard-server-summary").textContent).toBe("mail.example.org:993 · TLS · user alice");
    expect(visible("wizard-host")).toBe(false);

    // Another candidate.
    const pick = $<HTMLSelectElement>("wizard-candidate");
    pick.value = "1";
    pick.dispatchEvent(new Event("change"));
    expect(input("wizard-host").value).toBe("imap2.example.org");
    expect(input("wizard-security").value).toBe("starttls");
    expect(input("wizard-username").value).toBe("alice@example.org");

    $("wizard-edit-server").click();
    expect(visible("wizard-host")).toBe(true);
    expect(document.activeElement).toBe(input("wizard-host"));
  });

  it("without a candidate, says what was tried and opens the fields", async () => {
    const { w } = setup({
      discovery: discovery([], {
        error: "no server found for example.org: enter the server settings below.",
        attempts: [
          { source: "autoconfig", target: "https://autoconfig.example.org/mail/config-v1.1.xml", result: "HTTP 404", result_kind: { kind: "unreadable" } },
          { source: "guess", target: "imap.example.org:993", result: "no answer", result_kind: { kind: "no_answer" } },
        ],
      }),
    });
    await toServer(w);
    expect($("wizard-source").textContent).toBe("No server found for example.org: enter the server settings below.");
    expect($("wizard-attempts").textContent).toContain("could not be fetched or read");
    // The engine's words are the attempt's details.
    expect($("wizard-attempts").querySelector(".raw-words")?.textContent).toBe("HTTP 404");
    expect($("wizard-attempts").querySelectorAll("li").length).toBe(2);
    expect(visible("wizard-host")).toBe(true);
    expect(input("wizard-host").value).toBe("");
    expect(input("wizard-username").value).toBe("alice@example.org");
  });

  it("warns when plain is chosen, and moves a default port along", async () => {
    const { w } = setup();
    await toServer(w);
    expect(visible("wizard-plain-warning")).toBe(false);
    const sec = $<HTMLSelectElement>("wizard-security");
    sec.value = "plain";
    sec.dispatchEvent(new Event("change"));
    expect(visible("wizard-plain-warning")).toBe(false); // the fields are folded
    $("wizard-edit-server").click();
    expect(visible("wizard-plain-warning")).toBe(true);
    expect($("wizard-plain-warning").textContent).toContain("readable by anyone");
    expect(input("wizard-port").value).toBe("143");
  });

  it("shows each step as it ends, ignoring the steps of another run", async () => {
    let seen: Record<string, string | undefined> = {};
    const { w } = setup({
      test: (run) => {
        w.onTestStep(run, stepReport("connect", "ok", "connected"));
        w.onTestStep(run - 1, stepReport("secure", "failed", "an earlier test"));
        w.onTestStep(run + 1, stepReport("authenticate", "failed", "a later one"));
        seen = steps();
        return passedReport();
      },
    });
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    expect(seen).toEqual({ connect: "ok", secure: "running", authenticate: "pending", list_folders: "pending" });
    expect(steps()).toEqual({ connect: "ok", secure: "ok", authenticate: "ok", list_folders: "ok" });
  });

  it("puts a refused login next to the password, keeps everything typed, and passes once fixed", async () => {
    vi.useFakeTimers();
    let reply = authFailedReport();
    const { w, api } = setup({ test: () => reply });
    await toServer(w);
    type("wizard-password", "wrong");
    await w.submit();
    expect(w.currentStep).toBe("server");
    const err = $("wizard-password-error");
    expect(err.textContent).toContain("[AUTHENTICATIONFAILED] Authentication failed.");
    expect(err.textContent).toContain("Check the user name and password (");
    expect(input("wizard-password").getAttribute("aria-describedby")).toContain(err.id);
    expect(document.activeElement).toBe(input("wizard-password"));
    expect(input("wizard-password").value).toBe("wrong");
    expect(input("wizard-email").value).toBe("alice@example.org");
    expect(input("wizard-host").value).toBe("imap.example.org");
    expect(steps()).toEqual({ connect: "ok", secure: "ok", authenticate: "failed", list_folders: "skipped" });

    type("wizard-password", "right");
    expect(err.hidden).toBe(true);
    reply = passedReport();
    await w.submit();
    expect(api.testConnection).toHaveBeenLastCalledWith(expect.any(Number), { host: "imap.example.org", port: 993, security: "tls", username: "alice", ca_file: null }, "right");
    expect($("wizard-test-ok").textContent).toBe("Connected: signed in as alice, 2 folders found.");
    vi.advanceTimersByTime(1000);
    expect(w.currentStep).toBe("folders");
  });

  it("shows an untrusted certificate and asks for the CA file, in the CA field", async () => {
    const { w, api } = setup({ test: () => untrustedReport() });
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    expect(visible("wizard-ca-file")).toBe(true);
    expect(document.activeElement).toBe(input("wizard-ca-file"));
    // Why, from the reason's kind; OpenSSL's words under Details only.
    expect($("wizard-ca-file-error").querySelector(".error-message")?.textContent).toBe("Mailbell does not trust the certificate of imap.example.org. It is self-signed: no certificate authority vouches for it.");
    expect($("wizard-ca-file-error").querySelector('[data-test="error-details"] .raw-words')?.textContent).toBe("self-signed certificate");
    expect($("certificate").querySelector('[data-test="cert-why"]')?.textContent).toBe("It is self-signed: no certificate authority vouches for it.");
    expect($("certificate").textContent).toContain("CN=imap.example.org");
    expect($("certificate").textContent).toContain("AB:CD");
    expect($("wizard-ca-todo").textContent).toContain("CA certificate file");
    expect(input("wizard-password").value).toBe("secret");

    type("wizard-ca-file", "/home/alice/ca.pem");
    await w.submit();
    expect(api.testConnection.mock.calls[1]![1].ca_file).toBe("/home/alice/ca.pem");
  });

  it("trusts exactly the certificate shown: tested again with its fingerprint, and the account added with it pinned", async () => {
    let got: AccountSetup | null = null;
    const { w, api } = setup({ test: (_run, server) => (server.pinned_cert_sha256 ? passedReport() : untrustedReport()), add: (s) => (got = s) });
    vi.useFakeTimers();
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    expect($("wizard-trust-cert").textContent).toBe("Trust this certificate");
    $("wizard-trust-cert").click();
    await vi.waitFor(() => expect(api.testConnection).toHaveBeenCalledTimes(2));
    expect(api.testConnection.mock.calls[1]![1].pinned_cert_sha256).toBe("AB:CD");
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.currentStep).toBe("folders");
    await w.submit();
    await w.submit();
    expect(got!.server.pinned_cert_sha256).toBe("AB:CD");
  });

  it("takes the CA file from the file chooser, and a pin goes when the CA file changes", async () => {
    const { w, api } = setup({ test: () => untrustedReport(), choose: () => "/home/alice/ca.pem" });
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    $("wizard-trust-cert").click();
    await vi.waitFor(() => expect(api.testConnection).toHaveBeenCalledTimes(2));
    $("wizard-choose-ca").click();
    await vi.waitFor(() => expect(input("wizard-ca-file").value).toBe("/home/alice/ca.pem"));
    await w.submit();
    const last = api.testConnection.mock.calls.at(-1)![1];
    expect(last.ca_file).toBe("/home/alice/ca.pem");
    expect(last.pinned_cert_sha256).toBeUndefined();
  });

  it("shows a rejected field (e.g. an unusable CA file) next to it", async () => {
    const { w } = setup({
      test: async () => {
        throw refusal("invalid", "/tmp/x.pem is not a PEM certificate", "ca_file");
      },
    });
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    expect($("wizard-ca-file-error").textContent).toBe("/tmp/x.pem is not a PEM certificate");
    expect($("wizard-test-steps").hidden).toBe(true);
  });

  it("keeps what was typed when going back and forth", async () => {
    const { w, api } = setup();
    await toServer(w);
    type("wizard-password", "secret");
    type("wizard-username", "alice.smith");
    document.querySelector<HTMLButtonElement>('[data-step-panel="server"] [data-test="wizard-back"]')!.click();
    expect(w.currentStep).toBe("address");
    await w.submit();
    expect(api.discoverServers).toHaveBeenCalledTimes(1); // same address: no second lookup
    expect(input("wizard-username").value).toBe("alice.smith");
    expect(input("wizard-password").value).toBe("secret");
  });
});

describe("folders and finish", () => {
  async function toFolders(report = passedReport(), fake: Fake = {}) {
    vi.useFakeTimers();
    const s = setup({ test: () => report, ...fake });
    await toServer(s.w);
    type("wizard-password", "secret");
    await s.w.submit();
    vi.advanceTimersByTime(1000);
    expect(s.w.currentStep).toBe("folders");
    return s;
  }

  it("offers the folders that can hold mail, with counts and special use, the default ones chosen", async () => {
    await toFolders(
      passedReport([
        folderInfo("INBOX", { messages: 12, unseen: 3 }),
        folderInfo("Lists", { selectable: false, watched_by_default: false }),
        folderInfo("Lists/rust"),
        folderInfo("Spam", { special_use: "\\Junk", watched_by_default: false, messages: 40, unseen: 40 }),
      ]),
    );
    const rows = [...document.querySelectorAll<HTMLElement>('[data-test="wizard-folder"]')].map((l) => ({
      name: l.dataset.folder,
      checked: l.querySelector("input")!.checked,
      text: l.textContent,
    }));
    expect(rows).toEqual([
      { name: "INBOX", checked: true, text: "INBOX12 messages, 3 unread" },
      { name: "Lists/rust", checked: true, text: "Lists/rust3 messages, 1 unread" },
      { name: "Spam", checked: false, text: "SpamJunk40 messages, 40 unread" },
    ]);
    expect(document.activeElement).toBe(document.querySelector('[data-test="wizard-folder"] input'));
  });

  it("needs one folder at least", async () => {
    const { w } = await toFolders();
    for (const box of document.querySelectorAll<HTMLInputElement>('[data-test="wizard-folder"] input')) box.checked = false;
    await w.submit();
    expect(w.currentStep).toBe("folders");
    expect($("wizard-folders-error").textContent).toContain("Choose at least one folder");
  });

  it("adds the account with what was chosen, every 5 minutes by default", async () => {
    let got: [AccountSetup, string] | null = null;
    const { w, host } = setup({ test: () => passedReport(), add: (s, p) => (got = [s, p]) });
    vi.useFakeTimers();
    type("wizard-email", "alice@example.org");
    type("wizard-name", "Work");
    await w.submit();
    type("wizard-password", "secret");
    await w.submit();
    vi.advanceTimersByTime(1000);
    document.querySelector<HTMLInputElement>('[data-test="wizard-folder"][data-folder="Work"] input')!.checked = false;
    await w.submit();
    expect(w.currentStep).toBe("finish");
    expect(document.activeElement).toBe($("wizard-interval"));
    expect($<HTMLSelectElement>("wizard-interval").value).toBe("300");
    expect([...$<HTMLSelectElement>("wizard-interval").options].map((o) => o.value)).toEqual(["60", "120", "300", "600", "900", "1800", "3600"]);
    expect($("wizard-summary").textContent).toContain("Work (alice@example.org)");
    $<HTMLSelectElement>("wizard-interval").value = "600";
    await w.submit();
    expect(got).toEqual([
      {
        display_name: "Work",
        email: "alice@example.org",
        server: { host: "imap.example.org", port: 993, security: "tls", username: "alice", ca_file: null },
        folders: ["INBOX"],
        interval_secs: 600,
        quirks: [],
      },
      "secret",
    ]);
    expect(host.added).toHaveBeenCalled();
  });

  it("takes an add error back to the field it names", async () => {
    const { w } = await toFolders(passedReport(), {
      add: () => {
        throw refusal("invalid", "This account is already set up: change it under Accounts instead.", "email");
      },
    });
    await w.submit();
    await w.submit();
    expect(w.currentStep).toBe("address");
    expect($("wizard-email-error").textContent).toContain("already set up");
    expect(document.activeElement).toBe(input("wizard-email"));
  });

  it("sets notifications for every account from the last step", async () => {
    const { w, host } = await toFolders();
    await w.submit();
    const box = document.querySelector<HTMLInputElement>('[data-test="wizard-notifications"] input')!;
    expect(box.checked).toBe(true);
    box.checked = false;
    box.dispatchEvent(new Event("change"));
    expect(host.setNotifications).toHaveBeenCalledWith(false);
  });
});

describe("leaving", () => {
  it("leaves on Escape or Cancel only when there is an account to go back to", () => {
    const first = setup();
    input("wizard-email").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(first.host.cancel).not.toHaveBeenCalled();

    const later = setup({}, { canCancel: () => true });
    expect($("wizard-cancel").hidden).toBe(false);
    expect($("wizard-welcome").hidden).toBe(true);
    input("wizard-email").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(later.host.cancel).toHaveBeenCalledTimes(1);
    $("wizard-cancel").click();
    expect(later.host.cancel).toHaveBeenCalledTimes(2);
  });
});

describe("sign-in in the browser (OAuth2)", () => {
  const URL_OF = (run: number) => `https://id.example.org/authorize?state=s${run}`;
  const signInUrl = () => $("wizard-signin-url");
  /** A browser that answers when told to. */
  function browser() {
    const b = { runs: [] as number[], finish: () => {}, fail: (_e: unknown) => {} };
    const signIn = (run: number) =>
      new Promise<void>((ok, no) => {
        b.runs.push(run);
        b.finish = ok;
        b.fail = no;
      });
    return { b, signIn };
  }

  it("offers the provider's sign-in instead of the password, a password on request, and asks again when the server changes", async () => {
    vi.useFakeTimers();
    const { w, api } = setup({ offer: (_e, host) => (host === "imap.example.org" ? offer() : null) });
    await toServer(w);
    expect(api.oauthOffer).toHaveBeenCalledWith("alice@example.org", "imap.example.org");
    expect($("wizard-oauth-sign-in").textContent).toBe("Sign in with Example ID");
    expect($("wizard-oauth").textContent).toContain("Mailbell never sees your password there");
    expect(visible("wizard-oauth-sign-in")).toBe(true);
    expect(visible("wizard-password")).toBe(false);
    expect(visible("wizard-test")).toBe(false);
    expect(document.activeElement).toBe($("wizard-oauth-sign-in"));

    $("wizard-use-password").click();
    expect(visible("wizard-password")).toBe(true);
    expect(visible("wizard-oauth")).toBe(false);
    expect(visible("wizard-test")).toBe(true);
    expect(document.activeElement).toBe(input("wizard-password"));
    expect($("wizard-use-oauth").textContent).toBe("Sign in with Example ID instead");
    $("wizard-use-oauth").click();
    expect(visible("wizard-password")).toBe(false);
    expect(document.activeElement).toBe($("wizard-oauth-sign-in"));

    // Another server: asked again once its name rests; it offers nothing.
    $("wizard-edit-server").click();
    type("wizard-host", "imap.other");
    type("wizard-host", "imap.other.org");
    await vi.advanceTimersByTimeAsync(500);
    expect(api.oauthOffer).toHaveBeenCalledTimes(2);
    expect(api.oauthOffer).toHaveBeenLastCalledWith("alice@example.org", "imap.other.org");
    expect(visible("wizard-password")).toBe(true);
    expect(visible("wizard-oauth")).toBe(false);
    expect(visible("wizard-use-oauth")).toBe(false);
  });

  it("shows why a provider's sign-in is unavailable calmly, next to the password", async () => {
    const why = "This build of Mailbell has no client registered at Gmail for signing in: use an app password, or set MAILBELL_OAUTH_CLIENT_ID_GMAIL (see the README).";
    const { w } = setup({ offer: () => offer({ provider: "gmail", name: "Gmail", unavailable: why }) });
    await toServer(w, "alice@gmail.com");
    expect(visible("wizard-password")).toBe(true);
    expect(document.activeElement).toBe(input("wizard-password"));
    expect(visible("wizard-oauth")).toBe(false);
    expect(visible("wizard-use-oauth")).toBe(false);
    expect(visible("wizard-oauth-unavailable")).toBe(true);
    // In the user's language; the engine's words (naming the setting) under Details.
    expect($("wizard-oauth-unavailable").querySelector("p")!.textContent).toBe("This copy of Mailbell has no sign-in registered with Gmail: use an app password.");
    expect($("wizard-oauth-unavailable").querySelector(".raw-words")!.textContent).toBe(why);
    expect($("wizard-oauth-unavailable").className).not.toContain("error");
  });

  it("waits for the browser showing its own run's link, then tests with the sign-in and adds the account with it", async () => {
    vi.useFakeTimers();
    const { b, signIn } = browser();
    let steps0: Record<string, string | undefined> = {};
    const { w, api, host } = setup({
      offer: () => offer(),
      signIn,
      testSignedIn: (run) => {
        w.onTestStep(run, stepReport("connect", "ok", "connected"));
        steps0 = steps();
        return passedReport();
      },
    });
    type("wizard-email", "alice@example.org");
    type("wizard-name", "Work");
    await w.submit();
    const signingIn = w.submit();
    expect(api.oauthSignIn).toHaveBeenCalledWith(expect.any(Number), "alice@example.org", "imap.example.org", "alice");
    const run = b.runs[0]!;
    expect(visible("wizard-signin")).toBe(true);
    expect($("wizard-signin").textContent).toContain("Waiting for you to sign in in your browser…");
    expect($("wizard-signin").textContent).toContain("Example ID's sign-in page opens in your browser");
    expect(signInUrl().dataset.url).toBeUndefined();
    expect($<HTMLButtonElement>("wizard-signin-open").disabled).toBe(true);
    expect(document.activeElement).toBe($("wizard-signin-cancel"));
    expect($<HTMLButtonElement>("wizard-oauth-sign-in").disabled).toBe(true);

    // Another run's link (an earlier sign-in) changes nothing; this run's shows.
    w.onSignInUrl(run + 1, "https://evil.example/authorize");
    expect(signInUrl().dataset.url).toBeUndefined();
    w.onSignInUrl(run, URL_OF(run));
    expect(signInUrl().textContent).toBe(URL_OF(run));
    expect(signInUrl().dataset.url).toBe(URL_OF(run));
    w.onSignInUrl(run - 1, "https://evil.example/authorize");
    expect(signInUrl().textContent).toBe(URL_OF(run));
    $("wizard-signin-open").click();
    expect(api.oauthOpen).toHaveBeenCalledWith(run);

    b.finish();
    await signingIn;
    expect(visible("wizard-signin")).toBe(false);
    expect(api.testConnectionSignedIn).toHaveBeenCalledWith(expect.any(Number), { host: "imap.example.org", port: 993, security: "tls", username: "alice", ca_file: null }, run);
    expect(api.testConnection).not.toHaveBeenCalled();
    expect(steps0).toEqual({ connect: "ok", secure: "running", authenticate: "pending", list_folders: "pending" });
    expect(steps()).toEqual({ connect: "ok", secure: "ok", authenticate: "ok", list_folders: "ok" });
    expect($("wizard-oauth-done").textContent).toBe("✓ Signed in with Example ID.");
    expect(visible("wizard-oauth-sign-in")).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(w.currentStep).toBe("folders");
    await w.submit();
    expect($("wizard-summary").textContent).toContain("With Example ID, in the browser");
    await w.submit();
    expect(api.addAccount).not.toHaveBeenCalled();
    expect(api.addOAuthAccount).toHaveBeenCalledWith(
      {
        display_name: "Work",
        email: "alice@example.org",
        server: { host: "imap.example.org", port: 993, security: "tls", username: "alice", ca_file: null },
        folders: ["INBOX", "Work"],
        interval_secs: 300,
        quirks: [],
      },
      run,
    );
    expect(host.added).toHaveBeenCalled();
    w.dispose();
    expect(api.oauthCancel).not.toHaveBeenCalled(); // the sign-in is the account's now
  });

  it("stops waiting at once on Cancel, says nothing, and can start again", async () => {
    const { b, signIn } = browser();
    const { w, api } = setup({ offer: () => offer(), signIn });
    await toServer(w);
    const first = w.submit();
    const run = b.runs[0]!;
    $("wizard-signin-cancel").click();
    await first;
    expect(api.oauthCancel).toHaveBeenCalledWith(run);
    expect(visible("wizard-signin")).toBe(false);
    expect($("wizard-oauth-error").hidden).toBe(true);
    expect(document.activeElement).toBe($("wizard-oauth-sign-in"));
    expect($<HTMLButtonElement>("wizard-oauth-sign-in").disabled).toBe(false);
    // The cancelled sign-in's late refusal changes nothing.
    b.fail({ kind: "invalid", message: "Sign-in cancelled.", field: "oauth" });
    await Promise.resolve();
    expect($("wizard-oauth-error").hidden).toBe(true);

    // Back, while waiting, stops waiting too; the address step works at once.
    const left = w.submit();
    expect(b.runs.length).toBe(2);
    document.querySelector<HTMLButtonElement>('[data-step-panel="server"] [data-test="wizard-back"]')!.click();
    expect(api.oauthCancel).toHaveBeenLastCalledWith(b.runs[1]);
    await left;
    await w.submit();
    expect(w.currentStep).toBe("server");

    const second = w.submit();
    expect(b.runs.length).toBe(3);
    expect(new Set(b.runs).size).toBe(3);
    expect(visible("wizard-signin")).toBe(true);
    b.finish();
    await second;
    expect(api.testConnectionSignedIn).toHaveBeenCalledWith(expect.any(Number), expect.anything(), b.runs[2]);
  });

  it("puts a refused or timed-out sign-in next to its button, with a retry", async () => {
    const { b, signIn } = browser();
    const { w } = setup({ offer: () => offer(), signIn });
    await toServer(w);
    const first = w.submit();
    b.fail({ kind: "sync", message: "the sign-in was refused (access_denied): The user denied access", field: "oauth" });
    await first;
    const err = $("wizard-oauth-error");
    expect(err.hidden).toBe(false);
    expect(err.getAttribute("role")).toBe("alert");
    expect(err.textContent).toContain("The sign-in was refused (access_denied): The user denied access");
    expect(err.textContent).toContain("Try again, or use a password instead.");
    expect($("wizard-oauth-sign-in").getAttribute("aria-describedby")).toBe(err.id);
    expect(document.activeElement).toBe($("wizard-oauth-sign-in"));
    expect($("wizard-server-error").hidden).toBe(true);
    expect(visible("wizard-signin")).toBe(false);

    // Retry: the error goes while it runs, and for good once signed in.
    const second = w.submit();
    expect(err.hidden).toBe(true);
    b.fail({ kind: "sync", message: "no answer came back from the browser within 5 minutes: start the sign-in again", field: "oauth" });
    await second;
    expect(err.textContent).toContain("within 5 minutes");
    const third = w.submit();
    b.finish();
    await third;
    expect(err.hidden).toBe(true);
    expect($("wizard-test-ok").textContent).toBe("Connected: signed in as alice, 2 folders found.");
  });

  it("puts a token the server refuses next to the sign-in, which then starts over", async () => {
    const { w, api } = setup({
      offer: () => offer(),
      testSignedIn: () =>
        authFailedReport({
          problem: "token_refused",
          advice: "The server refused the sign-in token: sign in again; if it keeps refusing, the token may lack the mail scope.",
          advice_kind: "token_refused",
        }),
    });
    await toServer(w);
    await w.submit();
    const grant = api.oauthSignIn.mock.calls[0]![0];
    expect($("wizard-oauth-error").textContent).toContain("[AUTHENTICATIONFAILED] Authentication failed.");
    expect($("wizard-oauth-error").textContent).toContain("imap.example.org did not accept the sign-in.");
    expect($("wizard-oauth-error").textContent).toContain("Sign in again.");
    expect($("wizard-password-error").hidden).toBe(true);
    expect(api.oauthCancel).toHaveBeenCalledWith(grant);
    expect(visible("wizard-oauth-sign-in")).toBe(true);
    expect(visible("wizard-oauth-done")).toBe(false);
    await w.submit();
    expect(api.oauthSignIn).toHaveBeenCalledTimes(2);
  });

  it("tests the same sign-in again after a fix of the settings (an untrusted certificate)", async () => {
    let report = untrustedReport();
    const { w, api } = setup({ offer: () => offer(), testSignedIn: () => report });
    await toServer(w);
    await w.submit();
    expect(document.activeElement).toBe(input("wizard-ca-file"));
    expect($("wizard-test").textContent).toBe("Test connection");
    expect(visible("wizard-test")).toBe(true);
    report = passedReport();
    type("wizard-ca-file", "/home/alice/ca.pem");
    await w.submit();
    expect(api.oauthSignIn).toHaveBeenCalledTimes(1);
    const grant = api.oauthSignIn.mock.calls[0]![0];
    expect(api.testConnectionSignedIn.mock.calls.map((c) => [c[1].ca_file, c[2]])).toEqual([
      [null, grant],
      ["/home/alice/ca.pem", grant],
    ]);
  });

  it("takes a sign-in that ran out before the account was added back to the sign-in", async () => {
    vi.useFakeTimers();
    const { w, api, host } = setup({ offer: () => offer() });
    await toServer(w);
    await w.submit();
    vi.advanceTimersByTime(1000);
    await w.submit();
    expect(w.currentStep).toBe("finish");
    const grant = api.oauthSignIn.mock.calls[0]![0];
    api.addOAuthAccount.mockRejectedValueOnce({ kind: "invalid", message: "The sign-in has run out: sign in again.", field: "oauth" });
    await w.submit();
    expect(w.currentStep).toBe("server");
    expect($("wizard-oauth-error").textContent).toBe("The sign-in has run out: sign in again.");
    expect(api.oauthCancel).toHaveBeenCalledWith(grant);
    expect(document.activeElement).toBe($("wizard-oauth-sign-in"));
    expect(host.added).not.toHaveBeenCalled();
  });

  it("gives a waiting or finished sign-in up when the wizard is left", async () => {
    const { b, signIn } = browser();
    const waiting = setup({ offer: () => offer(), signIn });
    await toServer(waiting.w);
    void waiting.w.submit();
    waiting.w.dispose();
    expect(waiting.api.oauthCancel).toHaveBeenCalledWith(b.runs[0]);

    const done = setup({ offer: () => offer(), testSignedIn: () => untrustedReport() });
    await toServer(done.w);
    await done.w.submit();
    const grant = done.api.oauthSignIn.mock.calls[0]![0];
    expect(done.api.oauthCancel).not.toHaveBeenCalled();
    done.w.dispose();
    expect(done.api.oauthCancel).toHaveBeenCalledWith(grant);
  });

  it("opens a provider's help page through the app, and can copy it", async () => {
    const { w, api } = setup({ discovery: discovery([candidate({ note: "Gmail needs an app password.", help_url: "https://support.google.com/mail/answer/185833" })]) });
    await toServer(w);
    const link = document.querySelector<HTMLAnchorElement>('[data-test="wizard-note"] a[data-test="url"]')!;
    expect(link.textContent).toBe("https://support.google.com/mail/answer/185833");
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    expect(api.openLink).toHaveBeenCalledWith("https://support.google.com/mail/answer/185833");
    expect(link.nextElementSibling!.textContent).toBe("Copy");

    api.openLink.mockRejectedValueOnce({ kind: "invalid", message: "only https links are opened", field: null });
    link.click();
    await vi.waitFor(() => expect(document.querySelector('[data-test="wizard-note"] [data-test="url-error"]')!.textContent).toBe("only https links are opened"));
  });
});

describe("the engine's words in German", () => {
  afterEach(() => setLocale(FALLBACK));

  /** From the address to the last step, with a test that passes. */
  async function toFinish(w: Wizard) {
    vi.useFakeTimers();
    type("wizard-email", "alice@example.org");
    await w.submit();
    type("wizard-password", "secret");
    await w.submit();
    vi.advanceTimersByTime(1000);
    await w.submit();
  }

  it("says a field error from its kind, in the user's language", async () => {
    setLocale("de");
    const { w, api } = setup({ test: () => passedReport() });
    const message = "This account is already set up: change it under Accounts instead.";
    api.addAccount.mockRejectedValueOnce({
      kind: "invalid",
      message,
      field: "email",
      field_error: { field: "email", kind: "already_set_up", message, value: null, min: null, details: null },
    });
    await toFinish(w);
    expect(w.currentStep).toBe("finish");
    await w.submit();
    expect(w.currentStep).toBe("address");
    const err = $("wizard-email-error");
    expect(err.textContent).toContain("Dieses Konto ist schon eingerichtet: Ändern Sie es stattdessen unter „Konten“.");
    expect(err.textContent).not.toContain("already set up");
  });

  it("says a failed connection test and its advice from their kinds, with the engine's words under Details", async () => {
    setLocale("de");
    const refused: LiveTestReport = {
      ...passedReport([]),
      ok: false,
      steps: [
        stepReport("connect", "failed", "connection refused by imap.example.org:993: nothing accepts connections on that port"),
        stepReport("secure", "skipped"),
        stepReport("authenticate", "skipped"),
        stepReport("list_folders", "skipped"),
      ],
      problem: "connection_refused",
      field: "port",
      advice: "Check the port (IMAP is usually 993 with TLS or 143 with STARTTLS) and that the server at imap.example.org is running.",
      advice_kind: "check_port_running",
    };
    const { w } = setup({ test: () => refused });
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    expect(w.currentStep).toBe("server");
    const err = $("wizard-port-error");
    expect(err.querySelector(".error-message")!.textContent).toBe("imap.example.org nimmt auf Port 993 keine Verbindungen an.");
    expect(err.querySelector(".error-advice")!.textContent).toBe(
      "Prüfen Sie den Port (IMAP ist meist 993 mit TLS oder 143 mit STARTTLS) und ob der Server imap.example.org läuft.",
    );
    const details = err.querySelector("details")!;
    expect(details.querySelector("summary")!.textContent).toBe("Details");
    expect(details.querySelector("pre")!.textContent).toBe("connection refused by imap.example.org:993: nothing accepts connections on that port");
  });

  it("says why discovery found no server from its kind", async () => {
    setLocale("de");
    const { w } = setup({
      discovery: discovery([], { error: "could not find the IMAP server for example.org: enter the server settings below (your provider's help pages list them).", error_kind: "not_found" }),
    });
    await toServer(w);
    expect(document.querySelector(".source-none")!.textContent).toBe(
      "Mailbell konnte den IMAP-Server für example.org nicht finden: Geben Sie die Servereinstellungen unten ein (die Hilfeseiten Ihres Anbieters nennen sie).",
    );
  });

  it("says what each step of the test found in German, a failed one as its problem", async () => {
    setLocale("de");
    const { w } = setup({ test: () => authFailedReport() });
    await toServer(w);
    type("wizard-password", "wrong");
    await w.submit();
    const details = [...document.querySelectorAll('[data-test="wizard-test-steps"] [data-test="step-detail"]')].map((e) => e.textContent);
    expect(details).toEqual([
      "Verbunden mit 192.0.2.1:993.",
      "Mit TLS verschlüsselt; Zertifikat geprüft.",
      "imap.example.org hat das Passwort für alice nicht angenommen.",
      "",
    ]);
  });

  it("says why a certificate is not trusted in German, OpenSSL's words under Details", async () => {
    setLocale("de");
    const r = untrustedReport();
    const { w } = setup({ test: () => ({ ...r, certificate: { ...r.certificate!, self_signed: false, reason: "self-signed certificate in certificate chain", reason_kind: "unknown_issuer" } }) });
    await toServer(w);
    type("wizard-password", "secret");
    await w.submit();
    const err = $("wizard-ca-file-error");
    expect(err.querySelector(".error-message")!.textContent).toBe(
      "Mailbell vertraut dem Zertifikat von imap.example.org nicht. Es wurde von einer Zertifizierungsstelle ausgestellt, der dieser Computer nicht vertraut.",
    );
    expect(err.querySelector("details pre")!.textContent).toBe("self-signed certificate in certificate chain");
    expect($("certificate").querySelector('[data-test="cert-why"]')!.textContent).toBe("Es wurde von einer Zertifizierungsstelle ausgestellt, der dieser Computer nicht vertraut.");
  });

  it("says a provider's note and what discovery tried in German, the engine's words under Details", async () => {
    setLocale("de");
    const gmail = candidate({ source: "builtin", provider: "gmail", note: "Google accepts mail programs only with an app password.", note_kinds: [{ kind: "provider", provider: "gmail" }] } as never);
    const plain = candidate({ host: "mail.example.org", security: "plain", note: "no encryption", note_kinds: [{ kind: "not_encrypted" }] });
    const { w } = setup({
      discovery: discovery([gmail, plain], {
        attempts: [
          { source: "builtin", target: "example.org", result: "Gmail (imap.gmail.com:993)", result_kind: { kind: "provider", name: "Gmail", host: "imap.gmail.com", port: 993 } },
          { source: "srv", target: "_imaps._tcp.example.org", result: "no record", result_kind: { kind: "no_record" } },
          { source: "guess", target: "imap.example.org:993 (tls)", result: "an IMAP server answered; certificate not trusted (Hostname mismatch)", result_kind: { kind: "untrusted", reason: "name_mismatch" } },
        ],
      }),
    });
    await toServer(w);
    expect($("wizard-note").textContent).toContain("Google lässt Mailprogramme nur mit einem App-Passwort");
    expect($("wizard-note").textContent).not.toContain("accepts");
    const rows = [...$("wizard-attempts").querySelectorAll("li")].map((li) => [li.querySelector(".attempt-source")!.textContent, li.querySelector(".attempt-result")!.textContent]);
    expect(rows).toEqual([
      ["Mailbells Liste der Anbieter", " — Gmail (imap.gmail.com:993)"],
      ["DNS-SRV", " — kein Eintrag"],
      ["Geraten", " — ein IMAP-Server hat geantwortet; seinem Zertifikat wird nicht vertraut: Es wurde für einen anderen Servernamen ausgestellt."],
    ]);
    expect($("wizard-attempts").querySelector(".raw-words")!.textContent).toContain("Hostname mismatch");
    // The other candidate's note.
    w.server.candidates.input.value = "1";
    w.server.candidates.input.dispatchEvent(new Event("change"));
    expect($("wizard-note").textContent).toBe("Dieser Server wird ohne Verschlüsselung angeboten: Das Passwort würde im Klartext übertragen.");
  });

  it("says a field error only the engine's English describes in German, that English under Details", async () => {
    setLocale("de");
    const { w, api } = setup({ test: () => passedReport() });
    const message = "unknown quirk \"nope\"";
    api.addAccount.mockRejectedValueOnce({ kind: "invalid", message, field: "email", field_error: { field: "email", kind: "other", message, value: null, min: null, details: null } });
    await toFinish(w);
    await w.submit();
    const err = $("wizard-email-error");
    expect(err.querySelector(".error-message")!.textContent).toBe("Dieser Wert kann nicht verwendet werden.");
    expect(err.querySelector("details pre")!.textContent).toBe(message);
  });

  it("shows the app's own sentence of a sign-in error with the engine's words under Details", () => {
    setLocale("de");
    const p = placeError({ kind: "sync", message: "Die Anmeldung wurde abgelehnt.", field: "oauth", details: "the sign-in was refused (access_denied)" });
    expect(p).toEqual({ field: "oauth", message: "Die Anmeldung wurde abgelehnt.", advice: null, details: "the sign-in was refused (access_denied)", said: true });
  });

  it("has words for every provider of the engine's table", () => {
    const table = readFileSync(resolve(import.meta.dirname, "../../crates/sync/src/providers.rs"), "utf8");
    const ids = [...table.matchAll(/^\s+id: "([^"]+)",$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(10);
    for (const lang of ["de", FALLBACK]) {
      setLocale(lang);
      expect(ids.filter((id) => providerNote(id) === null)).toEqual([]);
    }
    expect(providerNote("not-a-provider")).toBeNull();
  });

  it("says a wrong password in German, the server's words under Details", async () => {
    setLocale("de");
    const { w } = setup({ test: () => authFailedReport() });
    await toServer(w);
    type("wizard-password", "wrong");
    await w.submit();
    const err = $("wizard-password-error");
    expect(err.querySelector(".error-message")!.textContent).toBe("imap.example.org hat das Passwort für alice nicht angenommen.");
    expect(err.querySelector(".error-advice")!.textContent).toContain("Prüfen Sie Benutzername und Passwort");
    expect(err.querySelector("details pre")!.textContent).toContain("[AUTHENTICATIONFAILED] Authentication failed.");
  });
});
