// Waiting for a sign-in in the browser (OAuth2), for the setup wizard and the account editor:
// the command that opens the provider's page and waits for its answer runs under a fresh run id,
// and meanwhile a panel says what is going on, shows the page's link (announced by a
// `sign_in_url` app event of that run) as text to select, open again or copy, and offers Cancel.
// Like the forms it belongs to, it is built once and updated in place.

import { button, h } from "../dom";
import { t } from "../i18n";
import { toAppError, type Api } from "../bridge";
import type { AppError } from "../bindings/AppError";
import { nextRun } from "../setup";
import { copyButton } from "./form";

export type SignInApi = Pick<Api, "oauthOpen" | "oauthCancel">;

/** How a sign-in ended: signed in (the run id is then the grant), refused or failed (`error`),
 * or cancelled by the user (`error` null). */
export type SignInOutcome = { ok: true; run: number } | { ok: false; error: AppError | null };

type Current = { run: number; cancel: () => void };

export class BrowserSignIn {
  readonly root: HTMLElement;
  private current: Current | null = null;
  private readonly intro = h("p", { class: "hint" });
  private readonly url: HTMLElement;
  private readonly openBtn: HTMLButtonElement;
  private readonly copyBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly problem: HTMLElement;

  /** `test` names the panel (data-test); its parts are `<test>-url`, `-open`, `-copy`, `-cancel`. */
  constructor(
    private readonly api: SignInApi,
    test: string,
  ) {
    this.url = h("span", { class: "url signin-url", data: { test: `${test}-url` } });
    this.openBtn = button(t("signin-open-again"), () => this.open(), { class: "small", title: t("signin-open-again-title"), data: { test: `${test}-open` } });
    this.copyBtn = copyButton(t("signin-copy-link"), () => this.url.dataset.url ?? "", this.url, { test: `${test}-copy`, title: t("signin-copy-link-title") });
    this.cancelBtn = button(t("wizard-cancel"), () => this.cancel(), { class: "secondary", data: { test: `${test}-cancel` } });
    this.problem = h("p", { class: "link-error", data: { test: `${test}-error` }, attrs: { role: "alert" } });
    this.root = h(
      "div",
      { class: "signin-wait", data: { test }, attrs: { role: "group", "aria-label": t("signin-label") } },
      h("p", { class: "signin-title", attrs: { "aria-live": "polite" } }, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), t("signin-waiting")),
      this.intro,
      h("div", { class: "signin-link" }, this.url),
      h("div", { class: "signin-actions" }, this.openBtn, this.copyBtn, h("span", { class: "spacer" }), this.cancelBtn),
      this.problem,
    );
    this.root.hidden = true;
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Runs `flow(run)`, the command that waits for the browser, with the panel shown; the focus
   * goes to its Cancel. Cancel (or `cancel()`) ends the wait at once. */
  async start(provider: string, flow: (run: number) => Promise<unknown>): Promise<SignInOutcome> {
    this.cancel();
    const run = nextRun();
    let cancelled!: () => void;
    const cancel = new Promise<"cancelled">((r) => (cancelled = () => r("cancelled")));
    const me: Current = { run, cancel: cancelled };
    this.current = me;
    this.intro.textContent = t("signin-intro", { provider });
    this.setUrl(null);
    this.problem.textContent = "";
    this.root.hidden = false;
    this.cancelBtn.focus();
    try {
      const outcome = await Promise.race([
        flow(run).then(
          () => ({ ok: true, run }) as const,
          (e: unknown) => ({ ok: false, error: toAppError(e) }) as const,
        ),
        cancel,
      ]);
      return outcome === "cancelled" ? { ok: false, error: null } : outcome;
    } finally {
      if (this.current === me) this.stop();
    }
  }

  /** A `sign_in_url` app event: shown when it belongs to the sign-in waited for. */
  onUrl(run: number, url: string): void {
    if (this.current?.run === run) this.setUrl(url);
  }

  /** Stops waiting (the app stops listening for the browser). */
  cancel(): void {
    const c = this.current;
    if (!c) return;
    this.stop();
    c.cancel();
    this.api.oauthCancel(c.run).catch(() => {});
  }

  focus(): void {
    this.cancelBtn.focus();
  }

  private stop(): void {
    this.current = null;
    this.root.hidden = true;
  }

  private setUrl(url: string | null): void {
    this.url.textContent = url ?? t("signin-preparing");
    if (url) this.url.dataset.url = url;
    else delete this.url.dataset.url;
    this.url.classList.toggle("pending", !url);
    this.openBtn.disabled = !url;
    this.copyBtn.disabled = !url;
  }

  private async open(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.problem.textContent = "";
    try {
      await this.api.oauthOpen(c.run);
    } catch (e) {
      if (this.current === c) this.problem.textContent = toAppError(e).message;
    }
  }
}
