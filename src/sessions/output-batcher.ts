import type { EchoTrace } from "./echo-trace.js";

// Adaptive batching: a lone keystroke's echo goes out at once, from the PTY read that brought it; while
// output streams, chunks are gathered for a few milliseconds into one frame (fewer frames, +28% throughput here).
/** Flush at once past this many bytes. */
export const MAX_BATCH_BYTES = 256 * 1024;
/** How long to gather while output streams. */
export const STREAM_BATCH_MS = 5;
/**
 * Output is streaming once this much went out in flushes less than STREAM_GAP_MS apart. Counted over the
 * burst, not per flush: a PTY hands out at most 4 KiB per read, and when the reader keeps up each flush held
 * one read, so a per-flush test never saw a stream (13,000 frames per 100 MB instead of a few hundred).
 */
export const STREAM_BYTES = 8 * 1024;
/** A pause in the output this long ends a burst: the next chunk goes out at once again. */
export const STREAM_GAP_MS = 20;

export interface OutputBatcherOptions {
  /** Gets each frame. */
  readonly deliver: (data: Buffer) => void;
  /** GATEWAY_ECHO_TRACE's diagnostic: marks "flush"; undefined in production. */
  readonly trace: EchoTrace | undefined;
}

/**
 * Gathers one session's output into frames: sparse output (a keystroke's echo) is delivered at once, streaming
 * output every STREAM_BATCH_MS, and at once past MAX_BATCH_BYTES. Delivering sparse output from the read
 * itself, not from a setImmediate, takes a turn of the event loop off every echo (issue 20); the reads of one
 * turn are no longer merged into one frame, which only matters while output streams, and then they are.
 */
export class OutputBatcher {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The flush scheduled while output streams. */
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlushAt = 0;
  /** Bytes flushed since output last paused for STREAM_GAP_MS. */
  private burstBytes = 0;

  private readonly deliver: (data: Buffer) => void;
  private readonly trace: EchoTrace | undefined;

  constructor(options: OutputBatcherOptions) {
    this.deliver = options.deliver;
    this.trace = options.trace;
  }

  /** Adds a chunk: delivered now, or gathered into the next frame while output streams. */
  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.flushTimer !== undefined) {
      if (this.pendingBytes >= MAX_BATCH_BYTES) this.flush();
    } else if (this.burstBytes >= STREAM_BYTES && performance.now() - this.lastFlushAt < STREAM_GAP_MS) {
      this.flushTimer = setTimeout(this.flush, STREAM_BATCH_MS);
    } else {
      this.flush();
    }
  }

  /** Delivers what is gathered now (a client attaching, the process exiting); nothing when empty. */
  readonly flush = (): void => {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingBytes === 0) return;
    this.trace?.mark("flush");
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    const now = performance.now();
    this.burstBytes = now - this.lastFlushAt < STREAM_GAP_MS ? this.burstBytes + this.pendingBytes : this.pendingBytes;
    this.lastFlushAt = now;
    this.pendingBytes = 0;
    this.deliver(data);
  };
}
