import { describe, expect, it } from "vitest";

import {
  applyStep,
  blankForm,
  certificateAdvice,
  defaultFolders,
  folderCounts,
  formFromCandidate,
  offeredFolders,
  needsSignInAgain,
  oauthProviderName,
  placeError,
  placeReport,
  portAfterSecurityChange,
  progressFromReport,
  providerHelp,
  serverSettings,
  sourceText,
  startProgress,
  stepOfField,
  usableOffer,
  sameOffer,
} from "../src/setup";
import { account, authFailedReport, candidate, folderInfo, oauthAccount, oauthConfig, offer, passedReport, REVOKED, stepReport, untrustedReport } from "./fixtures";

describe("a discovered candidate as form fields", () => {
  it("takes host, port, security and the user name hint", () => {
    expect(formFromCandidate(candidate({ host: "mail.example.org", port: 143, security: "starttls", username_hint: "alice" }), "alice@example.org")).toEqual({
      host: "mail.example.org",
      port: "143",
      security: "starttls",
      username: "alice",
      caFile: "",
    });
  });

  it("uses the whole address as user name without a hint", () => {
    expect(formFromCandidate(candidate({ username_hint: null }), " alice@example.org ").username).toBe("alice@example.org");
    expect(blankForm("alice@example.org")).toEqual({ host: "", port: "993", security: "tls", username: "alice@example.org", caFile: "" });
  });

  it("says where each candidate came from", () => {
    expect(sourceText(candidate({ source: "builtin", provider: "gmail" } as never))).toEqual({ text: "Built-in settings for Gmail", where: null });
    expect(sourceText(candidate({ source: "builtin", provider: "newcomer" } as never)).text).toBe("Built-in settings for newcomer");
    expect(sourceText(candidate())).toEqual({ text: "Found via autoconfig", where: "https://autoconfig.example.org/mail/config-v1.1.xml" });
    expect(sourceText(candidate({ source: "ispdb", source_url: "https://autoconfig.thunderbird.net/v1.1/example.org" } as never)).where).toBe("https://autoconfig.thunderbird.net/v1.1/example.org");
    expect(sourceText(candidate({ source: "srv", source_record: "_imaps._tcp.example.org" } as never))).toEqual({ text: "Found via the DNS record", where: "_imaps._tcp.example.org" });
    expect(sourceText(candidate({ source: "guess", host: "imap.example.org", port: 993 } as never)).text).toBe("Guessed: imap.example.org answers on port 993");
  });

  it("moves a default port along with the security mode, and keeps a chosen one", () => {
    expect(portAfterSecurityChange("993", "tls", "starttls")).toBe("143");
    expect(portAfterSecurityChange("143", "starttls", "tls")).toBe("993");
    expect(portAfterSecurityChange("1143", "starttls", "tls")).toBe("1143");
  });

  it("checks the form before the commands do, naming the field", () => {
    const ok = { host: " imap.example.org ", port: "993", security: "tls" as const, username: "alice", caFile: "  " };
    expect(serverSettings(ok)).toEqual({ ok: { host: "imap.example.org", port: 993, security: "tls", username: "alice", ca_file: null } });
    const field = (f: Partial<typeof ok>) => {
      const r = serverSettings({ ...ok, ...f });
      return "err" in r ? r.err.field : null;
    };
    expect(field({ host: " " })).toBe("host");
    for (const port of ["", "0", "65536", "99x", "-1"]) expect(field({ port })).toBe("port");
    expect(field({ username: "" })).toBe("username");
    expect(field({ caFile: "/etc/ca.pem" })).toBeNull();
  });
});

