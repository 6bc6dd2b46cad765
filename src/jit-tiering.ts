import v8 from "node:v8";

/** How many times more work than V8's default a function needs before TurboFan compiles it. */
export const TURBOFAN_DELAY = 100;

/**
 * The V8 flag that makes TurboFan wait TURBOFAN_DELAY times longer than usual, for this V8 version: V8 12+
 * (Node 22) counts a function's calls before TurboFan (3000 by default; Maglev compiles it meanwhile), V8 11
 * (Node 20) the bytecode it has run (an interrupt budget of 67,584 by default; Sparkplug meanwhile).
 */
export function turbofanDelayFlag(v8Version: string = process.versions.v8, delay = TURBOFAN_DELAY): string {
  return Number(v8Version.split(".")[0]) >= 12
    ? `--invocation-count-for-turbofan=${3000 * delay}`
    : `--interrupt-budget=${67_584 * delay}`;
}

/** The flag delayTurbofan() set, if it did (tests that build a server in-process never call it). */
let delayed: string | undefined;
/** Screen restores under way (they overlap when several clients attach at once). */
let restoring = 0;

/**
 * Runs `work` with V8's own thresholds, then the delay again. For the screen restore (screen.ts): the headless
 * terminal's parser runs only there, so its functions get their budget while the restore runs and reach
 * TurboFan as they did before the delay (re-attach of 10,000 lines 37-47 ms instead of 70-91 with the delay
 * throughout; echo typed right after the restores p99 0.2-0.7 ms against 0.2-1.3, six runs each, issue 20).
 * A keystroke's functions whose budget runs out inside the window may tier up then, which is when the owner
 * is waiting for a page, not typing. Does nothing special unless delayTurbofan() ran.
 */
export async function withDefaultTiering<T>(work: () => Promise<T>): Promise<T> {
  if (delayed === undefined) return work();
  if (restoring++ === 0) v8.setFlagsFromString(turbofanDelayFlag(undefined, 1));
  try {
    return await work();
  } finally {
    if (--restoring === 0) v8.setFlagsFromString(delayed);
  }
}

/**
 * Keeps TurboFan off the keystroke path (issue 20). A scheduler trace showed the slowest 1% of keystroke
 * echoes waiting for a CPU that one of V8's helper threads held for 1-4 ms while TurboFan compiled (and, after
 * deoptimizations, recompiled) the functions a keystroke runs through; on 2 vCPUs that left the echo's chain
 * one CPU. With TurboFan this much later, those functions stay in the baseline tiers (cheap to compile, fast
 * enough for a byte; 40,000 keystrokes in one gateway did not bring the tail back). The screen restore,
 * whose loops run millions of times, runs with V8's own thresholds (withDefaultTiering). Call before the
 * gateway serves anything: tiering decisions already made stay as they are.
 */
export function delayTurbofan(): void {
  delayed = turbofanDelayFlag();
  v8.setFlagsFromString(delayed);
}
