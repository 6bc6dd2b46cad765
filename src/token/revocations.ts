import type { Logger } from "pino";
import { backoffDelay, type BackoffPolicy } from "../backoff.js";
import type { Clock } from "./clock.js";
import { describeFailure, type CallFailure, type MintedToken, type TokenApi } from "./token-api.js";

/** Failed rotations and revocations wait 1 s, 2 s, 4 s, ... up to a minute. */
export const TOKEN_RETRY: BackoffPolicy = { baseMs: 1000, maxMs: 60_000 };

/** A token with no known expiry is given up on after this many failed attempts. */
const MAX_ATTEMPTS_WITHOUT_EXPIRY = 8;

/** The token calls, the clock for retries, and the logger of the revocation queue. */
export interface RevocationsOptions {
  readonly api: TokenApi;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The token in use now: revocations act as it first, as the owner would with the new token in hand. */
  readonly current?: () => string | undefined;
}

interface Pending {
  readonly token: MintedToken;
  failures: number;
  timer: unknown;
  inFlight: Promise<void> | undefined;
}

/**
 * Revokes tokens the gateway created and no longer uses, acting as the current token; when that one is
 * refused or there is none (the gateway is closing), acting as the old token itself, so a revocation never
 * depends on the token that replaced it. A failed one is retried with backoff until the token would have
 * expired anyway. The old token refused (401, 403) or unknown (404) means it is already dead.
 */
export class Revocations {
  private readonly pending = new Map<string, Pending>();
  private readonly abort = new AbortController();

  constructor(private readonly options: RevocationsOptions) {}

  /** Tokens still waiting to be revoked. */
  get size(): number {
    return this.pending.size;
  }

  /** Queues a token for revocation and makes the first attempt now. */
  add(token: MintedToken): void {
    if (this.pending.has(token.id) || this.abort.signal.aborted) return;
    const entry: Pending = { token, failures: 0, timer: undefined, inFlight: undefined };
    this.pending.set(token.id, entry);
    this.attempt(entry);
  }

  /** One last attempt for every pending token, all at once, within `ms`; then gives up on the rest. */
  async flush(ms: number): Promise<void> {
    const signal = AbortSignal.timeout(ms);
    const attempts = [...this.pending.values()].map(async (entry) => {
      this.options.clock.clearTimeout(entry.timer);
      if (entry.inFlight) await entry.inFlight;
      if (this.pending.has(entry.token.id) && !signal.aborted) await this.revoke(entry, signal);
    });
    await Promise.race([Promise.all(attempts), new Promise((resolve) => signal.addEventListener("abort", resolve))]);
    this.close();
  }

  /** Stops retrying; whatever is left expires by itself. */
  close(): void {
    for (const entry of this.pending.values()) this.options.clock.clearTimeout(entry.timer);
    if (this.pending.size > 0) this.options.logger.warn({ left: this.pending.size }, "tokens left to expire unrevoked");
    this.pending.clear();
    this.abort.abort();
  }

  private attempt(entry: Pending): void {
    entry.timer = undefined;
    entry.inFlight = this.revoke(entry, this.abort.signal).finally(() => (entry.inFlight = undefined));
  }

  private async revoke(entry: Pending, signal: AbortSignal): Promise<void> {
    const { api, clock, logger } = this.options;
    const { token } = entry;
    const current = this.options.current?.();
    const actors = current !== undefined && current !== token.value ? [current, token.value] : [token.value];
    let failure: CallFailure | undefined;
    for (const actor of actors) {
      try {
        await api.revoke(actor, token.id, signal);
        logger.info({ tokenId: token.id }, "revoked a token the gateway no longer uses");
        this.pending.delete(token.id);
        return;
      } catch (error) {
        failure = describeFailure(error, [token.value, current], signal);
        // Refused as the current token: try as the old one. Anything else is the answer for both.
        if (!(failure.kind === "rejected" && actor !== token.value)) break;
      }
    }
    if (failure) {
      if (failure.kind === "rejected" || failure.kind === "not_found") {
        logger.info({ tokenId: token.id, status: failure.status }, "superseded token already gone");
        this.pending.delete(token.id);
        return;
      }
      if (failure.kind === "cancelled" || !this.pending.has(token.id)) return;
      entry.failures++;
      const wait = backoffDelay(TOKEN_RETRY, entry.failures);
      const hopeless =
        token.expiresAt !== null ? clock.now() + wait >= token.expiresAt : entry.failures >= MAX_ATTEMPTS_WITHOUT_EXPIRY;
      logger.warn({ tokenId: token.id, error: failure.message, retryInMs: hopeless ? null : wait }, "token revocation failed");
      if (hopeless) {
        this.pending.delete(token.id);
        return;
      }
      entry.timer = clock.setTimeout(() => this.attempt(entry), wait);
    }
  }
}
