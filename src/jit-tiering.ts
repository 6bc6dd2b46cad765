import v8 from "node:v8";

/** How many times more work than V8's default a function needs before TurboFan compiles it. */
export const TURBOFAN_DELAY = 100;

/**
 * The V8 flag that makes TurboFan wait TURBOFAN_DELAY times longer than usual, for this V8 version: V8 12+
 * (Node 22) counts a function's calls before TurboFan (3000 by default; Maglev compiles it meanwhile), V8 11
 * (Node 20) the bytecode it has run (an interrupt budget of 67,584 by default; Sparkplug meanwhile).
 */
export function turbofanDelayFlag(v8Version: string = process.versions.v8): string {
  return Number(v8Version.split(".")[0]) >= 12
    ? `--invocation-count-for-turbofan=${3000 * TURBOFAN_DELAY}`
    : `--interrupt-budget=${67_584 * TURBOFAN_DELAY}`;
}

/**
 * Keeps TurboFan off the keystroke path (issue 20). A scheduler trace showed the slowest 1% of keystroke
 * echoes waiting for a CPU that one of V8's helper threads held for 1-4 ms while TurboFan compiled (and, after
 * deoptimizations, recompiled) the functions a keystroke runs through; on 2 vCPUs that left the echo's chain
 * one CPU. With TurboFan this much later, those functions stay in the baseline tiers (cheap to compile, fast
 * enough for a byte; 40,000 keystrokes in one gateway did not bring the tail back), while the
 * screen restore's loops, which run millions of times per re-attach, still reach TurboFan. Call before the gateway serves anything: tiering
 * decisions already made stay as they are.
 */
export function delayTurbofan(): void {
  v8.setFlagsFromString(turbofanDelayFlag());
}
