// The sign-in step's server settings: what discovery found (or the user types), folded to one line until changed.

import { h, replace } from "../../dom";
import { t } from "../../i18n";
import type { Candidate } from "../../bindings/Candidate";
import type { DiscoveryView } from "../../bindings/DiscoveryView";
import type { Security } from "../../bindings/Security";
import { attemptResult, attemptSource, candidateNotes } from "../../engine-words";
import { sentence } from "../../format";
import { blankForm, candidateLabel, formFromCandidate, portAfterSecurityChange, SECURITIES, securityLabel, sourceText, type ServerForm } from "../../setup";
import { inputField, selectField, setOptions } from "../form";
import { wizardHelpLink, type WizardCore } from "./shared";

export class ServerPart {
  /** The step's title, which names the address. */
  readonly title = h("h2", null);
  readonly candidates = selectField({ label: t("wizard-settings-found"), test: "wizard-candidate", options: [], value: "" });
  readonly host = inputField({ label: t("wizard-host"), test: "wizard-host", placeholder: t("wizard-host-placeholder") });
  readonly port = inputField({ label: t("wizard-port"), test: "wizard-port", inputmode: "numeric", class: "port" });
  readonly security = selectField({
    label: t("wizard-security"),
    test: "wizard-security",
    options: SECURITIES.map((s) => [s, securityLabel(s)] as const),
    value: "tls",
  });
  readonly username = inputField({ label: t("wizard-username"), test: "wizard-username", autocomplete: "username" });
  readonly caFile = inputField({
    label: t("wizard-ca-file"),
    test: "wizard-ca-file",
    optional: true,
    placeholder: t("wizard-ca-file-placeholder"),
    hint: t("wizard-ca-file-hint"),
  });
  /** The CA file from a file chooser (Tauri's dialog plugin) rather than typed. */
  private readonly chooseCa = h("button", { class: "small", data: { test: "wizard-choose-ca" }, attrs: { type: "button" } }, t("cert-use-ca-file"));
  /** Where an untrusted server's certificate shows, under the CA file it calls for. */
  readonly certSlot = h("div", { class: "cert-slot" });
  /** The SHA-256 fingerprint of the one certificate the user trusted for this server ("Trust
   * this certificate"), tested with it and pinned when the account is added; a change of the
   * server or of the CA file drops it. */
  pin: string | null = null;
  /** The settings as a fieldset: where they came from, the summary line and the fields. */
  readonly fieldset: HTMLElement;
  /** The address these settings are for, and what discovery found for it (null: typed by hand). */
  discovered: { email: string; view: DiscoveryView | null } | null = null;
  private readonly source = h("div", { class: "source", data: { test: "wizard-source" } });
  private readonly attempts = h("div", { class: "attempts-slot" });
  private readonly note = h("div", { class: "provider-note", data: { test: "wizard-note" } });
  private readonly plainWarning = h(
    "p",
    { class: "warning", data: { test: "wizard-plain-warning" } },
    t("wizard-plain-warning"),
  );
  private readonly summary = h("span", { class: "server-summary-text", data: { test: "wizard-server-summary" } });
  private readonly editBtn = h(
    "button",
    { class: "small", data: { test: "wizard-edit-server" }, attrs: { type: "button", "aria-expanded": "false", "aria-controls": "wizard-server-fields" } },
    t("wizard-change"),
  );
  private readonly fields = h("div", { class: "server-fields", attrs: { id: "wizard-server-fields" } });
  private candidateList: Candidate[] = [];

  constructor(private readonly w: WizardCore) {
    this.candidates.input.addEventListener("change", () => {
      this.applyCandidate(this.candidateList[Number(this.candidates.value)] ?? null);
      w.credential.askOfferSoon();
    });
    this.security.input.addEventListener("change", () => {
      const from = (this.security.input.dataset.was ?? "tls") as Security;
      const to = this.security.value as Security;
      this.port.value = portAfterSecurityChange(this.port.value, from, to);
      this.securityChanged();
    });
    // Errors go while the user types (not on the change a click elsewhere fires: the layout
    // would move under the pointer and the click be lost).
    for (const f of [this.host, this.port, this.username, this.caFile]) f.input.addEventListener("input", () => w.live.edited(f));
    this.security.input.addEventListener("change", () => w.live.edited(this.security));
    // A pin is for the certificate of this server as tested: another server, another CA file,
    // another decision.
    for (const f of [this.host, this.port, this.caFile]) f.input.addEventListener("input", () => (this.pin = null));
    this.security.input.addEventListener("change", () => (this.pin = null));
    this.chooseCa.addEventListener("click", () => {
      void (async () => {
        const path = await w.app.api.chooseCaFile().catch(() => null);
        if (!path) return;
        this.caFile.value = path;
        this.pin = null;
        w.live.edited(this.caFile);
      })();
    });
    this.editBtn.addEventListener("click", () => {
      this.expand(true);
      this.host.input.focus();
    });
    replace(
      this.fields,
      this.candidates.row,
      h("div", { class: "field-pair" }, this.host.row, this.port.row),
      this.security.row,
      this.plainWarning,
      this.username.row,
      this.caFile.row,
      h("div", { class: "ca-choose" }, this.chooseCa),
      this.certSlot,
    );
    this.fieldset = h(
      "fieldset",
      { class: "server" },
      h("legend", null, t("wizard-summary-server")),
      this.source,
      this.attempts,
      this.note,
      h("div", { class: "server-summary" }, this.summary, this.editBtn),
      this.fields,
    );
    // Ask again which sign-in the server offers once its name rests.
    this.host.input.addEventListener("input", () => w.credential.askOfferSoon());
  }

