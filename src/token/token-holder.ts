import type { Logger } from "pino";
import type { Clock } from "./clock.js";
import type { ProfileWriter } from "./databrickscfg.js";
import { scrub, type MintedToken } from "./token-api.js";

/** The token in use and what the gateway knows about it. */
export interface Held {
  readonly value: string;
  /** Set for tokens the gateway created: only those are ever revoked. */
  readonly minted: MintedToken | undefined;
  /** When the gateway created it; null for a pasted token, whose age is unknown. */
  readonly since: number | null;
  readonly expiresAt: number | null;
}

/** What the holder writes to, times expiry with, logs to, and hands replaced tokens to. */
export interface TokenHolderOptions {
  readonly profile: ProfileWriter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Takes a replaced token the gateway created, to revoke it. */
  readonly retire: (token: MintedToken) => void;
}

/**
 * The one token every user shares, and the only place it changes: a switch writes ~/.databrickscfg first
 * (the step that can fail, so nothing is switched when it does), then memory, then tells the subscribers,
 * then retires the token it replaced. Switches run one at a time, so memory and the file never disagree.
 * A token with a known expiry is dropped when it expires.
 */
export class TokenHolder {
  held: Held | undefined;
  /** Why there is no token, when it was lost rather than never given. */
  lost: { readonly reason: "expired" | "error"; readonly message: string } | undefined;
  /** When the last switch happened (epoch ms). */
  switchedAt: number | null = null;
  private readonly listeners = new Set<(token: string | undefined) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private expiryTimer: unknown;

  constructor(private readonly options: TokenHolderOptions) {}

  subscribe(listener: (token: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `fn` after every switch queued before it, and before any queued after. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for the switches queued so far. */
  settled(): Promise<unknown> {
    return this.queue;
  }

  /** Makes `next` the token everyone uses; call inside exclusive(). Returns an error message when it could not. */
  async switchTo(next: Held): Promise<string | undefined> {
    try {
      await this.options.profile.write(next.value);
    } catch (error) {
      const message = `cannot write ~/.databrickscfg: ${scrub((error as Error).message, [next.value])}`;
      this.options.logger.error({ error: message }, "token switch failed");
      return message;
    }
    const replaced = this.held;
    this.held = next;
    this.lost = undefined;
    this.switchedAt = this.options.clock.now();
    this.armExpiry(next);
    this.notify(next.value);
    if (replaced?.minted && replaced.value !== next.value) this.options.retire(replaced.minted);
    return undefined;
  }

  /**
   * Drops `token` if it is still the one in use (a paste may have replaced it meanwhile): ~/.databrickscfg
   * first, so whoever sees the new state finds the file without it, then memory and the subscribers.
   */
  lose(token: Held, reason: "expired" | "error", message: string): Promise<void> {
    return this.exclusive(async () => {
      if (this.held !== token) return;
      this.options.clock.clearTimeout(this.expiryTimer);
      await this.options.profile.write(undefined).catch((error: unknown) => {
        this.options.logger.error({ error: (error as Error).message }, "cannot clear the token from ~/.databrickscfg");
      });
      this.held = undefined;
      this.lost = { reason, message };
      this.options.logger.warn({ reason: message }, "token lost; a new one must be pasted");
      this.notify(undefined);
    });
  }

  /** Forgets the token (the gateway is closing and revokes it): out of ~/.databrickscfg, subscribers told. */
  async clear(): Promise<void> {
    this.options.clock.clearTimeout(this.expiryTimer);
    if (!this.held) return;
    this.held = undefined;
    await this.options.profile.write(undefined).catch(() => undefined);
    this.notify(undefined);
  }

  close(): void {
    this.options.clock.clearTimeout(this.expiryTimer);
    this.listeners.clear();
  }

  private armExpiry(held: Held): void {
    this.options.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (held.expiresAt === null) return;
    this.expiryTimer = this.options.clock.setTimeout(
      () => void this.lose(held, "expired", "the token expired before it could be rotated"),
      Math.max(0, held.expiresAt - this.options.clock.now()),
    );
  }

  private notify(token: string | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(token);
      } catch (error) {
        this.options.logger.error({ error: scrub((error as Error)?.message ?? String(error), [token]) }, "token subscriber failed");
      }
    }
  }
}
