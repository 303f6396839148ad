// "Open in…" for one account (a card of the account editor): the desktop's mail program, the
// provider's webmail, or a command of the user's. The command is split into words without a shell
// and gets the message only in MAILBELL_* environment variables, never on its command line.
// It owns its DOM, like the editor it lives in: a render never takes the typed command away.

import { button, h } from "../dom";
import { t } from "../i18n";
import { toAppError, type Api } from "../bridge";
import { sentence } from "../format";
import type { OpenIn } from "../bindings/OpenIn";
import type { OpenInOptions } from "../bindings/OpenInOptions";

export type OpenInApi = Pick<Api, "openInOptions" | "setOpenIn">;

type Kind = OpenIn["kind"];

/** The choice the form describes. */
export function choiceOf(kind: Kind, command: string): OpenIn {
  return kind === "command" ? { kind, command } : { kind };
}

export class OpenInChooser {
  readonly root: HTMLElement;
  private readonly radios = new Map<Kind, HTMLInputElement>();
  private readonly labels = new Map<Kind, HTMLElement>();
  private readonly command = h("input", { attrs: { type: "text", spellcheck: "false", autocomplete: "off", "aria-label": t("open-in-command-label") }, data: { test: "open-in-command-line" } });
  private readonly status = h("p", { class: "hint", data: { test: "open-in-status" }, attrs: { role: "status" } });
  private readonly saveBtn: HTMLButtonElement;

  constructor(
    private readonly api: OpenInApi,
    private readonly account: string,
  ) {
    const name = `open-in-${account}`;
    const option = (kind: Kind, text: string, ...extra: (Node | null)[]) => {
      const input = h("input", { attrs: { type: "radio", name, value: kind }, data: { test: `open-in-${kind}` } });
      input.addEventListener("change", () => this.changed());
      const label = h("span", null, text);
      this.radios.set(kind, input);
      this.labels.set(kind, label);
      return h("div", { class: "open-in-option" }, h("label", { class: "radio" }, input, label), ...extra);
    };
    this.command.addEventListener("input", () => this.changed());
    this.saveBtn = button(t("open-in-save"), () => this.save(), { class: "primary", data: { test: "open-in-save" } });
    this.root = h(
      "div",
      { class: "open-in", data: { test: "open-in", account } },
      h("p", { class: "hint" }, t("open-in-hint")),
      option("mail_program", t("open-in-mail-program")),
      option("webmail", t("open-in-webmail")),
      option("command", t("open-in-command"), h("div", { class: "open-in-command" }, this.command, h("p", { class: "hint" }, t("open-in-command-hint")))),
      h("div", { class: "wizard-actions" }, this.status, h("span", { class: "spacer" }), this.saveBtn),
    );
    void this.load();
  }

  private kind(): Kind {
    for (const [k, r] of this.radios) if (r.checked) return k;
    return "mail_program";
  }

  private changed(): void {
    this.command.disabled = this.kind() !== "command";
    this.status.textContent = "";
    this.status.classList.remove("error-text");
  }

  private show(o: OpenInOptions): void {
    this.labels.get("mail_program")!.textContent = o.mail_program ? t("open-in-mail-program-named", { program: o.mail_program }) : t("open-in-mail-program-none");
    this.labels.get("webmail")!.textContent = o.webmail ? t("open-in-webmail-named", { webmail: o.webmail }) : t("open-in-webmail-none");
    this.radios.get("webmail")!.disabled = !o.webmail;
    this.radios.get(o.choice.kind)!.checked = true;
    if (o.choice.kind === "command") this.command.value = o.choice.command;
    this.command.disabled = o.choice.kind !== "command";
  }

  private async load(): Promise<void> {
    try {
      this.show(await this.api.openInOptions(this.account));
    } catch (e) {
      this.say(toAppError(e).message, true);
    }
  }

  private say(text: string, error = false): void {
    this.status.textContent = sentence(text);
    this.status.classList.toggle("error-text", error);
  }

  private async save(): Promise<void> {
    try {
      this.show(await this.api.setOpenIn(this.account, choiceOf(this.kind(), this.command.value)));
      this.say(t("open-in-saved"));
    } catch (e) {
      this.say(toAppError(e).message, true);
    }
  }
}
