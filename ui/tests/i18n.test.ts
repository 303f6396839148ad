// The catalogue check: every message the code uses (the window's `t("…")`, the app's
// `tr!("…")`) exists in every language; every language has the same messages; every catalogue
// parses; and the window speaks the language it is given, plurals included.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

import { parse, Message, Term, Junk, type Resource } from "@fluent/syntax";
import { afterEach, describe, expect, it } from "vitest";

import { FALLBACK, formatsLocale, language, languages, setLocale, t } from "../src/i18n";

const REPO = resolve(import.meta.dirname, "../..");
const LOCALES = join(REPO, "locales");

function files(dir: string, ext: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, ext, out);
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

type Catalogue = { ids: Map<string, string>; refs: Set<string>; junk: string[]; vars: Map<string, Set<string>> };

/** Every language's messages (id → file), the messages they refer to, and what did not parse. */
function catalogues(): Map<string, Catalogue> {
  const out = new Map<string, Catalogue>();
  for (const lang of readdirSync(LOCALES).filter((name) => statSync(join(LOCALES, name)).isDirectory())) {
    const c: Catalogue = { ids: new Map(), refs: new Set(), junk: [], vars: new Map() };
    for (const path of files(join(LOCALES, lang), ".ftl")) {
      const file = relative(REPO, path);
      const text = readFileSync(path, "utf8");
      const resource: Resource = parse(text, { withSpans: false });
      for (const entry of resource.body) {
        if (entry instanceof Junk) c.junk.push(`${file}: ${entry.annotations.map((a) => a.message).join("; ")}: ${entry.content.trim().slice(0, 80)}`);
        if (entry instanceof Message || entry instanceof Term) {
          const id = entry instanceof Term ? `-${entry.id.name}` : entry.id.name;
          if (c.ids.has(id)) c.junk.push(`${file}: ${id} is also in ${c.ids.get(id)}`);
          c.ids.set(id, file);
        }
      }
      // Messages and variables referred to inside patterns ({ other-id }, { -term }, { $count }).
      for (const m of text.matchAll(/^(-?[a-zA-Z][\w-]*)\s*=((?:.*\n?)(?:[ \t]+.*\n?|\n)*)/gm)) {
        const [, id, body] = m as unknown as [string, string, string];
        const vars = new Set<string>();
        for (const r of body.matchAll(/\{\s*(-?[a-zA-Z][\w-]*)\s*(?:[}.-]|->)/g)) c.refs.add(r[1]!);
        for (const v of body.matchAll(/\$([a-zA-Z][\w-]*)/g)) vars.add(v[1]!);
        c.vars.set(id, vars);
      }
    }
    out.set(lang, c);
  }
  return out;
}

/** A source file without its comment lines (which quote calls as examples). */
function code(path: string): string {
  return readFileSync(path, "utf8").replace(/^\s*(\/\/|\/\*|\*).*$/gm, "");
}

/** Ids the code uses: `t("id")` in ui/src, `tr!("id")` in src-tauri/src. */
function usedIds(): Map<string, string> {
  const used = new Map<string, string>();
  const scan = (dir: string, ext: string, pattern: RegExp) => {
    for (const path of files(dir, ext)) {
      const text = code(path);
      for (const m of text.matchAll(pattern)) used.set(m[1]!, relative(REPO, path));
    }
  };
  scan(join(REPO, "ui/src"), ".ts", /\bt\(\s*"([^"]+)"/g);
  scan(join(REPO, "src-tauri/src"), ".rs", /\btr!\(\s*"([^"]+)"/g);
  return used;
}

describe("catalogues", () => {
  const all = catalogues();

  it("exist for English and German", () => {
    expect([...all.keys()].sort()).toEqual(["de", "en-US"]);
    expect(languages()).toEqual(["de", "en-US"]);
  });

  it("parse without errors or clashing ids", () => {
    for (const [, c] of all) expect(c.junk).toEqual([]);
  });

  it("have the same messages in every language, with the same variables", () => {
    const en = all.get(FALLBACK)!;
    for (const [lang, c] of all) {
      const missing = [...en.ids.keys()].filter((id) => !c.ids.has(id)).map((id) => `${lang} lacks ${id} (${en.ids.get(id)})`);
      const extra = [...c.ids.keys()].filter((id) => !en.ids.has(id)).map((id) => `${lang} has ${id} (${c.ids.get(id)}), English does not`);
      expect([...missing, ...extra]).toEqual([]);
      const varsDiffer = [...en.ids.keys()]
        .filter((id) => c.vars.has(id))
        .filter((id) => [...c.vars.get(id)!].some((v) => !en.vars.get(id)!.has(v)))
        .map((id) => `${lang} ${id} uses ${[...c.vars.get(id)!].join(", ")}, English ${[...en.vars.get(id)!].join(", ")}`);
      expect(varsDiffer).toEqual([]);
    }
  });

  it("have every message the code uses, and nothing it does not", () => {
    const used = usedIds();
    expect(used.size).toBeGreaterThan(20);
    for (const [lang, c] of all) {
      const missing = [...used].filter(([id]) => !c.ids.has(id)).map(([id, file]) => `${lang} lacks ${id} (used in ${file})`);
      expect(missing).toEqual([]);
      const unused = [...c.ids.keys()].filter((id) => !used.has(id) && !c.refs.has(id)).map((id) => `${lang}: ${id} (${c.ids.get(id)}) is used nowhere`);
      expect(unused).toEqual([]);
    }
  });

  it("are only reached with literal ids (the check above can then see them all)", () => {
    const dynamic: string[] = [];
    for (const path of files(join(REPO, "ui/src"), ".ts")) {
      const text = code(path);
      for (const m of text.matchAll(/\bt\(\s*([^"\s)])/g)) if (!text.slice(m.index - 16, m.index).includes("function")) dynamic.push(`${relative(REPO, path)}: t(${m[1]}…`);
    }
    for (const path of files(join(REPO, "src-tauri/src"), ".rs")) {
      const text = code(path);
      for (const m of text.matchAll(/\btr!\(\s*([^"\s)])/g)) dynamic.push(`${relative(REPO, path)}: tr!(${m[1]}…`);
    }
    expect(dynamic).toEqual([]);
  });
});

describe("t", () => {
  afterEach(() => setLocale(FALLBACK));

  it("speaks English until told otherwise", () => {
    expect(language()).toBe("en-US");
    expect(t("tab-new-mail")).toBe("New mail");
  });

  it("speaks the closest language there is, with the desktop's formats", () => {
    setLocale("de-AT", "de-AT");
    expect(language()).toBe("de");
    expect(formatsLocale()).toBe("de-AT");
    expect(t("tab-new-mail")).toBe("Neue E-Mails");
    expect(document.documentElement.lang).toBe("de");
    setLocale("fr", "fr-FR");
    expect(language()).toBe("en-US");
    expect(formatsLocale()).toBe("en-US");
  });

  it("gets plurals right in both languages", () => {
    expect(t("notify-digest-title", { count: 1 })).toBe("While quiet hours were on: 1 message");
    expect(t("notify-digest-title", { count: 4 })).toBe("While quiet hours were on: 4 messages");
    setLocale("de");
    expect(t("notify-digest-title", { count: 1 })).toBe("Während der Ruhezeit: 1 Nachricht");
    expect(t("notify-digest-title", { count: 4 })).toBe("Während der Ruhezeit: 4 Nachrichten");
  });
});
