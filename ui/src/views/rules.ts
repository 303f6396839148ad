// What rings, in Settings: quiet hours as a weekly schedule (several spans, each on some days
// from one time to another, across midnight when the end comes first), important senders and
// muted senders or mailing lists. Every change is saved at once, like the switches around it;
// the engine checks it, and what it refuses is shown as its sentence next to that part, with
// what the user typed kept for fixing.
//
// A form: it keeps its own DOM and its draft, so an engine event's redraw never takes away what
// is being typed. It rebuilds itself only when the rules change or an answer comes back.

import { button, h, replace } from "../dom";
import { formatsLocale, t } from "../i18n";
import type { Api } from "../bridge";
import type { AppError } from "../bindings/AppError";
import type { Day } from "../bindings/Day";
import type { QuietSpan } from "../bindings/QuietSpan";
import type { Rules } from "../bindings/Rules";
import { errorText } from "./common";

export const DAYS: readonly Day[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** A weekday's short name in the current locale ("Mon", "Mo"): from Intl, 1 Jan 2024 being a
 * Monday. */
export function dayName(d: Day): string {
  const date = new Date(Date.UTC(2024, 0, 1 + DAYS.indexOf(d)));
  return new Intl.DateTimeFormat(formatsLocale(), { weekday: "short", timeZone: "UTC" }).format(date);
}

/** The span "Add quiet hours" starts with: every night. */
export function newSpan(): QuietSpan {
  return { days: [...DAYS], start: "22:00", end: "07:00" };
}

/** A span in words: "Mon–Fri, 22:00 to 07:00 the next day". */
export function spanText(s: QuietSpan): string {
  const days = s.days.length === 7 ? t("rules-every-day") : s.days.map(dayName).join(", ");
  return s.end <= s.start ? t("rules-span-next-day", { days, start: s.start, end: s.end }) : t("rules-span", { days, start: s.start, end: s.end });
}

/** Which part of the rules an engine error is about (its `field`). */
export type RulesPart = "quiet_hours" | "important" | "muted";

export type RulesDeps = {
  api: Pick<Api, "setRules">;
  /** The rules as the engine now keeps them. */
  saved: (rules: Rules) => void;
};

const clone = (r: Rules): Rules => ({ quiet_hours: r.quiet_hours.map((s) => ({ ...s, days: [...s.days] })), important: [...r.important], muted: [...r.muted] });

export class RulesForm {
  readonly root: HTMLElement;
  private draft: Rules | null = null;
  /** The engine refused the draft: it stays as typed until fixed. */
  private error: { part: RulesPart; message: string } | null = null;
  /** What is typed in each list's "add" field, kept across rebuilds. */
  private typed: Record<"important" | "muted", string> = { important: "", muted: "" };

  constructor(private deps: RulesDeps) {
    this.root = h("article", { class: "card rules", data: { test: "rules" } });
  }

  /** Takes the engine's rules, unless the user's draft is waiting to be fixed. */
  update(rules: Rules | undefined): void {
    if (!rules || this.error) return;
    if (this.draft && JSON.stringify(this.draft) === JSON.stringify(rules)) return;
    this.draft = clone(rules);
    this.build();
  }

  /** Saves `next`; on a refusal keeps it as the draft and shows why. Returns whether it was kept. */
  private async save(next: Rules): Promise<boolean> {
    this.draft = next;
    try {
      const kept = await this.deps.api.setRules(next);
      this.error = null;
      this.draft = clone(kept);
      this.deps.saved(kept);
      return true;
    } catch (e) {
      const err = e as AppError;
      const part = (["quiet_hours", "important", "muted"] as const).find((p) => p === err.field) ?? "quiet_hours";
      this.error = { part, message: err.message };
      return false;
    } finally {
      this.build();
    }
  }

  private change(edit: (r: Rules) => void): Promise<boolean> {
    const next = clone(this.draft ?? { quiet_hours: [], important: [], muted: [] });
    edit(next);
    return this.save(next);
  }

  private build(): void {
    const r = this.draft;
    if (!r) return;
    const err = (part: RulesPart) => errorText(this.error?.part === part ? this.error.message : null, { data: { test: `rules-error-${part}` } });
    replace(
      this.root,
      h(
        "header",
        { class: "card-head" },
        h("div", { class: "who" }, h("h2", null, t("rules-title")), h("p", { class: "facts" }, t("rules-facts"))),
      ),
      h("h3", null, t("rules-quiet-hours")),
      h("p", { class: "hint pad-x" }, t("rules-quiet-hours-hint")),
      h("div", { class: "quiet-spans" }, ...r.quiet_hours.map((s, i) => this.span(s, i))),
      h("div", { class: "settings-row" }, button(t("rules-quiet-add"), () => this.change((d) => d.quiet_hours.push(newSpan())), { class: "small", data: { test: "quiet-add" } })),
      err("quiet_hours"),
      h("h3", null, t("rules-important")),
      h("p", { class: "hint pad-x" }, t("rules-important-hint")),
      this.list("important", r.important, t("rules-important-placeholder")),
      err("important"),
      h("h3", null, t("rules-muted")),
      h("p", { class: "hint pad-x" }, t("rules-muted-hint")),
      this.list("muted", r.muted, "list:news.example.org"),
      err("muted"),
    );
  }

  private span(s: QuietSpan, i: number): HTMLElement {
    const days = h(
      "div",
      { class: "days", attrs: { role: "group", "aria-label": t("rules-days-label", { n: i + 1 }) } },
      ...DAYS.map((d) => {
        const box = h("input", { attrs: { type: "checkbox" }, data: { test: "quiet-day", day: d } });
        box.checked = s.days.includes(d);
        box.addEventListener("change", () => {
          void this.change((r) => {
            const span = r.quiet_hours[i]!;
            span.days = box.checked ? [...span.days, d] : span.days.filter((x) => x !== d);
          });
        });
        return h("label", { class: "day" }, box, h("span", null, dayName(d)));
      }),
    );
    const time = (which: "start" | "end", label: string) => {
      const input = h("input", { class: "time-input", attrs: { type: "text", inputmode: "numeric", size: "5", placeholder: which === "start" ? "22:00" : "07:00", "aria-label": t("rules-time-label", { label, n: i + 1 }) }, data: { test: `quiet-${which}` } });
      input.value = s[which];
      input.addEventListener("change", () => void this.change((r) => (r.quiet_hours[i]![which] = input.value.trim())));
      return input;
    };
    return h(
      "div",
      { class: "quiet-span settings-row", data: { test: "quiet-span" }, title: spanText(s) },
      days,
      h("span", null, t("rules-from-word")),
      time("start", t("rules-from")),
      h("span", null, t("rules-to-word")),
      time("end", t("rules-to")),
      s.end <= s.start ? h("span", { class: "hint" }, t("rules-next-day")) : null,
      h("span", { class: "spacer" }),
      button(t("rules-remove"), () => this.change((r) => r.quiet_hours.splice(i, 1)), { class: "small", data: { test: "quiet-remove" } }),
    );
  }

  private list(part: "important" | "muted", entries: string[], example: string): HTMLElement {
    const input = h("input", { attrs: { type: "text", placeholder: example, "aria-label": part === "important" ? t("rules-important-add-label") : t("rules-muted-add-label") }, data: { test: `${part}-input` } });
    input.value = this.typed[part];
    input.addEventListener("input", () => (this.typed[part] = input.value));
    const add = async () => {
      const entry = input.value.trim();
      if (!entry) return;
      const before = this.draft;
      const raw = input.value;
      this.typed[part] = "";
      if (!(await this.change((r) => r[part].push(entry)))) {
        // Refused: the entry goes back to the field to be fixed, the list stays as kept.
        this.typed[part] = raw;
        this.draft = before;
        this.build();
      }
      this.root.querySelector<HTMLInputElement>(`[data-test="${part}-input"]`)?.focus();
    };
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") void add();
    });
    return h(
      "div",
      { class: "entries pad-x" },
      h(
        "ul",
        { class: "entry-list", data: { test: `${part}-list` }, attrs: { role: "list" } },
        ...entries.map((e) =>
          h("li", { class: "entry", data: { test: `${part}-entry` } }, h("span", null, e), button(t("rules-remove"), () => this.change((r) => (r[part] = r[part].filter((x) => x !== e))), { class: "small", attrs: { "aria-label": t("rules-remove-entry", { entry: e }) } })),
        ),
      ),
      h("div", { class: "settings-row entry-add" }, input, button(t("rules-add"), add, { class: "small", data: { test: `${part}-add` } })),
    );
  }
}
