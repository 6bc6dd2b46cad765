import { describe, expect, it } from "vitest";
import { FlowControl, HIGH_WATERMARK, LOW_WATERMARK } from "../../src/sessions/flow-control.js";

describe("FlowControl", () => {
  it("uses a 1 MiB window that resumes at 256 KiB", () => {
    expect(HIGH_WATERMARK).toBe(1024 * 1024);
    expect(LOW_WATERMARK).toBe(256 * 1024);
  });

  it("blocks above the high watermark and reports the crossing once", () => {
    const flow = new FlowControl(100, 20);
    expect(flow.sent(60)).toBe(false);
    expect(flow.sent(40)).toBe(false); // exactly at the mark: not above
    expect(flow.blocked).toBe(false);
    expect(flow.sent(1)).toBe(true);
    expect(flow.blocked).toBe(true);
    expect(flow.sent(50)).toBe(false);
    expect(flow.pending).toBe(151);
  });

  it("reports the fall to the low watermark once, not while still above it", () => {
    const flow = new FlowControl(100, 20);
    flow.sent(150);
    expect(flow.acked(100)).toBe(false); // 50 left: below high, above low
    expect(flow.acked(30)).toBe(true); // 20: at the low mark
    expect(flow.acked(10)).toBe(false);
  });

  it("clamps at zero when a client acknowledges more than it was sent", () => {
    const flow = new FlowControl(100, 20);
    flow.sent(10);
    flow.acked(1_000_000);
    expect(flow.pending).toBe(0);
    expect(flow.sent(100)).toBe(false);
  });
});
