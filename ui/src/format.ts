// Pure formatting: times, states, intervals, senders. No DOM here, so it is easy to test.

import type { AccountState } from "./bindings/AccountState";
import type { FolderState } from "./bindings/FolderState";

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

/** When a message arrived, as a list shows it: "14:05", "Yesterday", "Mon", "3 Mar", "3 Mar 2024". */
export function messageTime(iso: string | null | undefined, now: Date = new Date(), locale?: string): string {
  const d = parse(iso);
  if (!d) return "";
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  if (sameDay(d, now)) return time.format(d);
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (sameDay(d, yesterday)) return "Yesterday";
  if (now.getTime() - d.getTime() < 6 * DAY && d < now) return new Intl.DateTimeFormat(locale, { weekday: "short" }).format(d);
  if (d.getFullYear() === now.getFullYear()) return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" }).format(d);
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" }).format(d);
}

/** Full date and time, for tooltips. */
export function fullTime(iso: string | null | undefined, locale?: string): string {
  const d = parse(iso);
  if (!d) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** "just now", "5 min ago", "2 h ago", "3 days ago"; "never" for null. */
export function ago(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return "never";
  const ms = now.getTime() - d.getTime();
  if (ms < 45_000) return "just now";
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.round(ms / HOUR)} h ago`;
  const days = Math.round(ms / DAY);
  return days === 1 ? "yesterday" : `${days} days ago`;
}

/** "in 4 min", "in 30 s", "now" for a time ahead; "" for null. */
export function until(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return "";
  const ms = d.getTime() - now.getTime();
  if (ms <= 5_000) return "now";
  if (ms < MINUTE) return `in ${Math.round(ms / 1000)} s`;
  if (ms < HOUR) return `in ${Math.round(ms / MINUTE)} min`;
  return `in ${Math.round(ms / HOUR)} h`;
}

export type Tone = "ok" | "busy" | "warn" | "error" | "muted";

export function folderStateLabel(state: FolderState): { text: string; tone: Tone } {
  switch (state) {
    case "ok":
      return { text: "Up to date", tone: "ok" };
    case "syncing":
      return { text: "Checking…", tone: "busy" };
    case "error":
      return { text: "Error", tone: "error" };
    case "idle":
      return { text: "Not checked yet", tone: "muted" };
  }
}

export function accountStateLabel(state: AccountState | null | undefined): { text: string; tone: Tone } {
  switch (state) {
    case "ok":
      return { text: "Connected", tone: "ok" };
    case "syncing":
      return { text: "Checking…", tone: "busy" };
    case "connecting":
      return { text: "Connecting…", tone: "busy" };
    case "error":
      return { text: "Error", tone: "error" };
    case "auth_failed":
      return { text: "Sign-in failed", tone: "error" };
    case "offline":
      return { text: "Offline", tone: "warn" };
    default:
      return { text: "Starting…", tone: "muted" };
  }
}

export const INTERVALS: readonly number[] = [60, 120, 300, 600, 900, 1800, 3600];

export function intervalLabel(secs: number): string {
  if (secs < 60) return `${secs} seconds`;
  if (secs % 3600 === 0) return secs === 3600 ? "1 hour" : `${secs / 3600} hours`;
  if (secs % 60 === 0) return secs === 60 ? "1 minute" : `${secs / 60} minutes`;
  return `${Math.round(secs / 60)} minutes`;
}

/** The name to show for a sender: the display name, else the address, else a placeholder. */
export function senderName(name: string | null, addr: string | null): string {
  const n = name?.trim();
  if (n) return n;
  const a = addr?.trim();
  return a || "Unknown sender";
}

export function subjectText(subject: string): string {
  return subject.trim() ? subject : "(no subject)";
}

/** "1 new message", "3 new messages". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Sent", "Junk"... for a special-use folder (RFC 6154) whose name does not say so already. */
export function specialUseText(name: string, special: string | null): string | null {
  const label = special?.replace(/^\\/, "");
  if (!label || name.toLowerCase().includes(label.toLowerCase())) return null;
  return label === "All" ? "All mail" : label;
}

/** A message as a sentence: engine and server texts often start in lower case. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
