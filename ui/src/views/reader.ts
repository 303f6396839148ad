// The reading pane: one message, fetched on demand (BODY.PEEK: reading here never marks it read
// on the server). Sender, recipients, date, subject, attachments' names and sizes, the text;
// HTML mail (already sanitised by the engine) in a sandboxed frame that runs nothing and fetches
// nothing until the user allows remote images for this message. Mark as read, Archive, Delete,
// and "Open in…" the account's choice.
//
// Like the editor it owns its DOM and is only updated in place: a render (an engine event) must
// not reload the frame, which would fetch allowed images again and lose the scroll position.

import { button, h, replace } from "../dom";
import { formatsLocale, t } from "../i18n";
import { toAppError, type Api } from "../bridge";
import { fullTime, senderName, sentence, subjectText } from "../format";
import type { Address } from "../bindings/Address";
import type { MessageAction } from "../bindings/MessageAction";
import type { MessageRef } from "../bindings/MessageRef";
import type { MessageView } from "../bindings/MessageView";
import type { OpenInOptions } from "../bindings/OpenInOptions";

export type ReaderApi = Pick<Api, "showMessage" | "openLink" | "openMessage" | "openInOptions">;

export type ReaderHost = {
  api: ReaderApi;
  back: () => void;
  /** Runs an action on the message (the host shows the outcome and the Undo). */
  act: (message: MessageRef, action: MessageAction) => Promise<boolean>;
};

/** The frame's own policy. Nothing may load but inline styles and data: images; remote images
 * (https only) once the user allowed them for this message. */
export function frameCsp(remote: boolean): string {
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:${remote ? " https:" : ""}; form-action 'none'; base-uri 'none'`;
}

/** The frame's whole document: the policy first, before any mail markup. */
export function frameDocument(html: string, remote: boolean): string {
  return [
    "<!DOCTYPE html><html><head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${frameCsp(remote)}">`,
    '<meta name="referrer" content="no-referrer">',
    // Until the pane has made each link its own (see Reader.wire), a click on a link asks for a
    // new window, which the sandbox refuses: the frame never navigates.
    '<base target="_blank">',
    "<style>html,body{margin:0;padding:0;background:#fff;color:#111;font:14px/1.45 system-ui,sans-serif;overflow-wrap:anywhere}body{padding:12px}img{max-width:100%;height:auto}</style>",
    "</head><body>",
    html,
    "</body></html>",
  ].join("");
}

/** The `sandbox` of the frame: same origin only, so that the pane can reach into it (make its
 * links the pane's, size it); no `allow-scripts`, so nothing in it ever runs (in WebKit not even
 * the pane's own event listeners on its nodes); no forms, popups or top-level navigation. */
export const FRAME_SANDBOX = "allow-same-origin";

/** The fragment a mail link becomes inside the frame: `#mailbell-link-<n>`. A click on it is a
 * navigation within the frame's own document (no request), which the pane sees and turns into
 * opening link n in the browser. */
export const LINK_FRAGMENT = "mailbell-link-";

/** Which link a frame's location hash names, if any. */
export function linkIndex(hash: string): number | null {
  const m = new RegExp(`^#${LINK_FRAGMENT}(\\d+)$`).exec(hash);
  return m ? Number(m[1]) : null;
}

/** How often the pane looks at the frame's location for a clicked link. Event listeners on the
 * frame's nodes never run (no scripts there), so the pane has to look. */
const LINK_POLL_MS = 150;

/** What a click on a link in a mail does: open it in the browser (https only), or say why not. */
export function linkPolicy(href: string | null): { open: string } | { refuse: string } | null {
  if (!href) return null;
  const url = href.trim();
  if (/^https:\/\/[^\s]+$/i.test(url) && url.length > 8) return { open: url };
  if (/^mailto:/i.test(url)) return { refuse: t("reader-link-mailto", { address: url.slice(7).split("?")[0] ?? "" }) };
  if (url.startsWith("#")) return null;
  return { refuse: t("reader-link-not-https", { url: url.slice(0, 200) }) };
}

