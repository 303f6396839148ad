import { afterEach, describe, expect, it, vi } from "vitest";

import { actedText, Toast, UNDO_MS } from "../src/views/toast";
import { refusal } from "./fixtures";

afterEach(() => vi.useRealTimers());

describe("the action toast", () => {
  const parts = (t: Toast) => ({
    hidden: t.root.hidden,
    text: t.root.querySelector('[data-test="toast-text"]')?.textContent ?? null,
    undo: !!t.root.querySelector('[data-test="toast-undo"]'),
    role: t.root.getAttribute("role"),
  });

  it("offers Undo for a while, and says when it is undone", async () => {
    vi.useFakeTimers();
    const undo = vi.fn(async () => null);
    const t = new Toast(undo);
    expect(t.root.hidden).toBe(true);
    t.show(actedText("archive"), "tok-1");
    expect(parts(t)).toEqual({ hidden: false, text: "Moved to the archive.", undo: true, role: "status" });
    t.root.querySelector<HTMLButtonElement>('[data-test="toast-undo"]')!.click();
    await vi.waitFor(() => expect(parts(t).text).toBe("Undone."));
    expect(undo).toHaveBeenCalledWith("tok-1");
    t.show(actedText("read"), "tok-2");
    vi.advanceTimersByTime(UNDO_MS - 1);
    expect(t.root.hidden).toBe(false);
    vi.advanceTimersByTime(1);
    expect(t.root.hidden).toBe(true);
  });

  it("says a failure as a sentence that stays until closed", () => {
    vi.useFakeTimers();
    const t = new Toast(async () => null);
    t.show("the account has no Archive folder: …", null, true);
    vi.advanceTimersByTime(60_000);
    expect(parts(t)).toEqual({ hidden: false, text: "The account has no Archive folder: …", undo: false, role: "alert" });
    t.root.querySelector<HTMLButtonElement>('[data-test="toast-close"]')!.click();
    expect(t.root.hidden).toBe(true);
  });

  it("an Undo that comes too late says why", async () => {
    const t = new Toast(async () => {
      throw refusal("sync", "It is too late to undo this.");
    });
    t.show(actedText("delete"), "tok");
    t.root.querySelector<HTMLButtonElement>('[data-test="toast-undo"]')!.click();
    await vi.waitFor(() => expect(parts(t)).toMatchObject({ text: "It is too late to undo this.", role: "alert" }));
  });
});
