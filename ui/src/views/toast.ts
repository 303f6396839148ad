// The toast: what an action on a message did ("Archived."), with Undo for a few seconds, or why it
// failed, in a sentence. One at a time; a new one replaces the last. It lives outside the views,
// so a render never takes it (or its Undo) away.

import { button, h, replace } from "../dom";
import { toAppError } from "../bridge";
import { sentence } from "../format";
import { t } from "../i18n";
import type { MessageAction } from "../bindings/MessageAction";

/** How long the Undo stays offered (the engine keeps a token about a minute). */
export const UNDO_MS = 8000;

export function actedText(action: MessageAction): string {
  switch (action) {
    case "read":
      return t("acted-read");
    case "archive":
      return t("acted-archive");
    case "delete":
      return t("acted-delete");
  }
}

export class Toast {
  readonly root = h("div", { class: "toast", data: { test: "toast" }, attrs: { role: "status", "aria-live": "polite" } });
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly undo: (token: string) => Promise<unknown>) {
    this.root.hidden = true;
  }

  /** Shows `text`; with `token`, an Undo button for `UNDO_MS`. Errors stay until closed. */
  show(text: string, token: string | null, error = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.root.classList.toggle("error", error);
    this.root.setAttribute("role", error ? "alert" : "status");
    // Engine errors start in lower case: said as a sentence.
    const say = h("span", { data: { test: "toast-text" } }, sentence(text));
    const undo = token
      ? button(
          t("toast-undo"),
          async () => {
            try {
              await this.undo(token);
              this.show(t("toast-undone"), null);
            } catch (e) {
              this.show(toAppError(e).message, null, true);
            }
          },
          { class: "small secondary", data: { test: "toast-undo" } },
        )
      : null;
    const close = button("×", () => this.hide(), { class: "small ghost", title: t("toast-close"), attrs: { "aria-label": t("toast-close") }, data: { test: "toast-close" } });
    replace(this.root, say, undo, close);
    this.root.hidden = false;
    if (!error) this.timer = setTimeout(() => this.hide(), token ? UNDO_MS : 4000);
  }

  hide(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.root.hidden = true;
    replace(this.root);
  }
}
