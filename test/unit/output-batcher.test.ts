import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EchoStage } from "../../src/sessions/echo-trace.js";
import { MAX_BATCH_BYTES, OutputBatcher, STREAM_BATCH_MS, STREAM_BYTES, STREAM_GAP_MS } from "../../src/sessions/output-batcher.js";

describe("OutputBatcher", () => {
  let frames: Buffer[];
  let batcher: OutputBatcher;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
    frames = [];
    batcher = new OutputBatcher({ deliver: (data) => frames.push(data), trace: undefined });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const bytes = (n: number, fill = "x") => Buffer.alloc(n, fill);
  /** Runs the pending setImmediate callbacks, not the timers. */
  const nextTurn = () => vi.advanceTimersByTime(0);

  it("sends sparse output (a keystroke's echo) on the next turn, the chunks of one turn as one frame", () => {
    batcher.push(Buffer.from("a"));
    batcher.push(Buffer.from("b"));
    expect(frames).toEqual([]);
    nextTurn();
    expect(frames.map(String)).toEqual(["ab"]);
  });

  it("gathers for STREAM_BATCH_MS once a burst reached STREAM_BYTES, and goes back to the next turn after a gap", () => {
    batcher.push(bytes(STREAM_BYTES));
    nextTurn();
    expect(frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    batcher.push(bytes(4096));
    batcher.push(bytes(4096));
    nextTurn();
    expect(frames).toHaveLength(1); // streaming: held for the batch
    vi.advanceTimersByTime(STREAM_BATCH_MS);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toHaveLength(8192);
    vi.advanceTimersByTime(STREAM_GAP_MS);
    batcher.push(Buffer.from("k"));
    nextTurn();
    expect(frames).toHaveLength(3);
  });

  it("flushes at once past MAX_BATCH_BYTES, and on flush()", () => {
    batcher.push(bytes(MAX_BATCH_BYTES - 1));
    expect(frames).toHaveLength(0);
    batcher.push(bytes(1));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toHaveLength(MAX_BATCH_BYTES);
    batcher.push(Buffer.from("tail"));
    batcher.flush();
    expect(frames.map((f) => f.length)).toEqual([MAX_BATCH_BYTES, 4]);
    nextTurn();
    batcher.flush();
    expect(frames).toHaveLength(2); // nothing left: no empty frame
  });

  it("marks each flush on the echo trace", () => {
    const marks: EchoStage[] = [];
    const traced = new OutputBatcher({ deliver: () => undefined, trace: { mark: (stage) => marks.push(stage), close: () => undefined } });
    traced.push(Buffer.from("a"));
    nextTurn();
    traced.flush();
    expect(marks).toEqual(["flush"]);
  });
});
