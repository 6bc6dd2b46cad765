import { writeFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";

/** The points of a keystroke's way through the gateway that the trace marks. */
export type EchoStage = "parsed" | "pty-written" | "pty-read" | "flush" | "sent";

/** Marks stages with CLOCK_MONOTONIC nanoseconds, the clock every process on the machine shares. */
export interface EchoTrace {
  mark(stage: EchoStage): void;
  /** Writes what was marked (and the garbage collections meanwhile) to the file, one "<ns> <stage>" a line. */
  close(): void;
}

/**
 * A diagnostic for the bench (`node dist/bench/echo-timeline.js`): with GATEWAY_ECHO_TRACE=<file>, every
 * session marks when an input frame was parsed, written to the PTY, its output read, flushed and sent, and
 * V8's garbage collections are listed beside them, so that the bench client, marking send and receive on the
 * same clock, can say where each microsecond of an echo went. Off (no trace object) it costs one
 * `undefined` check per stage. Holds at most MAX_MARKS marks.
 */
export function createEchoTrace(file: string): EchoTrace {
  const MAX_MARKS = 2_000_000;
  const marks: string[] = [];
  // performance.now() counts from the process's start; the GC entries are converted to hrtime with this pair.
  const hr0 = process.hrtime.bigint();
  const p0 = performance.now();
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const at = hr0 + BigInt(Math.round((entry.startTime - p0) * 1e6));
      marks.push(`${at} gc ${Math.round(entry.duration * 1000)}`);
    }
  });
  gc.observe({ entryTypes: ["gc"] });
  return {
    mark(stage) {
      if (marks.length < MAX_MARKS) marks.push(`${process.hrtime.bigint()} ${stage}`);
    },
    close() {
      gc.disconnect();
      writeFileSync(file, marks.join("\n") + "\n");
    },
  };
}
