// Form pieces of the setup wizard and the account editor: labelled fields with their error next
// to them (aria-describedby, role=alert), the live test's step list, the certificate of an
// untrusted server, and help links. These forms are built once and updated in place
// (see main.ts): nothing here is rebuilt by a render.

import { h, replace, type Child } from "../dom";
import { t } from "../i18n";
import { toAppError } from "../bridge";
import type { CertificateInfo } from "../bindings/CertificateInfo";
import { certReasonSentence, day } from "../engine-words";
import { sentence } from "../format";
import type { Step } from "../bindings/Step";
import type { StepReport } from "../bindings/StepReport";
import { applyStep, progressFromReport, startProgress, stepLabel, TEST_STEPS, type Placement, type Progress, type StepState } from "../setup";
import type { LiveTestReport } from "../bindings/LiveTestReport";

let seq = 0;
function uid(name: string): string {
  return `mb-${name}-${++seq}`;
}

type FieldOptions = {
  label: string;
  /** The data-test name of the control; its error is `<test>-error`. */
  test: string;
  hint?: Child;
  optional?: boolean;
};

/** A control with its label, an optional hint, and a place for its error right below it. */
export class FormField<E extends HTMLInputElement | HTMLSelectElement> {
  readonly row: HTMLElement;
  readonly error: HTMLElement;
  private readonly hintId: string | null;

  constructor(
    readonly input: E,
    o: FieldOptions,
    extra: Child = null,
  ) {
    const id = uid(o.test);
    input.id = id;
    input.dataset.test = o.test;
    this.hintId = o.hint ? `${id}-hint` : null;
    this.error = h("div", { class: "field-error", data: { test: `${o.test}-error` }, attrs: { id: `${id}-error`, role: "alert" } });
    this.error.hidden = true;
    this.row = h(
      "div",
      { class: "field" },
      h("label", { attrs: { for: id } }, o.label, o.optional ? h("span", { class: "optional" }, " ", t("field-optional")) : null),
      extra ? h("div", { class: "input-group" }, input, extra) : input,
      o.hint ? h("p", { class: "hint", attrs: { id: this.hintId! } }, o.hint) : null,
      this.error,
    );
    this.describe();
  }

  get value(): string {
    return this.input.value;
  }

  set value(v: string) {
    this.input.value = v;
  }

  /** Shows an error (text nodes only) next to the control and marks it invalid. */
  showError(...content: Child[]): void {
    replace(this.error, ...content);
    this.error.hidden = false;
    this.input.setAttribute("aria-invalid", "true");
    this.describe();
  }

  clearError(): void {
    if (this.error.hidden) return;
    this.error.hidden = true;
    this.error.replaceChildren();
    this.input.removeAttribute("aria-invalid");
    this.describe();
  }

  private describe(): void {
    const ids = [this.hintId, this.error.hidden ? null : this.error.id].filter(Boolean).join(" ");
    if (ids) this.input.setAttribute("aria-describedby", ids);
    else this.input.removeAttribute("aria-describedby");
  }
}

export function inputField(
  o: FieldOptions & { value?: string; type?: string; autocomplete?: string; placeholder?: string; inputmode?: string; class?: string },
): FormField<HTMLInputElement> {
  const attrs: Record<string, string> = { type: o.type ?? "text", spellcheck: "false", autocapitalize: "off" };
  if (o.autocomplete) attrs.autocomplete = o.autocomplete;
  if (o.placeholder) attrs.placeholder = o.placeholder;
  if (o.inputmode) attrs.inputmode = o.inputmode;
  const input = h("input", { class: o.class, attrs });
  input.value = o.value ?? "";
  return new FormField(input, o);
}

/** A password field with a Show/Hide button; the password is never put anywhere but the field. */
export function passwordField(o: FieldOptions): FormField<HTMLInputElement> {
  const input = h("input", { attrs: { type: "password", autocomplete: "current-password", spellcheck: "false" } });
  const show = h("button", { class: "small reveal", data: { test: `${o.test}-show` }, attrs: { type: "button", "aria-pressed": "false" } }, t("password-show"));
  show.addEventListener("click", () => {
    const on = input.type === "password";
    input.type = on ? "text" : "password";
    show.textContent = on ? t("password-hide") : t("password-show");
    show.setAttribute("aria-pressed", String(on));
  });
  return new FormField(input, o, show);
}