  form(): ServerForm {
    return { host: this.host.value, port: this.port.value, security: this.security.value as Security, username: this.username.value, caFile: this.caFile.value, pin: this.pin };
  }

  /** The candidate chosen, if any (its quirks go with the account when the host stayed). */
  chosenCandidate(): Candidate | undefined {
    return this.candidateList[Number(this.candidates.value)];
  }

  /** Fills the settings for an address from what discovery found (`null`: nothing looked up). */
  fill(email: string, view: DiscoveryView | null): void {
    this.discovered = { email, view };
    this.w.credential.forgetOffer();
    this.title.textContent = t("wizard-sign-in-to", { email });
    this.candidateList = view?.candidates ?? [];
    setOptions(this.candidates.input, this.candidateList.map((c, i) => [String(i), candidateLabel(c)] as const), "0");
    this.candidates.row.hidden = this.candidateList.length < 2;
    replace(this.attempts, view && view.attempts.length ? attemptsList(view) : null);
    this.applyCandidate(this.candidateList[0] ?? null);
    this.expand(!this.candidateList.length);
    if (!this.candidateList.length) {
      replace(
        this.source,
        view
          ? h("p", { class: "source-none" }, discoveryFailure(view))
          : h("p", { class: "source-none" }, t("wizard-enter-settings")),
      );
    }
  }

  /** The server settings as fields (`true`), or as one line with a Change button. */
  expand(open: boolean): void {
    this.fields.hidden = !open;
    this.summary.parentElement!.hidden = open;
    this.editBtn.setAttribute("aria-expanded", String(open));
  }

  updateSummary(): void {
    const f = this.form();
    const parts = [`${f.host.trim() || "?"}:${f.port.trim() || "?"}`, f.security.toUpperCase(), t("wizard-summary-user", { user: f.username.trim() || "?" })];
    if (f.caFile.trim()) parts.push(t("wizard-summary-own-ca"));
    this.summary.textContent = parts.join(" · ");
  }

  private applyCandidate(c: Candidate | null): void {
    const email = this.discovered?.email ?? "";
    this.setForm(c ? formFromCandidate(c, email) : { ...blankForm(email), caFile: this.caFile.value });
    this.w.live.reset();
    if (c) {
      const s = sourceText(c);
      replace(this.source, h("p", null, h("span", { class: "source-what" }, s.text), s.where ? " " : null, s.where ? h("span", { class: "source-where" }, s.where) : null));
    }
    replace(
      this.note,
      ...(c ? candidateNotes(c) : []).map((n) => h("p", null, n)),
      c?.help_url ? h("p", { class: "help-line" }, t("wizard-help"), " ", wizardHelpLink(this.w.app, c.help_url)) : null,
    );
    this.note.hidden = !c?.note && !c?.help_url;
  }

  private setForm(f: ServerForm): void {
    this.host.value = f.host;
    this.port.value = f.port;
    this.security.value = f.security;
    this.username.value = f.username;
    this.caFile.value = f.caFile;
    this.pin = f.pin ?? null;
    for (const x of [this.host, this.port, this.security, this.username, this.caFile]) x.clearError();
    this.securityChanged();
    this.updateSummary();
  }

  private securityChanged(): void {
    this.security.input.dataset.was = this.security.value;
    this.plainWarning.hidden = this.security.value !== "plain";
  }
}

function attemptsList(view: DiscoveryView): HTMLElement {
  return h(
    "details",
    { class: "attempts", data: { test: "wizard-attempts" } },
    h("summary", null, t("wizard-attempts")),
    h(
      "ul",
      null,
      ...view.attempts.map((a) => {
        const result = attemptResult(a);
        return h(
          "li",
          null,
          h("span", { class: "attempt-source" }, attemptSource(a.source)),
          " ",
          h("span", { class: "attempt-target" }, a.target),
          h("span", { class: "attempt-result" }, ` — ${result.text}`),
          // The engine's words about it (the system's, the server's), as for any error.
          result.details
            ? h("details", { class: "problem-details attempt-details" }, h("summary", null, t("problem-details")), h("pre", { class: "raw-words" }, result.details))
            : null,
        );
      }),
    ),
  );
}

/** Why discovery found nothing, in the user's language when the app said what kind of failure
 * it was (what was tried is in the attempts list). */
function discoveryFailure(view: DiscoveryView): string {
  const domain = view.domain;
  switch (view.error_kind) {
    case "not_found":
      return t("engine-discovery-not-found", { domain });
    case "no_service":
      return t("engine-discovery-no-service", { domain });
    case "timed_out":
      return t("engine-discovery-timed-out", { domain });
    default:
      return sentence(view.error ?? t("wizard-nothing-found", { domain }));
  }
}
