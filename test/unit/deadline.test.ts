import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deadline } from "../../src/databricks.js";

describe("deadline()", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("cancels after the bound, with or without an outer signal", () => {
    for (const outer of [undefined, new AbortController().signal]) {
      const token = deadline(1000, outer).cancellationToken!;
      const heard: unknown[] = [];
      token.onCancellationRequested!((reason) => heard.push(reason));
      vi.advanceTimersByTime(999);
      expect(token.isCancellationRequested).toBe(false);
      vi.advanceTimersByTime(1);
      expect(token.isCancellationRequested).toBe(true);
      expect((heard[0] as Error).name).toBe("TimeoutError");
    }
  });

  it("cancels at once when the outer signal aborts, and when it already has", () => {
    const outer = new AbortController();
    const token = deadline(1000, outer.signal).cancellationToken!;
    let heard = 0;
    token.onCancellationRequested!(() => heard++);
    outer.abort(new Error("closing"));
    expect(token.isCancellationRequested).toBe(true);
    expect(heard).toBe(1);
    expect(deadline(1000, outer.signal).cancellationToken!.isCancellationRequested).toBe(true);
  });

  it("puts one listener on a long-lived outer signal however many calls follow it, and still cancels them all", () => {
    const outer = new AbortController();
    const tokens = Array.from({ length: 200 }, () => deadline(60_000, outer.signal).cancellationToken!);
    // A listener per call piled up until each call's deadline (Node warns past ten: a sync of 200 files).
    expect(getEventListeners(outer.signal, "abort")).toHaveLength(1);
    vi.advanceTimersByTime(60_000);
    const later = deadline(60_000, outer.signal).cancellationToken!;
    expect(getEventListeners(outer.signal, "abort")).toHaveLength(1);
    outer.abort(new Error("closing"));
    expect(later.isCancellationRequested).toBe(true);
    expect(tokens.every((token) => token.isCancellationRequested)).toBe(true);
  });
});
