import { describe, expect, it } from "vitest";

import { accountStateLabel, ago, folderStateLabel, intervalLabel, messageTime, senderName, specialUseText, subjectText, until } from "../src/format";
import { FALLBACK, setLocale } from "../src/i18n";

const NOW = new Date(2026, 10, 28, 15, 30, 0); // local time, Saturday 28 Nov 2026

describe("times", () => {
  it("formats a message's time like a mail list", () => {
    expect(messageTime(new Date(2026, 10, 28, 9, 5).toISOString(), NOW, "en-GB")).toBe("09:05");
    expect(messageTime(new Date(2026, 10, 27, 23, 0).toISOString(), NOW, "en-GB")).toBe("Yesterday");
    expect(messageTime(new Date(2026, 10, 24, 8, 0).toISOString(), NOW, "en-GB")).toBe("Tue");
    expect(messageTime(new Date(2026, 2, 3, 8, 0).toISOString(), NOW, "en-GB")).toBe("3 Mar");
    expect(messageTime(new Date(2024, 2, 3, 8, 0).toISOString(), NOW, "en-GB")).toBe("3 Mar 2024");
    expect(messageTime("", NOW)).toBe("");
    expect(messageTime("not a date", NOW)).toBe("");
  });

  it("says how long ago and how long until", () => {
    expect(ago(null, NOW)).toBe("never");
    expect(ago(new Date(NOW.getTime() - 10_000).toISOString(), NOW)).toBe("just now");
    expect(ago(new Date(NOW.getTime() - 5 * 60_000).toISOString(), NOW)).toBe("5 min ago");
    expect(ago(new Date(NOW.getTime() - 3 * 3600_000).toISOString(), NOW)).toBe("3 h ago");
    expect(ago(new Date(NOW.getTime() - 24 * 3600_000).toISOString(), NOW)).toBe("yesterday");
    expect(until(new Date(NOW.getTime() + 4 * 60_000).toISOString(), NOW)).toBe("in 4 min");
    expect(until(new Date(NOW.getTime() + 30_000).toISOString(), NOW)).toBe("in 30 s");
    expect(until(new Date(NOW.getTime() - 30_000).toISOString(), NOW)).toBe("now");
    expect(until(null, NOW)).toBe("");
  });
});

describe("labels", () => {
  it("maps folder states", () => {
    expect(folderStateLabel("ok")).toEqual({ text: "Up to date", tone: "ok" });
    expect(folderStateLabel("syncing").tone).toBe("busy");
    expect(folderStateLabel("error").tone).toBe("error");
    expect(folderStateLabel("idle").text).toBe("Not checked yet");
  });

  it("maps account states", () => {
    expect(accountStateLabel("auth_failed")).toEqual({ text: "Sign-in failed", tone: "error" });
    expect(accountStateLabel("offline").tone).toBe("warn");
    expect(accountStateLabel("connecting").tone).toBe("busy");
    expect(accountStateLabel(null).text).toBe("Starting…");
  });

  it("words intervals, senders, subjects and counts", () => {
    expect(intervalLabel(60)).toBe("1 minute");
    expect(intervalLabel(300)).toBe("5 minutes");
    expect(intervalLabel(3600)).toBe("1 hour");
    expect(intervalLabel(30)).toBe("30 seconds");
    expect(senderName("  ", "bob@example.org")).toBe("bob@example.org");
    expect(senderName(null, null)).toBe("Unknown sender");
    expect(subjectText("   ")).toBe("(no subject)");
  });

  it("speaks German when the desktop does, plurals and dates included", () => {
    setLocale("de", "de-DE");
    try {
      expect(intervalLabel(60)).toBe("1 Minute");
      expect(intervalLabel(300)).toBe("5 Minuten");
      expect(intervalLabel(3600)).toBe("1 Stunde");
      expect(ago(new Date(NOW.getTime() - 5 * 60_000).toISOString(), NOW)).toBe("vor 5 Min.");
      expect(ago(new Date(NOW.getTime() - 3 * 24 * 3600_000).toISOString(), NOW)).toBe("vor 3 Tagen");
      expect(until(new Date(NOW.getTime() + 4 * 60_000).toISOString(), NOW)).toBe("in 4 Min.");
      expect(folderStateLabel("syncing").text).toBe("Wird abgerufen …");
      expect(messageTime(new Date(2026, 10, 27, 23, 0).toISOString(), NOW)).toBe("Gestern");
      expect(messageTime(new Date(2026, 10, 24, 8, 0).toISOString(), NOW)).toBe("Di");
      expect(messageTime(new Date(2026, 2, 3, 8, 0).toISOString(), NOW)).toBe("3. März");
      expect(subjectText(" ")).toBe("(kein Betreff)");
      expect(specialUseText("Trash", "\\Trash")).toBeNull();
      expect(specialUseText("Papierkorb", "\\Trash")).toBeNull();
      expect(specialUseText("Müll", "\\Trash")).toBe("Papierkorb");
    } finally {
      setLocale(FALLBACK);
    }
  });
});
