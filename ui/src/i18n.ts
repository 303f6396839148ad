/// <reference types="vite/client" />
// Localisation: every word the window shows comes from the Fluent catalogues in locales/ (at the
// repository's root, shared with the Rust side, which shows the tray menu and notifications from
// the same files). Every .ftl file of a language is loaded, so each area keeps its own file.
//
// The language is the desktop's, as the Rust side read it from LANGUAGE / LC_ALL / LC_MESSAGES /
// LANG (the `locale` command): not the webview's navigator.language, which WebKitGTK does not
// always derive from the session's locale. English until that answer arrives, and for anything
// a catalogue lacks.
//
// Ids are string literals at the call (`t("tab-recent")`), never built: the catalogue check
// (ui/tests/i18n.test.ts) reads them from the code.

import { FluentBundle, FluentResource, type FluentVariable } from "@fluent/bundle";
import { negotiateLanguages } from "@fluent/langneg";

/** locales/<language>/<area>.ftl, by path. */
const SOURCES = import.meta.glob<string>("../../locales/*/*.ftl", { query: "?raw", import: "default", eager: true });

/** The language every message exists in. */
export const FALLBACK = "en-US";

export type Args = Record<string, FluentVariable>;

/** The language of a catalogue file, from its path. */
export function languageOf(path: string): string {
  const parts = path.split("/");
  return parts[parts.length - 2] ?? "";
}

/** The languages there are catalogues for. */
export function languages(): string[] {
  return [...new Set(Object.keys(SOURCES).map(languageOf))].sort();
}

function bundleOf(language: string): FluentBundle {
  // No Unicode isolation marks around arguments: tests and screen readers would meet invisible
  // characters, and both languages are left-to-right.
  const bundle = new FluentBundle(language, { useIsolating: false });
  for (const [path, text] of Object.entries(SOURCES)) {
    if (languageOf(path) !== language) continue;
    const errors = bundle.addResource(new FluentResource(text));
    for (const e of errors) console.warn(`catalogue ${path}: ${e.message}`);
  }
  return bundle;
}

type Catalogue = { language: string; formats: string; bundles: FluentBundle[] };

function catalogue(language: string, formats: string): Catalogue {
  const bundles = [bundleOf(language)];
  if (language !== FALLBACK) bundles.push(bundleOf(FALLBACK));
  return { language, formats, bundles };
}

let current: Catalogue = catalogue(FALLBACK, FALLBACK);

/** Speaks `wanted` (the closest language there is a catalogue for; English otherwise), with
 * dates and numbers as in `formats` (a BCP 47 locale, "de-AT"). */
export function setLocale(wanted: string, formats: string = wanted): void {
  const [language] = negotiateLanguages([wanted], languages(), { defaultLocale: FALLBACK, strategy: "lookup" });
  const lang = language ?? FALLBACK;
  const sameLanguage = formats.split("-")[0] === lang.split("-")[0];
  current = catalogue(lang, sameLanguage ? formats : lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}

/** The catalogue's language ("de", "en-US"). */
export function language(): string {
  return current.language;
}

/** The locale for Intl formatting of dates and numbers. */
export function formatsLocale(): string {
  return current.formats;
}

/** Message `id` in the current language, with `args` ({ count: 3 }). A message missing from
 * every catalogue (a failure of the catalogue check) shows as its id. */
export function t(id: string, args?: Args): string {
  for (const bundle of current.bundles) {
    const message = bundle.getMessage(id);
    if (message?.value) {
      const errors: Error[] = [];
      const text = bundle.formatPattern(message.value, args, errors);
      for (const e of errors) console.warn(`message ${id}: ${e.message}`);
      return text;
    }
  }
  console.warn(`message missing from the catalogues: ${id}`);
  return id;
}
