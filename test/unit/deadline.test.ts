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
});