describe("where errors go", () => {
  it("puts a command's error next to the field it names, and others on the step", () => {
    expect(placeError({ kind: "invalid", message: "bad address", field: "email" })).toEqual({ field: "email", message: "bad address", advice: null });
    expect(placeError({ kind: "internal", message: "boom", field: null }).field).toBeNull();
    expect(placeError({ kind: "invalid", message: "x", field: "no_such_field" }).field).toBeNull();
  });

  it("puts a failed test's words and advice next to the field the report names", () => {
    expect(placeReport(authFailedReport())).toEqual({
      field: "password",
      message: "imap.example.org did not accept the password for alice.",
      advice: expect.stringContaining("Check the user name and password (") as string,
      details: 'the server refused the login for "alice": [AUTHENTICATIONFAILED] Authentication failed.',
      said: true,
    });
    // A report without a kind for its advice (an older engine) keeps the engine's words.
    expect(placeReport(authFailedReport({ advice_kind: null }))!.advice).toBe("Check the user name and password.");
    expect(placeReport(untrustedReport())!.field).toBe("ca_file");
    expect(placeReport(passedReport())).toBeNull();
  });

  it("knows which step holds each field", () => {
    expect(stepOfField("email")).toBe("address");
    expect(stepOfField("display_name")).toBe("address");
    for (const f of ["password", "host", "port", "security", "username", "ca_file"] as const) expect(stepOfField(f)).toBe("server");
    expect(stepOfField("folders")).toBe("folders");
    expect(stepOfField("interval")).toBe("finish");
  });

  it("asks for the CA file for an untrusted certificate, but not for an expired one", () => {
    const r = untrustedReport();
    expect(certificateAdvice(r)).toMatchObject({ caFile: true, text: expect.stringContaining("CA certificate file") as string });
    expect(certificateAdvice({ ...r, certificate: { ...r.certificate!, expired: true }, advice_kind: "certificate_expired" })).toEqual({
      caFile: false,
      text: "The server's certificate expired on 2027-01-01T00:00:00Z: tell the server's administrator. Mailbell does not connect with an expired certificate.",
    });
    expect(certificateAdvice(authFailedReport())).toBeNull();
  });

  it("links the provider's help only when a password is not enough", () => {
    const provider = { id: "gmail", name: "Gmail", access: "app_password" as const, note: "Needs an app password.", help_url: "https://support.google.com/mail/answer/185833" };
    // The note in the user's language, from the provider's id; the engine's English for an id
    // the window has no words for.
    expect(providerHelp(authFailedReport({ provider }))).toEqual({ name: "Gmail", note: expect.stringMatching(/^Google lets mail programs in only with an app password/) as string, url: provider.help_url });
    expect(providerHelp(authFailedReport({ provider: { ...provider, id: "new-one" } }))?.note).toBe("Needs an app password.");
    expect(providerHelp(authFailedReport({ provider: { ...provider, access: "password" } }))).toBeNull();
    expect(providerHelp(authFailedReport())).toBeNull();
  });
});

describe("the live test's progress", () => {
  it("runs the first step at once, then each next one as the previous ends", () => {
    let p = startProgress(7);
    expect(p.steps.connect.state).toBe("running");
    expect(p.steps.secure.state).toBe("pending");
    p = applyStep(p, 7, stepReport("connect", "ok", "connected"));
    expect(p.steps.connect).toEqual({ state: "ok", detail: "connected" });
    expect(p.steps.secure.state).toBe("running");
  });

  it("ignores the steps of another run", () => {
    const p = applyStep(startProgress(7), 7, stepReport("connect", "ok"));
    expect(applyStep(p, 6, stepReport("secure", "failed", "an older test"))).toBe(p);
    expect(applyStep(p, 8, stepReport("secure", "ok"))).toBe(p);
  });

  it("skips what follows a failure", () => {
    let p = applyStep(startProgress(1), 1, stepReport("connect", "ok"));
    p = applyStep(p, 1, stepReport("secure", "failed", "no"));
    expect(Object.fromEntries(Object.entries(p.steps).map(([k, v]) => [k, v.state]))).toEqual({ connect: "ok", secure: "failed", authenticate: "skipped", list_folders: "skipped" });
  });

  it("takes the report's steps as the final word", () => {
    const p = progressFromReport(3, authFailedReport());
    // The failure as a sentence (the engine's words are the error's Details).
    expect(p.steps.authenticate).toEqual({ state: "failed", detail: "imap.example.org did not accept the password for alice." });
    expect(p.steps.connect.detail).toBe("Connected to 192.0.2.1:993.");
    expect(p.steps.list_folders.state).toBe("skipped");
    expect(progressFromReport(3, passedReport()).steps.list_folders.detail).toBe("3 folders.");
    expect(progressFromReport(3, passedReport()).steps.list_folders.state).toBe("ok");
  });
});

