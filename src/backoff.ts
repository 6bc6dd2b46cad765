/**
 * The one retry-delay rule: double from a base up to a cap, optionally jittered. Each caller names its own
 * constants (the token manager, the owner lookup, the sync, the backup); this file only computes.
 */

/** How the wait grows from one failure to the next. */
export interface BackoffPolicy {
  /** The wait after the first failure. */
  readonly baseMs: number;
  /** The longest wait. */
  readonly maxMs: number;
  /** Random spread around the wait: 0.2 waits between 0.8 and 1.2 times it; 0 or absent for none. */
  readonly jitter?: number;
}

/** The wait after the `failures`-th failure in a row (1, 2, ...): base, 2 base, 4 base, ... up to the cap. */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  const jitter = policy.jitter ?? 0;
  return jitter > 0 ? Math.round(delay * (1 - jitter + random() * 2 * jitter)) : delay;
}

/** Retry times per key (a repository, a pass) after failures, each growing by {@link backoffDelay}. */
export class Backoff {
  private readonly failures = new Map<string, { count: number; due: number }>();

  constructor(private readonly policy: BackoffPolicy) {}

  /** True when the key may be tried now. */
  due(key: string, now = Date.now()): boolean {
    return (this.failures.get(key)?.due ?? 0) <= now;
  }

  /** Records a failure; returns the delay until the next try. */
  failed(key: string, now = Date.now()): number {
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const delay = backoffDelay(this.policy, count);
    this.failures.set(key, { count, due: now + delay });
    return delay;
  }

  /** Forgets the key's failures: its next failure waits the base again. */
  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /** Everything may be tried at once (a new token arrived); the failure counts stay. */
  reset(): void {
    for (const entry of this.failures.values()) entry.due = 0;
  }

  /** The earliest retry time among `keys`, if any of them is waiting. */
  nextDue(keys: readonly string[]): number | undefined {
    const dues = keys.map((k) => this.failures.get(k)?.due).filter((d): d is number => d !== undefined);
    return dues.length > 0 ? Math.min(...dues) : undefined;
  }
}

/** One timer for "run again within `ms`": a sooner request moves it up, a later one leaves it; cancel() ends it for good. */
export interface SoonestTimer {
  schedule(ms: number): void;
  cancel(): void;
}

/** The timer the sync and the backup wake their next pass with (after a commit, a failure or an interval). */
export function soonestTimer(run: () => void): SoonestTimer {
  let timer: { handle: NodeJS.Timeout; due: number } | undefined;
  let cancelled = false;
  return {
    schedule(ms) {
      if (cancelled) return;
      const due = Date.now() + ms;
      if (timer && timer.due <= due) return;
      if (timer) clearTimeout(timer.handle);
      timer = { due, handle: setTimeout(() => ((timer = undefined), run()), ms) };
    },
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer.handle);
      timer = undefined;
    },
  };
}
