import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IdleWatch } from "../../src/ide/idle-watch.js";

describe("IdleWatch", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("fires once after the idle period without activity, and requests postpone it", () => {
    const onIdle = vi.fn();
    const watch = new IdleWatch(60_000, onIdle);
    watch.start();
    vi.advanceTimersByTime(45_000);
    watch.touch();
    vi.advanceTimersByTime(45_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(600_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("counts an open WebSocket as activity until it closes", () => {
    const onIdle = vi.fn();
    const watch = new IdleWatch(60_000, onIdle);
    watch.start();
    const close = watch.socketOpened();
    vi.advanceTimersByTime(600_000);
    expect(onIdle).not.toHaveBeenCalled();
    close();
    close(); // a second close changes nothing
    vi.advanceTimersByTime(59_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(16_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("does nothing once stopped", () => {
    const onIdle = vi.fn();
    const watch = new IdleWatch(1_000, onIdle);
    watch.start();
    watch.stop();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
