/** How the token manager waits between failed rotations and revocations. */

/** First wait after a failed rotation or revocation. */
export const BACKOFF_INITIAL_MS = 1000;
/** Longest wait between two attempts. */
export const BACKOFF_MAX_MS = 60_000;

/** The wait before attempt `failures + 1`: 1 s, 2 s, 4 s, ... up to a minute. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.max(0, failures - 1));
}
