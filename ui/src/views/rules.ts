// What rings, in Settings: quiet hours as a weekly schedule (several spans, each on some days
// from one time to another, across midnight when the end comes first), important senders and
// muted senders or mailing lists. Every change is saved at once, like the switches around it;
// the engine checks it, and what it refuses is shown as its sentence next to that part, with
// what the user typed kept for fixing.
//
// A form: it keeps its own DOM and its draft, so an engine event's redraw never takes away what
// is being typed. It rebuilds itself only when the rules change or an answer comes back.

import { button, h, replace } from "../dom";
import type { Api } from "../bridge";
import type { AppError } from "../bindings/AppError";
import type { Day } from "../bindings/Day";
import type { QuietSpan } from "../bindings/QuietSpan";
import type { Rules } from "../bindings/Rules";
import { errorText } from "./common";

export const DAYS: [Day, string][] = [
  ["mon", "Mon"],
  ["tue", "Tue"],
  ["wed", "Wed"],
  ["thu", "Thu"],
  ["fri", "Fri"],
  ["sat", "Sat"],
  ["sun", "Sun"],
];

/** The span "Add quiet hours" starts with: every night. */
export function newSpan(): QuietSpan {
  return { days: DAYS.map(([d]) => d), start: "22:00", end: "07:00" };
}

/** A span in words: "Mon–Fri, 22:00 to 07:00 the next day". */
export function spanText(s: QuietSpan): string {
  const days = s.days.length === 7 ? "Every day" : s.days.map((d) => DAYS.find(([x]) => x === d)?.[1] ?? d).join(", ");
  const crosses = s.end <= s.start;
  return `${days}, ${s.start} to ${s.end}${crosses ? " the next day" : ""}`;
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
        h("div", { class: "who" }, h("h2", null, "What rings"), h("p", { class: "facts" }, "Mail that does not ring is still listed and counted.")),
      ),
      h("h3", null, "Quiet hours"),
      h("p", { class: "hint pad-x" }, "Nothing rings in these hours but important senders. When they end, one notification sums up what came."),
      h("div", { class: "quiet-spans" }, ...r.quiet_hours.map((s, i) => this.span(s, i))),
      h("div", { class: "settings-row" }, button("Add quiet hours", () => this.change((d) => d.quiet_hours.push(newSpan())), { class: "small", data: { test: "quiet-add" } })),
      err("quiet_hours"),
      h("h3", null, "Important senders"),
      h("p", { class: "hint pad-x" }, "They ring even in quiet hours and from a junk folder. An address (jane@example.org) or a whole domain (example.org)."),
      this.list("important", r.important, "jane@example.org"),
      err("important"),
      h("h3", null, "Muted senders and lists"),
      h("p", { class: "hint pad-x" }, "They never ring. An address, a domain, or a mailing list by its List-Id (list:news.example.org)."),
      this.list("muted", r.muted, "list:news.example.org"),
      err("muted"),
    );
  }

  private span(s: QuietSpan, i: number): HTMLElement {
    const days = h(
      "div",
      { class: "days", attrs: { role: "group", "aria-label": `Days of quiet hours ${i + 1}` } },
      ...DAYS.map(([d, label]) => {
        const box = h("input", { attrs: { type: "checkbox" }, data: { test: "quiet-day", day: d } });
        box.checked = s.days.includes(d);
        box.addEventListener("change", () => {
          void this.change((r) => {
            const span = r.quiet_hours[i]!;
            span.days = box.checked ? [...span.days, d] : span.days.filter((x) => x !== d);
          });
        });
        return h("label", { class: "day" }, box, h("span", null, label));
      }),
    );
    const time = (which: "start" | "end", label: string) => {
      const input = h("input", { class: "time-input", attrs: { type: "text", inputmode: "numeric", size: "5", placeholder: which === "start" ? "22:00" : "07:00", "aria-label": `${label} (quiet hours ${i + 1})` }, data: { test: `quiet-${which}` } });
      input.value = s[which];
      input.addEventListener("change", () => void this.change((r) => (r.quiet_hours[i]![which] = input.value.trim())));
      return input;
    };
    return h(
      "div",
      { class: "quiet-span settings-row", data: { test: "quiet-span" }, title: spanText(s) },
      days,
      h("span", null, "from"),
      time("start", "From"),
      h("span", null, "to"),
      time("end", "To"),
      s.end <= s.start ? h("span", { class: "hint" }, "the next day") : null,
      h("span", { class: "spacer" }),
      button("Remove", () => this.change((r) => r.quiet_hours.splice(i, 1)), { class: "small", data: { test: "quiet-remove" } }),
    );
  }

  private list(part: "important" | "muted", entries: string[], example: string): HTMLElement {
    const input = h("input", { attrs: { type: "text", placeholder: example, "aria-label": part === "important" ? "Add an important sender" : "Mute a sender or a list" }, data: { test: `${part}-input` } });
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
          h("li", { class: "entry", data: { test: `${part}-entry` } }, h("span", null, e), button("Remove", () => this.change((r) => (r[part] = r[part].filter((x) => x !== e))), { class: "small", attrs: { "aria-label": `Remove ${e}` } })),
        ),
      ),
      h("div", { class: "settings-row entry-add" }, input, button("Add", add, { class: "small", data: { test: `${part}-add` } })),
    );
  }
}