export function selectField(o: FieldOptions & { options: readonly (readonly [string, string])[]; value: string }): FormField<HTMLSelectElement> {
  const select = h("select", null);
  setOptions(select, o.options, o.value);
  return new FormField(select, o);
}

export function setOptions(select: HTMLSelectElement, options: readonly (readonly [string, string])[], value: string): void {
  select.replaceChildren(...options.map(([v, label]) => h("option", { attrs: { value: v } }, label)));
  select.value = value;
}

/** An error's words: the message (e.g. the server's own), then what to do. */
export function errorBody(p: Placement): Child[] {
  return [
    h("p", { class: "error-message" }, p.said ? p.message : sentence(p.message)),
    p.advice ? h("p", { class: "error-advice" }, p.advice) : null,
    p.details
      ? h(
          "details",
          { class: "problem-details", data: { test: "error-details" } },
          h("summary", null, t("problem-details")),
          h("pre", { class: "raw-words" }, p.details),
        )
      : null,
  ];
}

/** An error for a whole step (one that names no field). */
export function stepError(test: string): { el: HTMLElement; show: (p: Placement | null) => void } {
  const el = h("div", { class: "field-error step-error", data: { test }, attrs: { role: "alert" } });
  el.hidden = true;
  return {
    el,
    show(p) {
      el.hidden = !p;
      if (p) replace(el, ...errorBody(p));
      else el.replaceChildren();
    },
  };
}

/** A primary button's busy state: a spinner and what is going on; `null` restores its label. */
export function setBusy(b: HTMLButtonElement, busy: string | null): void {
  b.dataset.label ??= b.textContent ?? "";
  b.disabled = busy !== null;
  b.classList.toggle("busy", busy !== null);
  if (busy === null) replace(b, b.dataset.label);
  else replace(b, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), busy);
}

/** Sets a button's label (also the one `setBusy` restores). The text node stays when the label
 * does: replacing it between a press and its release (a field's change event fires on the press)
 * would swallow the click. */
export function setLabel(b: HTMLButtonElement, label: string): void {
  b.dataset.label = label;
  if (b.classList.contains("busy") || b.textContent === label) return;
  const text = b.firstChild;
  if (text instanceof Text && b.childNodes.length === 1) text.data = label;
  else b.textContent = label;
}

/** A button that copies `text()` to the clipboard, saying so for a moment; without clipboard
 * access it selects `target` for Ctrl+C instead. */
export function copyButton(label: string, text: () => string, target: HTMLElement, o: { test?: string; title?: string } = {}): HTMLButtonElement {
  const copy = h("button", { class: "small", title: o.title, data: o.test ? { test: o.test } : undefined, attrs: { type: "button" } }, label);
  const run = async () => {
    try {
      await navigator.clipboard.writeText(text());
      copy.textContent = t("copy-done");
    } catch {
      window.getSelection()?.selectAllChildren(target);
      copy.textContent = t("copy-press-ctrl-c");
    }
    setTimeout(() => (copy.textContent = label), 2000);
  };
  copy.addEventListener("click", () => void run());
  return copy;
}

/** A help page's address: a link that opens it in the browser (`open`, i.e. `open_link`: the
 * window itself never leaves Mailbell), and a Copy button. A refusal shows beside it. */
export function helpLink(url: string, open: (url: string) => Promise<unknown>): HTMLElement {
  const problem = h("span", { class: "link-error", data: { test: "url-error" }, attrs: { role: "alert" } });
  const link = h("a", { class: "url", title: t("link-open-in-browser"), data: { test: "url" }, attrs: { href: url, rel: "noreferrer" } }, url);
  const go = async (ev: MouseEvent) => {
    ev.preventDefault();
    problem.textContent = "";
    try {
      await open(url);
    } catch (e) {
      problem.textContent = toAppError(e).message;
    }
  };
  link.addEventListener("click", (ev) => void go(ev));
  // A middle click would ask the window to open the page itself.
  link.addEventListener("auxclick", (ev) => {
    if (ev.button === 1) void go(ev);
  });
  return h("span", { class: "url-line" }, link, copyButton(t("copy"), () => url, link, { title: t("link-copy-title") }), problem);
}

