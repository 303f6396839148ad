// The "What rings" form: every change saved at once, the engine's refusal shown as its sentence
// next to its part with what was typed kept, and nothing typed lost to a redraw.

import { describe, expect, it, vi } from "vitest";

import type { Rules } from "../src/bindings/Rules";
import { RulesForm, newSpan, spanText } from "../src/views/rules";
import { refusal } from "./fixtures";

const NONE: Rules = { quiet_hours: [], important: [], muted: [] };
const flush = () => new Promise((r) => setTimeout(r, 0));

/** A form whose engine keeps what it is given, lower-cased, unless `refuse` says otherwise. */
function form(refuse: (r: Rules) => ReturnType<typeof refusal> | null = () => null) {
  const saved = vi.fn();
  const setRules = vi.fn(async (r: Rules) => {
    const no = refuse(r);
    if (no) throw no;
    return { ...r, important: r.important.map((e) => e.toLowerCase()), muted: r.muted.map((e) => e.toLowerCase()) };
  });
  const f = new RulesForm({ api: { setRules }, saved });
  document.body.replaceChildren(f.root);
  f.update(NONE);
  return { f, setRules, saved, $: <E extends HTMLElement>(t: string) => f.root.querySelector<E>(`[data-test="${t}"]`)! };
}

describe("quiet hours in words", () => {
  it("says the days and when a span ends the next day", () => {
    expect(spanText(newSpan())).toBe("Every day, 22:00 to 07:00 the next day");
    expect(spanText({ days: ["sat", "sun"], start: "09:00", end: "12:00" })).toBe("Sat, Sun, 09:00 to 12:00");
  });
});

describe("the rules form", () => {
  it("adds quiet hours, changes their days and times, removes them: each change saved", async () => {
    const { f, setRules, saved, $ } = form();
    $("quiet-add").click();
    await flush();
    expect(setRules).toHaveBeenLastCalledWith({ ...NONE, quiet_hours: [newSpan()] });
    expect(saved).toHaveBeenCalledTimes(1);
    const sat = f.root.querySelector<HTMLInputElement>('[data-test="quiet-day"][data-day="sat"]')!;
    sat.checked = false;
    sat.dispatchEvent(new Event("change"));
    await flush();
    expect(setRules.mock.lastCall![0].quiet_hours[0]!.days).not.toContain("sat");
    const start = $<HTMLInputElement>("quiet-start");
    start.value = "23:30";
    start.dispatchEvent(new Event("change"));
    await flush();
    expect(setRules.mock.lastCall![0].quiet_hours[0]!.start).toBe("23:30");
    $("quiet-remove").click();
    await flush();
    expect(setRules.mock.lastCall![0].quiet_hours).toEqual([]);
  });

  it("shows the engine's sentence next to the part it refused and keeps what was typed", async () => {
    const { f, $ } = form((r) => (r.quiet_hours[0]?.end === "25:00" ? refusal("invalid", 'Quiet hours 1: the end time "25:00" is not a time of day like 22:00 (00:00 to 23:59).', "quiet_hours") : null));
    $("quiet-add").click();
    await flush();
    const end = $<HTMLInputElement>("quiet-end");
    end.value = "25:00";
    end.dispatchEvent(new Event("change"));
    await flush();
    expect($("rules-error-quiet_hours").textContent).toContain('"25:00" is not a time of day');
    expect($<HTMLInputElement>("quiet-end").value).toBe("25:00");
    // The engine's rules (unchanged) do not overwrite the draft being fixed.
    f.update({ ...NONE, quiet_hours: [newSpan()] });
    expect($<HTMLInputElement>("quiet-end").value).toBe("25:00");
    const fixed = $<HTMLInputElement>("quiet-end");
    fixed.value = "06:30";
    fixed.dispatchEvent(new Event("change"));
    await flush();
    expect(f.root.querySelector('[data-test="rules-error-quiet_hours"]')).toBeNull();
  });

  it("adds and removes important and muted entries; a refused entry stays in its field with the sentence", async () => {
    const { f, setRules, $ } = form((r) => (r.muted.includes("not an address") ? refusal("invalid", 'Muted: "not an address" is not an address (jane@example.org), a domain (example.org) or a mailing list (list:news.example.org).', "muted") : null));
    const important = $<HTMLInputElement>("important-input");
    important.value = "Boss@Example.org";
    important.dispatchEvent(new Event("input"));
    $("important-add").click();
    await flush();
    expect([...f.root.querySelectorAll('[data-test="important-entry"] span')].map((e) => e.textContent)).toEqual(["boss@example.org"]);
    expect($<HTMLInputElement>("important-input").value).toBe("");

    const muted = $<HTMLInputElement>("muted-input");
    muted.value = "not an address";
    muted.dispatchEvent(new Event("input"));
    muted.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await flush();
    await flush();
    expect($("rules-error-muted").textContent).toContain('"not an address" is not an address');
    expect($<HTMLInputElement>("muted-input").value).toBe("not an address");
    expect(f.root.querySelectorAll('[data-test="muted-entry"]').length).toBe(0);

    const retry = $<HTMLInputElement>("muted-input");
    retry.value = "list:dev.example.org";
    retry.dispatchEvent(new Event("input"));
    $("muted-add").click();
    await flush();
    expect(setRules.mock.lastCall![0]).toEqual({ quiet_hours: [], important: ["boss@example.org"], muted: ["list:dev.example.org"] });
    expect(f.root.querySelector('[data-test="rules-error-muted"]')).toBeNull();
    f.root.querySelector<HTMLButtonElement>('[data-test="important-entry"] button')!.click();
    await flush();
    expect(setRules.mock.lastCall![0].important).toEqual([]);
  });

  it("keeps text being typed when the engine's rules come again unchanged", () => {
    const { f, $ } = form();
    const input = $<HTMLInputElement>("muted-input");
    input.value = "half typ";
    input.dispatchEvent(new Event("input"));
    f.update({ ...NONE });
    expect($<HTMLInputElement>("muted-input")).toBe(input);
    expect(input.value).toBe("half typ");
  });
});
