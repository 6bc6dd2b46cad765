import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FlowControl, HIGH_WATERMARK, LOW_WATERMARK } from "../../src/sessions/flow-control.js";
import { BUFFERED_HIGH, BUFFERED_LOW, PAUSED_EXIT_POLL_MS, PauseGate } from "../../src/sessions/pause-gate.js";
import { ACK_BYTES } from "../../src/sessions/protocol.js";

describe("FlowControl", () => {
  it("leaves room for a client that acks in ACK_BYTES steps: it acks long before the window closes", () => {
    expect(ACK_BYTES).toBeLessThan(LOW_WATERMARK);
    expect(LOW_WATERMARK).toBeLessThan(HIGH_WATERMARK);
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
    expect(flow.drained).toBe(false);
    expect(flow.acked(30)).toBe(true); // 20: at the low mark
    expect(flow.drained).toBe(true);
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

describe("PauseGate", () => {
  /** A PTY that records pause and resume calls; `alive` is what the exit watch sees. */
  function setup(clientCount = 1) {
    const calls: string[] = [];
    const target = { pid: 4242, pause: () => calls.push("pause"), resume: () => calls.push("resume") };
    const clients = new Set(
      Array.from({ length: clientCount }, () => ({ flow: new FlowControl(100, 20), socket: { bufferedAmount: 0 } })),
    );
    const state = { alive: true };
    const gate = new PauseGate({ target, clients, isAlive: () => state.alive });
    return { calls, clients, state, gate, list: [...clients] };
  }

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("pauses once, on the send that takes a client across its high watermark", () => {
    const { calls, gate, list } = setup();
    const [a] = list;
    gate.sent(a!, 100);
    expect(gate.paused).toBe(false);
    gate.sent(a!, 1);
    expect(gate.paused).toBe(true);
    gate.sent(a!, 50); // already paused: output gathered before the pause still goes out
    expect(calls).toEqual(["pause"]);
  });

  it("resumes only when every client is at or below its low watermark", () => {
    const { calls, gate, list } = setup(2);
    const [a, b] = list;
    gate.sent(b!, 60); // b is behind, but under its high mark: it does not pause the PTY...
    gate.sent(a!, 101);
    expect(gate.paused).toBe(true);
    gate.acked(a!, 101);
    expect(gate.paused).toBe(true); // ...yet keeps it paused while above its low mark
    gate.acked(b!, 30);
    expect(gate.paused).toBe(true);
    gate.acked(b!, 10); // 20: at the low mark
    expect(gate.paused).toBe(false);
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("stays paused while a client acks part of its window", () => {
    const { gate, list } = setup();
    const [a] = list;
    gate.sent(a!, 150);
    gate.acked(a!, 100); // 50 left: below high, above low
    expect(gate.paused).toBe(true);
    gate.written();
    gate.detached();
    expect(gate.paused).toBe(true);
  });

  it("resumes when the client that held it paused leaves", () => {
    const { calls, clients, gate, list } = setup(2);
    const [a, b] = list;
    gate.sent(b!, 10);
    gate.sent(a!, 500);
    clients.delete(a!);
    gate.detached();
    expect(gate.paused).toBe(false);
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("pauses on a send buffer past BUFFERED_HIGH, and resumes once it went out below BUFFERED_LOW", () => {
    const { gate, list } = setup();
    const [a] = list;
    a!.socket.bufferedAmount = BUFFERED_HIGH + 1;
    gate.sent(a!, 10); // acked promptly, but the socket does not drain
    expect(gate.paused).toBe(true);
    gate.acked(a!, 10);
    a!.socket.bufferedAmount = BUFFERED_LOW + 1;
    gate.written();
    expect(gate.paused).toBe(true);
    a!.socket.bufferedAmount = BUFFERED_LOW;
    gate.written();
    expect(gate.paused).toBe(false);
  });

  it("resumes a paused PTY whose program exited, so that its last bytes are read", () => {
    const { calls, state, gate, list } = setup();
    gate.sent(list[0]!, 500);
    vi.advanceTimersByTime(PAUSED_EXIT_POLL_MS * 4);
    expect(gate.paused).toBe(true);
    state.alive = false;
    vi.advanceTimersByTime(PAUSED_EXIT_POLL_MS);
    expect(gate.paused).toBe(false);
    expect(calls).toEqual(["pause", "resume"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("close() resumes for good: no pause after the exit", () => {
    const { calls, gate, list } = setup();
    const [a] = list;
    gate.sent(a!, 500);
    gate.close();
    expect(gate.paused).toBe(false);
    gate.acked(a!, 500);
    gate.sent(a!, 500);
    expect(gate.paused).toBe(false);
    expect(calls).toEqual(["pause", "resume"]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