/** The certificate a server showed and Mailbell did not trust. */
export function certificateBox(c: CertificateInfo): HTMLElement {
  const flags = [c.self_signed ? t("cert-self-signed") : null, c.expired ? t("cert-expired") : null, c.not_yet_valid ? t("cert-not-yet-valid") : null].filter(Boolean).join(", ");
  const valid = t("cert-valid-range", { from: day(c.not_before), to: day(c.not_after) });
  // [test id, label, value]
  const rows: [string, string, string][] = [
    ["subject", t("cert-subject"), c.subject],
    ["issuer", t("cert-issuer"), c.issuer],
    ["valid", t("cert-valid"), flags ? `${valid} (${flags})` : valid],
    ["sha-256", "SHA-256", c.sha256_fingerprint],
  ];
  if (c.names.length) rows.push(["names", t("cert-names"), c.names.join(", ")]);
  rows.push(["why", t("cert-why"), certReasonSentence(c.reason_kind)]);
  return h(
    "div",
    { class: "cert", data: { test: "certificate" } },
    h("p", { class: "cert-title" }, t("cert-title")),
    h("dl", { class: "facts-list cert-facts" }, ...rows.flatMap(([k, label, v]) => [h("dt", null, label), h("dd", { data: { test: `cert-${k}` } }, v)])),
  );
}


/** The live test's four steps as they finish: waiting, running (a spinner), ok, failed, skipped. */
export class TestProgress {
  readonly root: HTMLOListElement;
  private progress: Progress | null = null;
  private readonly rows = new Map<Step, { li: HTMLElement; detail: HTMLElement }>();

  constructor(test = "test-steps") {
    this.root = h("ol", { class: "test-steps", data: { test }, attrs: { "aria-live": "polite", "aria-label": t("step-list-label") } });
    for (const step of TEST_STEPS) {
      const detail = h("span", { class: "step-detail", data: { test: "step-detail" } });
      const li = h(
        "li",
        { class: "test-step", data: { test: "test-step", step, status: "pending" } },
        h("span", { class: "step-icon", attrs: { "aria-hidden": "true" } }),
        h("span", { class: "step-text" }, h("span", { class: "step-label" }, stepLabel(step)), detail),
      );
      this.rows.set(step, { li, detail });
      this.root.appendChild(li);
    }
    this.root.hidden = true;
  }

  get run(): number | null {
    return this.progress?.run ?? null;
  }

  start(run: number): void {
    this.show(startProgress(run));
  }

  /** A `test_step` event: applied when it belongs to the current run. */
  step(run: number, step: StepReport): void {
    if (this.progress) this.show(applyStep(this.progress, run, step));
  }

  finish(run: number, report: LiveTestReport): void {
    if (this.progress?.run === run) this.show(progressFromReport(run, report));
  }

  hide(): void {
    this.progress = null;
    this.root.hidden = true;
  }

  private show(p: Progress): void {
    this.progress = p;
    this.root.hidden = false;
    for (const step of TEST_STEPS) {
      const { li, detail } = this.rows.get(step)!;
      const s = p.steps[step];
      li.dataset.status = s.state;
      const icon = li.firstElementChild as HTMLElement;
      replace(icon, s.state === "running" ? h("span", { class: "spinner" }) : ICONS[s.state]);
      detail.textContent = s.detail;
      li.setAttribute("aria-label", `${t("step-aria", { step: stepLabel(step), state: stepStateWord(s.state) })}${s.detail ? `. ${s.detail}` : ""}`);
    }
  }
}

const ICONS = { pending: "", running: "", ok: "✓", failed: "✕", skipped: "–" } as const;
function stepStateWord(s: StepState): string {
  switch (s) {
    case "pending":
      return t("step-state-pending");
    case "running":
      return t("step-state-running");
    case "ok":
      return t("step-state-ok");
    case "failed":
      return t("step-state-failed");
    case "skipped":
      return t("step-state-skipped");
  }
}
