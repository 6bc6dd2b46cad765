import { afterEach, describe, expect, it, vi } from "vitest";
import { Backoff, backoffDelay, soonestTimer } from "../../src/backoff.js";

describe("backoffDelay", () => {
  it("doubles from the base to the cap, counting from the first failure", () => {
    const policy = { baseMs: 1000, maxMs: 60_000 };
    expect([0, 1, 2, 3, 6, 7, 30].map((n) => backoffDelay(policy, n))).toEqual([1000, 1000, 2000, 4000, 32_000, 60_000, 60_000]);
  });

  it("spreads by the jitter around the wait, both ways, and not at all without one", () => {
    const policy = { baseMs: 1000, maxMs: 8000, jitter: 0.2 };
    expect(backoffDelay(policy, 2, () => 0)).toBe(1600);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(2000);
    expect(backoffDelay(policy, 2, () => 0.999_999)).toBe(2400);
    expect(backoffDelay({ baseMs: 1000, maxMs: 8000 }, 2, () => 0)).toBe(2000);
  });
});

describe("Backoff", () => {
  it("doubles from the base to the cap with at most 20% jitter, and resets", () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 8000, jitter: 0.2 });
    const delays = Array.from({ length: 6 }, () => backoff.failed("r", 0));
    const expected = [1000, 2000, 4000, 8000, 8000, 8000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(expected[i]! * 0.8);
      expect(d).toBeLessThanOrEqual(expected[i]! * 1.2);
    });
    expect(backoff.due("r", 0)).toBe(false);
    expect(backoff.due("r", delays.at(-1)!)).toBe(true);
    expect(backoff.nextDue(["r", "other"])).toBe(delays.at(-1));
    backoff.reset();
    expect(backoff.due("r", 0)).toBe(true);
    backoff.succeeded("r");
    expect(backoff.nextDue(["r"])).toBeUndefined();
    expect(backoff.failed("r", 0)).toBeLessThanOrEqual(1200);
  });

  it("keeps each key's count apart", () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000 });
    backoff.failed("a", 0);
    backoff.failed("a", 0);
    expect(backoff.failed("b", 0)).toBe(100);
    expect(backoff.nextDue(["a", "b"])).toBe(100);
    expect(backoff.failed("a", 0)).toBe(400);
  });
});

describe("soonestTimer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps the soonest of the times asked for, runs once, and never after cancel()", () => {
    vi.useFakeTimers();
    let runs = 0;
    const timer = soonestTimer(() => runs++);
    timer.schedule(1000);
    timer.schedule(5000);
    timer.schedule(200);
    vi.advanceTimersByTime(199);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
    timer.schedule(100);
    timer.cancel();
    timer.schedule(100);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(1);
  });
});
