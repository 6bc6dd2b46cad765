/** How long to wait before retrying a repository whose sync failed: doubling from baseMs up to maxMs. */
export interface RetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** 2 s, 4 s, ... up to 2 minutes: quick after a blip, gentle during an outage. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 2_000, maxMs: 120_000 };

/** Per-repository retry times after failures, with jitter so repositories do not retry in lockstep. */
export class Backoff {
  private readonly policy: RetryPolicy;
  private readonly failures = new Map<string, { count: number; due: number }>();

  constructor(policy: RetryPolicy = DEFAULT_RETRY) {
    this.policy = policy;
  }

  /** True when the repository may be tried now. */
  due(name: string, now = Date.now()): boolean {
    return (this.failures.get(name)?.due ?? 0) <= now;
  }

  /** Records a failure; returns the delay until the next try. */
  failed(name: string, now = Date.now()): number {
    const count = (this.failures.get(name)?.count ?? 0) + 1;
    const delay = Math.round(Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (count - 1)) * (0.8 + Math.random() * 0.4));
    this.failures.set(name, { count, due: now + delay });
    return delay;
  }

  succeeded(name: string): void {
    this.failures.delete(name);
  }

  /** Everything may be tried at once (a new token arrived). */
  reset(): void {
    for (const entry of this.failures.values()) entry.due = 0;
  }

  /** The earliest retry time among `names`, if any of them is waiting. */
  nextDue(names: readonly string[]): number | undefined {
    const dues = names.map((n) => this.failures.get(n)?.due).filter((d): d is number => d !== undefined);
    return dues.length > 0 ? Math.min(...dues) : undefined;
  }
}