export function sizeText(bytes: number): string {
  const n = (x: number, digits = 0) => new Intl.NumberFormat(formatsLocale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
  if (bytes < 1024) return t("size-bytes", { count: bytes });
  if (bytes < 1024 * 1024) return t("size-kb", { size: n(Math.round(bytes / 1024)) });
  return t("size-mb", { size: n(bytes / (1024 * 1024), 1) });
}

function addresses(list: Address[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(", ");
}

function actionLabels(): [MessageAction, string][] {
  return [
    ["read", t("action-read")],
    ["archive", t("action-archive")],
    ["delete", t("action-delete")],
  ];
}

/** The three action buttons of a message (pane and list rows). */
export function actionButtons(act: (a: MessageAction) => Promise<unknown>, o: { small?: boolean; seen?: boolean } = {}): HTMLElement[] {
  return actionLabels().filter(([a]) => !(a === "read" && o.seen)).map(([a, label]) =>
    button(label, () => act(a), { class: `${o.small ? "small " : ""}${a === "delete" ? "danger" : "secondary"}`, data: { test: `act-${a}` } }),
  );
}

export class Reader {
  readonly root: HTMLElement;
  private readonly head = h("div", { class: "reader-head" });
  private readonly actions = h("div", { class: "reader-actions" });
  private readonly notice = h("div", null);
  private readonly body = h("div", { class: "reader-body", data: { test: "reader-body" } });
  private readonly openInSlot = h("span", null);
  /** "Open in …" again, in the notice of a message too big to show whole. */
  private readonly truncatedSlot = h("span", null);
  private readonly linkNote = h("p", { class: "hint", data: { test: "reader-link-note" }, attrs: { role: "status" } });
  private view: MessageView | null = null;
  private remote = false;
  private openIn: OpenInOptions | null = null;
  private disposed = false;
  /** Stops watching the current frame (its links and size). */
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly host: ReaderHost,
    readonly message: MessageRef,
  ) {
    const back = button(t("reader-back"), () => host.back(), { class: "secondary back", data: { test: "reader-back" } });
    this.linkNote.hidden = true;
    this.root = h(
      "section",
      { class: "view reader", data: { test: "reader" } },
      h("div", { class: "view-head" }, back, h("span", { class: "spacer" }), this.actions),
      this.head,
      this.notice,
      this.linkNote,
      this.body,
    );
    this.head.appendChild(h("p", { class: "hint", attrs: { role: "status" } }, t("reader-loading")));
    void this.load();
    void this.loadOpenIn();
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatching();
  }

  focus(): void {
    this.root.querySelector<HTMLElement>('[data-test="reader-back"]')?.focus();
  }

  private async load(): Promise<void> {
    try {
      const v = await this.host.api.showMessage(this.message);
      if (this.disposed) return;
      this.view = v;
      this.draw();
    } catch (e) {
      if (this.disposed) return;
      replace(this.head, h("p", { class: "error-text", data: { test: "reader-error" }, attrs: { role: "alert" } }, sentence(toAppError(e).message)));
    }
  }

  private async loadOpenIn(): Promise<void> {
    try {
      this.openIn = await this.host.api.openInOptions(this.message.account);
    } catch {
      this.openIn = null;
    }
    if (!this.disposed) this.drawOpenIn();
  }

  /** "Open in <program>", as the account's choice names it. */
  private openInLabel(): string | null {
    const o = this.openIn;
    if (!o) return null;
    switch (o.choice.kind) {
      case "mail_program":
        return o.mail_program ? t("reader-open-in", { program: o.mail_program }) : null;
      case "webmail":
        return o.webmail ? t("reader-open-in-webmail", { webmail: o.webmail }) : null;
      case "command":
        return t("reader-open-with-command");
    }
  }

  private drawOpenIn(): void {
    const label = this.openInLabel();
    replace(this.truncatedSlot, label ? button(label, () => this.openElsewhere(), { class: "secondary small", data: { test: "reader-truncated-open" } }) : null);
    replace(
      this.openInSlot,
      label
        ? button(label, () => this.openElsewhere(), { class: "secondary", data: { test: "reader-open-in" } })
        : h("span", { class: "hint", data: { test: "reader-open-in-none" } }, t("reader-open-in-none")),
    );
  }

  private async openElsewhere(): Promise<void> {
    try {
      await this.host.api.openMessage(this.message);
      this.say(null);
    } catch (e) {
      this.say(toAppError(e).message);
    }
  }

  private say(text: string | null): void {
    replace(this.notice, text ? h("p", { class: "error-text", data: { test: "reader-notice" }, attrs: { role: "alert" } }, sentence(text)) : null);
  }

  private draw(): void {
    const v = this.view;
    if (!v) return;
    const from = v.from[0];
    const sender = from ? senderName(from.name, from.address) : t("sender-unknown");
    const row = (label: string, value: string, test: string) => (value ? h("div", { class: "reader-row" }, h("span", { class: "reader-label" }, label), h("span", { data: { test } }, value)) : null);
    replace(
      this.head,
      h("h1", { class: "reader-subject", data: { test: "reader-subject" } }, subjectText(v.subject)),
      h(
        "div",
        { class: "reader-meta" },
        row(t("reader-from"), from ? (from.name ? `${sender} <${from.address}>` : from.address) : sender, "reader-from"),
        row(t("reader-to"), addresses(v.to), "reader-to"),
        row(t("reader-cc"), addresses(v.cc), "reader-cc"),
        row(t("reader-reply-to"), addresses(v.reply_to), "reader-reply-to"),
        row(t("reader-date"), v.date ? fullTime(v.date) : "", "reader-date"),
        row(t("reader-folder"), v.folder, "reader-folder"),
      ),
      v.attachments.length
        ? h(
            "ul",
            { class: "attachments", data: { test: "reader-attachments" }, attrs: { "aria-label": t("reader-attachments") } },
            ...v.attachments.map((a) => h("li", null, h("span", { class: "att-name" }, a.name || t("reader-attachment-no-name")), h("span", { class: "hint" }, ` ${sizeText(a.size)}`))),
          )
        : null,
      v.truncated
        ? h(
            "div",
            { class: "notice-text reader-truncated", data: { test: "reader-truncated" } },
            h("span", null, t("reader-truncated")),
            this.truncatedSlot,
          )
        : null,
    );
    replace(this.actions, ...actionButtons((a) => this.host.act(this.message, a), { seen: v.seen }), this.openInSlot);
    this.drawBody();
  }

  private drawBody(): void {
    const v = this.view;
    if (!v) return;
    this.stopWatching();
    if (v.html === null) {
      // Text mail as text: never parsed as markup.
      const pre = h("pre", { class: "reader-text", data: { test: "reader-text" } });
      pre.textContent = v.text;
      replace(this.body, pre);
      return;
    }
    const bar =
      v.remote_images > 0 && !this.remote
        ? h(
            "div",
            { class: "remote-bar", data: { test: "remote-bar" } },
            h("span", null, t("reader-remote-blocked", { count: v.remote_images })),
            button(t("reader-show-remote"), () => this.allowRemote(), { class: "secondary small", data: { test: "show-remote" } }),
          )
        : null;
    const frame = h("iframe", {
      class: "reader-frame",
      title: t("reader-frame-title"),
      data: { test: "reader-frame" },
      attrs: { sandbox: FRAME_SANDBOX, referrerpolicy: "no-referrer" },
    });
    frame.srcdoc = frameDocument(v.html, this.remote);
    frame.addEventListener("load", () => this.wire(frame));
    replace(this.body, bar, frame);
  }

  private allowRemote(): void {
    this.remote = true;
    this.drawBody();
  }

  /** Makes the frame's links the pane's: each becomes `about:srcdoc#mailbell-link-<n>` (a click stays
   * within the frame's document; its original target is kept as the title), and the pane
   * watches for such a click. Sizes the frame to its content as images load. */
  private wire(frame: HTMLIFrameElement): void {
    const doc = frame.contentDocument;
    const win = frame.contentWindow;
    if (!doc || !win) return;
    const links: (string | null)[] = [];
    for (const a of Array.from(doc.querySelectorAll("a, area"))) {
      const href = a.getAttribute("href");
      const n = links.push(href) - 1;
      // Absolute: a srcdoc document resolves a bare `#…` against the app's own address, which
      // would be a navigation of the frame (refused by the app's frame-src), not a fragment.
      a.setAttribute("href", `about:srcdoc#${LINK_FRAGMENT}${n}`);
      a.setAttribute("target", "_self");
      if (href && !a.getAttribute("title")) a.setAttribute("title", href);
    }
    const size = () => {
      frame.style.height = `${Math.max(120, (doc.documentElement?.scrollHeight ?? 0) + 4)}px`;
    };
    size();
    this.stopWatching();
    // The observer and the timer are the pane's own (they run although the frame's scripts cannot).
    const resize = new ResizeObserver(size);
    resize.observe(doc.documentElement);
    const timer = setInterval(() => {
      if (this.disposed || !frame.isConnected) return this.stopWatching();
      const n = linkIndex(win.location.hash);
      if (n === null) return;
      win.location.hash = "";
      this.follow(links[n] ?? null);
    }, LINK_POLL_MS);
    this.unwatch = () => {
      resize.disconnect();
      clearInterval(timer);
    };
  }

  private stopWatching(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  private follow(href: string | null): void {
    const p = linkPolicy(href);
    if (!p) return;
    if ("open" in p) {
      this.linkNote.hidden = true;
      void this.host.api.openLink(p.open).catch((e: unknown) => this.showLinkNote(toAppError(e).message));
    } else this.showLinkNote(p.refuse);
  }

  private showLinkNote(text: string): void {
    this.linkNote.textContent = text;
    this.linkNote.hidden = false;
  }
}
