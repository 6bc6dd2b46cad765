/** Time as the token manager sees it: injectable, so unit tests drive the schedule with fake timers. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock; its timers never keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** First wait after a failed rotation or revocation. */
export const BACKOFF_INITIAL_MS = 1000;
/** Longest wait between two attempts. */
export const BACKOFF_MAX_MS = 60_000;

/** The wait before attempt `failures + 1`: 1 s, 2 s, 4 s, ... up to a minute. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.max(0, failures - 1));
}
