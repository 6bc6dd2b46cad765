import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EchoStage } from "../../src/sessions/echo-trace.js";
import { MAX_BATCH_BYTES, OutputBatcher, STREAM_BATCH_MS, STREAM_BYTES, STREAM_GAP_MS } from "../../src/sessions/output-batcher.js";

describe("OutputBatcher", () => {
  let frames: Buffer[];
  let batcher: OutputBatcher;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    frames = [];
    batcher = new OutputBatcher({ deliver: (data) => frames.push(data), trace: undefined });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const bytes = (n: number, fill = "x") => Buffer.alloc(n, fill);
  /** Makes the batcher stream: a burst of STREAM_BYTES went out just now. */
  const startStream = () => {
    batcher.push(bytes(STREAM_BYTES));
    vi.advanceTimersByTime(1);
    frames = [];
  };

  it("delivers sparse output (a keystroke's echo) at once, from the read itself", () => {
    batcher.push(Buffer.from("a"));
    expect(frames.map(String)).toEqual(["a"]);
    batcher.push(Buffer.from("b"));
    expect(frames.map(String)).toEqual(["a", "b"]);
  });

  it("gathers for STREAM_BATCH_MS once a burst reached STREAM_BYTES, and delivers at once again after a gap", () => {
    batcher.push(bytes(STREAM_BYTES));
    expect(frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    batcher.push(bytes(4096));
    batcher.push(bytes(4096));
    vi.advanceTimersByTime(STREAM_BATCH_MS - 1);
    expect(frames).toHaveLength(1); // streaming: held for the batch
    vi.advanceTimersByTime(1);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toHaveLength(8192);
    vi.advanceTimersByTime(STREAM_GAP_MS);
    batcher.push(Buffer.from("k"));
    expect(frames).toHaveLength(3);
  });

  it("while streaming, flushes at once past MAX_BATCH_BYTES, and on flush()", () => {
    startStream();
    batcher.push(bytes(MAX_BATCH_BYTES - 1));
    expect(frames).toHaveLength(0);
    batcher.push(bytes(1));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toHaveLength(MAX_BATCH_BYTES);
    batcher.push(Buffer.from("tail"));
    expect(frames).toHaveLength(1);
    batcher.flush();
    expect(frames.map((f) => f.length)).toEqual([MAX_BATCH_BYTES, 4]);
    vi.advanceTimersByTime(STREAM_BATCH_MS);
    batcher.flush();
    expect(frames).toHaveLength(2); // nothing left: no empty frame, and the cancelled batch sends nothing
  });

  it("marks each flush on the echo trace", () => {
    const marks: EchoStage[] = [];
    const traced = new OutputBatcher({ deliver: () => undefined, trace: { mark: (stage) => marks.push(stage), close: () => undefined } });
    traced.push(Buffer.from("a"));
    traced.flush();
    expect(marks).toEqual(["flush"]);
  });
});
