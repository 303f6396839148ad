// Pure formatting: times, states, intervals, senders. No DOM here, so it is easy to test.

import type { AccountState } from "./bindings/AccountState";
import type { FolderState } from "./bindings/FolderState";
import { formatsLocale, t } from "./i18n";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** When a message arrived, as a list shows it: "14:05", "Yesterday", "Mon", "3 Mar", "3 Mar 2024"
 * (in the desktop's locale unless `locale` is given). */
export function messageTime(iso: string | null | undefined, now: Date = new Date(), locale: string = formatsLocale()): string {
  const d = parse(iso);
  if (!d) return "";
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  if (sameDay(d, now)) return time.format(d);
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (sameDay(d, yesterday)) return t("time-yesterday");
  if (now.getTime() - d.getTime() < 6 * DAY && d < now) return new Intl.DateTimeFormat(locale, { weekday: "short" }).format(d);
  if (d.getFullYear() === now.getFullYear()) return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" }).format(d);
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" }).format(d);
}

/** Full date and time, for tooltips. */
export function fullTime(iso: string | null | undefined, locale: string = formatsLocale()): string {
  const d = parse(iso);
  if (!d) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** "just now", "5 min ago", "2 h ago", "3 days ago"; "never" for null. */
export function ago(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return t("ago-never");
  const ms = now.getTime() - d.getTime();
  if (ms < 45_000) return t("ago-just-now");
  if (ms < HOUR) return t("ago-minutes", { count: Math.round(ms / MINUTE) });
  if (ms < DAY) return t("ago-hours", { count: Math.round(ms / HOUR) });
  return t("ago-days", { count: Math.round(ms / DAY) });
}

/** "in 4 min", "in 30 s", "now" for a time ahead; "" for null. */
export function until(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return "";
  const ms = d.getTime() - now.getTime();
  if (ms <= 5_000) return t("until-now");
  if (ms < MINUTE) return t("until-seconds", { count: Math.round(ms / 1000) });
  if (ms < HOUR) return t("until-minutes", { count: Math.round(ms / MINUTE) });
  return t("until-hours", { count: Math.round(ms / HOUR) });
}

export type Tone = "ok" | "busy" | "warn" | "error" | "muted";

export function folderStateLabel(state: FolderState): { text: string; tone: Tone } {
  switch (state) {
    case "ok":
      return { text: t("state-up-to-date"), tone: "ok" };
    case "syncing":
      return { text: t("state-checking"), tone: "busy" };
    case "error":
      return { text: t("state-error"), tone: "error" };
    case "idle":
      return { text: t("state-not-checked"), tone: "muted" };
  }
}

export function accountStateLabel(state: AccountState | null | undefined): { text: string; tone: Tone } {
  switch (state) {
    case "ok":
      return { text: t("state-connected"), tone: "ok" };
    case "syncing":
      return { text: t("state-checking"), tone: "busy" };
    case "connecting":
      return { text: t("state-connecting"), tone: "busy" };
    case "error":
      return { text: t("state-error"), tone: "error" };
    case "auth_failed":
      return { text: t("state-sign-in-failed"), tone: "error" };
    case "offline":
      return { text: t("state-offline"), tone: "warn" };
    default:
      return { text: t("state-starting"), tone: "muted" };
  }
}

export const INTERVALS: readonly number[] = [60, 120, 300, 600, 900, 1800, 3600];

export function intervalLabel(secs: number): string {
  if (secs < 60) return t("interval-seconds", { count: secs });
  if (secs % 3600 === 0) return t("interval-hours", { count: secs / 3600 });
  return t("interval-minutes", { count: Math.round(secs / 60) });
}

/** The name to show for a sender: the display name, else the address, else a placeholder. */
export function senderName(name: string | null, addr: string | null): string {
  const n = name?.trim();
  if (n) return n;
  const a = addr?.trim();
  return a || t("sender-unknown");
}

export function subjectText(subject: string): string {
  return subject.trim() ? subject : t("subject-none");
}

/** "Sent", "Junk"... for a special-use folder (RFC 6154) whose name does not say so already
 * (in English or in the current language). */
export function specialUseText(name: string, special: string | null): string | null {
  const label = special?.replace(/^\\/, "");
  if (!label) return null;
  const text = specialUseLabel(label);
  const lower = name.toLowerCase();
  return lower.includes(label.toLowerCase()) || lower.includes(text.toLowerCase()) ? null : text;
}

function specialUseLabel(label: string): string {
  switch (label) {
    case "All":
      return t("special-all");
    case "Archive":
      return t("special-archive");
    case "Drafts":
      return t("special-drafts");
    case "Flagged":
      return t("special-flagged");
    case "Junk":
      return t("special-junk");
    case "Sent":
      return t("special-sent");
    case "Trash":
      return t("special-trash");
    default:
      return label;
  }
}

/** A message as a sentence: engine and server texts often start in lower case. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
