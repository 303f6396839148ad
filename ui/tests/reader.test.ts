import { describe, expect, it, vi } from "vitest";

import { frameCsp, frameDocument, FRAME_SANDBOX, linkIndex, linkPolicy, Reader, sizeText } from "../src/views/reader";
import type { MessageView } from "../src/bindings/MessageView";
import type { OpenInOptions } from "../src/bindings/OpenInOptions";

describe("the mail frame's policy", () => {
  it("blocks everything but inline styles and data: images until remote images are allowed", () => {
    expect(frameCsp(false)).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'");
    expect(frameCsp(true)).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; form-action 'none'; base-uri 'none'");
    expect(frameCsp(true)).not.toMatch(/script|http:|\*/);
  });

  it("puts the policy before any mail markup", () => {
    const doc = frameDocument('<meta http-equiv="Content-Security-Policy" content="img-src *"><img src="https://x/">', false);
    const mine = doc.indexOf(frameCsp(false));
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(doc.indexOf("img-src *"));
    expect(doc.startsWith("<!DOCTYPE html><html><head>")).toBe(true);
    // A link clicked before the pane made it its own asks for a window, which the sandbox refuses.
    expect(doc.indexOf('<base target="_blank">')).toBeLessThan(doc.indexOf("img-src *"));
  });

  it("knows the links it made its own, and nothing else", () => {
    expect(linkIndex("#mailbell-link-0")).toBe(0);
    expect(linkIndex("#mailbell-link-12")).toBe(12);
    for (const other of ["", "#", "#top", "#mailbell-link-", "#mailbell-link-1x", "#xmailbell-link-1"]) expect(linkIndex(other)).toBeNull();
  });

  it("sandboxes without scripts, forms, popups or navigation", () => {
    expect(FRAME_SANDBOX.split(/\s+/)).toEqual(["allow-same-origin"]);
  });
});

describe("links in mail", () => {
  it("opens https links only, and says why it does not open others", () => {
    expect(linkPolicy("https://example.org/a?b=c")).toEqual({ open: "https://example.org/a?b=c" });
    expect(linkPolicy(" HTTPS://Example.org ")).toEqual({ open: "HTTPS://Example.org" });
    for (const bad of ["http://example.org", "javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "https://", "https://a b", "tauri://localhost/", "/relative"]) {
      const p = linkPolicy(bad);
      expect(p && "refuse" in p, bad).toBe(true);
    }
    expect(linkPolicy("mailto:bob@example.org?subject=x")).toEqual({ refuse: "This link writes to bob@example.org: write from your mail program." });
    expect(linkPolicy(null)).toBeNull();
    expect(linkPolicy("#top")).toBeNull();
  });
});

describe("the reading pane", () => {
  const view = (extra: Partial<MessageView> = {}): MessageView => ({
    account: "acc1",
    folder: "INBOX",
    uidvalidity: 1,
    uid: 5,
    subject: "<b>Hello</b>",
    from: [{ name: "Bob", address: "bob@example.org" }],
    to: [{ name: null, address: "alice@example.org" }],
    cc: [],
    reply_to: [],
    date: "2026-11-28T10:00:00Z",
    message_id: "x@y",
    list_id: null,
    seen: false,
    size: 2048,
    text: "<img src=x onerror=alert(1)> plain text",
    html: null,
    remote_images: 0,
    attachments: [{ name: "report.pdf", mime: "application/pdf", size: 204800 }],
    truncated: true,
    ...extra,
  });
  const options: OpenInOptions = { account: "acc1", choice: { kind: "mail_program" }, mail_program: "Thunderbird", webmail: null };

  async function open(v: MessageView) {
    const api = {
      showMessage: vi.fn(async () => v),
      openLink: vi.fn(async () => null),
      openMessage: vi.fn(async () => null),
      openInOptions: vi.fn(async () => options),
    };
    const act = vi.fn(async () => true);
    const r = new Reader({ api, back: vi.fn(), act }, { account: "acc1", folder: "INBOX", uidvalidity: 1, uid: 5 });
    await vi.waitFor(() => expect(r.root.querySelector('[data-test="reader-subject"]')).not.toBeNull());
    await vi.waitFor(() => expect(r.root.querySelector('[data-test="reader-open-in"]')).not.toBeNull());
    return { r, api, act };
  }

  it("shows a text mail as text, with its headers, attachments and the truncation notice", async () => {
    const { r, api, act } = await open(view());
    const t = (sel: string) => r.root.querySelector(sel)?.textContent;
    expect(t('[data-test="reader-subject"]')).toBe("<b>Hello</b>");
    expect(t('[data-test="reader-from"]')).toBe("Bob <bob@example.org>");
    expect(t('[data-test="reader-to"]')).toBe("alice@example.org");
    expect(t('[data-test="reader-text"]')).toBe("<img src=x onerror=alert(1)> plain text");
    expect(r.root.querySelectorAll("img, iframe, b").length).toBe(0);
    expect(t('[data-test="reader-attachments"]')).toBe("report.pdf 200 KB");
    expect(t('[data-test="reader-truncated"]')).toMatch(/Open it in your mail program/);
    expect(t('[data-test="reader-truncated-open"]')).toBe("Open in Thunderbird");
    expect(t('[data-test="reader-open-in"]')).toBe("Open in Thunderbird");
    r.root.querySelector<HTMLButtonElement>('[data-test="reader-open-in"]')!.click();
    expect(api.openMessage).toHaveBeenCalledWith({ account: "acc1", folder: "INBOX", uidvalidity: 1, uid: 5 });
    r.root.querySelector<HTMLButtonElement>('[data-test="act-delete"]')!.click();
    expect(act).toHaveBeenCalledWith({ account: "acc1", folder: "INBOX", uidvalidity: 1, uid: 5 }, "delete");
  });

  it("shows HTML in a sandboxed frame, remote images blocked until allowed", async () => {
    const { r } = await open(view({ html: '<p>Hi <img src="https://example.org/t.png"></p>', remote_images: 1, seen: true }));
    const frame = () => r.root.querySelector<HTMLIFrameElement>('[data-test="reader-frame"]')!;
    expect(frame().getAttribute("sandbox")).toBe("allow-same-origin");
    expect(frame().srcdoc).toContain(frameCsp(false));
    expect(r.root.querySelector('[data-test="act-read"]')).toBeNull();
    r.root.querySelector<HTMLButtonElement>('[data-test="show-remote"]')!.click();
    await vi.waitFor(() => expect(frame().srcdoc).toContain(frameCsp(true)));
    expect(r.root.querySelector('[data-test="remote-bar"]')).toBeNull();
  });

  it("sizes are said plainly", () => {
    expect(sizeText(900)).toBe("900 bytes");
    expect(sizeText(1536)).toBe("2 KB");
    expect(sizeText(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});