describe("folders to choose", () => {
  const folders = [
    folderInfo("INBOX"),
    folderInfo("Lists", { selectable: false, watched_by_default: false, messages: null, unseen: null }),
    folderInfo("Lists/rust"),
    folderInfo("Sent", { special_use: "\\Sent", watched_by_default: false }),
    folderInfo("Junk", { special_use: "\\Junk", watched_by_default: false }),
  ];

  it("offers only folders that can hold mail", () => {
    expect(offeredFolders(folders).map((f) => f.name)).toEqual(["INBOX", "Lists/rust", "Sent", "Junk"]);
  });

  it("chooses what Mailbell's rule would watch by default", () => {
    expect([...defaultFolders(folders)]).toEqual(["INBOX", "Lists/rust"]);
  });

  it("chooses INBOX at least", () => {
    expect([...defaultFolders([folderInfo("INBOX", { watched_by_default: false }), folderInfo("Sent", { watched_by_default: false })])]).toEqual(["INBOX"]);
    expect([...defaultFolders([])]).toEqual([]);
  });

  it("shows counts when the server gave them", () => {
    expect(folderCounts({ messages: 12, unseen: 3 })).toBe("12 messages, 3 unread");
    expect(folderCounts({ messages: 1, unseen: 0 })).toBe("1 message");
    expect(folderCounts({ messages: null, unseen: null })).toBe("");
  });
});

describe("sign-in in the browser", () => {
  it("puts a token the server refused next to the sign-in, not the password", () => {
    expect(placeReport(authFailedReport())!.field).toBe("password");
    expect(placeReport(authFailedReport(), true)!.field).toBe("oauth");
    // The engine names it itself now (problem token_refused, field oauth).
    expect(placeReport({ ...authFailedReport(), problem: "token_refused", field: "oauth" }, true)!.field).toBe("oauth");
    expect(placeReport(untrustedReport(), true)!.field).toBe("ca_file");
    expect(placeError({ kind: "sync", message: "refused", field: "oauth" }).field).toBe("oauth");
    expect(stepOfField("oauth")).toBe("server");
  });

  it("offers only what this build can do", () => {
    expect(usableOffer(offer())).toBe(true);
    expect(usableOffer(offer({ unavailable: "no client id" }))).toBe(false);
    expect(usableOffer(null)).toBe(false);
    expect(sameOffer(offer(), offer())).toBe(true);
    expect(sameOffer(offer(), offer({ name: "Other ID" }))).toBe(false);
    expect(sameOffer(offer(), null)).toBe(false);
    expect(sameOffer(null, null)).toBe(true);
  });

  it("names an account's provider: the built-in one's name, else its server", () => {
    expect(oauthProviderName(oauthConfig({ provider: "gmail" }))).toBe("Gmail");
    expect(oauthProviderName(oauthConfig({ authorize_url: "http://127.0.0.1:8080/authorize" }))).toBe("127.0.0.1:8080");
    expect(oauthProviderName(oauthConfig({ authorize_url: "not a url" }))).toBe("not a url");
  });

  it("asks to sign in again only for an OAuth2 account whose sign-in was refused", () => {
    expect(needsSignInAgain(oauthAccount("auth_failed", REVOKED))).toBe(true);
    expect(needsSignInAgain(oauthAccount("ok"))).toBe(false);
    expect(needsSignInAgain(oauthAccount())).toBe(false);
    const password = account();
    password.status = { ...oauthAccount("auth_failed").status!, account: "acc1" };
    expect(needsSignInAgain(password)).toBe(false);
  });
});
