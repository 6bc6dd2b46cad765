// A little over the house's ~250 lines on purpose: one state machine (the held token, the rotation in flight, the
// failure count and the paste generation) whose fields every method reads. Its parts are apart already: the
// holder, minting, revocations, the paste check and the token calls each have a file in token/.
import type { Logger } from "pino";
import { backoffDelay } from "../backoff.js";
import { systemClock, type Clock } from "./clock.js";
import type { ProfileWriter } from "./databrickscfg.js";
import { mintToken } from "./mint.js";
import { checkPastedToken, refuse, SHUTTING_DOWN, type AcceptResult } from "./paste-check.js";
import { Revocations, TOKEN_RETRY } from "./revocations.js";
import { describeFailure, type CallFailure, type TokenApi, type UserIdentity } from "./token-api.js";
import { TokenHolder, type Held } from "./token-holder.js";
import type { TokenSource, TokenStateName, TokenStatus } from "./types.js";

/** SIGTERM leaves 15 s before SIGKILL; revoking the current token may take this much of it. */
export const CLOSE_REVOKE_MS = 2000;

/** The set of live terminal sessions, as far as rotation cares (SessionManager fits). */
export interface SessionActivity {
  liveCount(): number;
  subscribe(listener: (event: "created" | "exited" | "removed") => void): () => void;
}

/** The token manager's collaborators and settings; `clock` is injectable for fake-timer tests. */
export interface TokenManagerOptions {
  /** Token calls against the workspace; undefined when the gateway handles no PAT (see `disabledReason`). */
  readonly api: TokenApi | undefined;
  /** Why there is no `api` (no DATABRICKS_HOST, MODEL_AUTH=app): pastes are refused with it. */
  readonly disabledReason?: string;
  readonly profile: ProfileWriter;
  readonly sessions: SessionActivity;
  readonly logger: Logger;
  /** The owner's user name (email) when known; in app mode the guard resolves it. */
  readonly owner: () => string | undefined;
  /** App mode: a pasted token is refused until the owner is known. */
  readonly requireOwner: boolean;
  /** DATABRICKS_TOKEN: the first token, used as is until the first rotation checks it. */
  readonly initialToken?: string;
  readonly rotationIntervalSeconds: number;
  readonly lifetimeSeconds: number;
  /** Written on every token the gateway creates, so the owner can tell them apart in the workspace. */
  readonly comment: string;
  readonly clock?: Clock;
}

/**
 * Holds the owner's PAT and keeps it fresh: every rotation interval while a terminal session lives it
 * creates a new short-lived token with the current one, checks it, switches every user to it, and only
 * then revokes the token it replaced when the gateway created it. One rotation at a time; failures back
 * off while the token still works; a paste always wins over a rotation in flight.
 */
export class TokenManager implements TokenSource {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly revocations: Revocations | undefined;
  private readonly holder: TokenHolder;
  private lastError: string | null = null;
  private failures = 0;
  private retryAt: number | undefined;
  /** Bumped by every paste: a rotation begun before one must not replace it. */
  private generation = 0;
  private rotation: Promise<void> | undefined;
  private rotateTimer: unknown;
  private knownUser: string | undefined;
  /** The last SCIM Me check that succeeded, and the token it checked (a refused paste is not the owner). */
  private checked: { readonly token: string; readonly who: UserIdentity } | undefined;
  private readonly options: TokenManagerOptions;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(options: TokenManagerOptions) {
    // Every SCIM Me check the manager makes also says who the owner is (identity()): no caller needs one of its own.
    const base = options.api;
    const api: TokenApi | undefined = base && Object.assign(Object.create(base) as TokenApi, {
      me: async (token: string, signal?: AbortSignal) => {
        const who = await base.me(token, signal);
        this.checked = { token, who };
        return who;
      },
    });
    this.options = { ...options, api };
    options = this.options;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: "token" });
    const revocations = options.api ? new Revocations({ api: options.api, clock: this.clock, logger: this.log, current: () => this.current() }) : undefined;
    this.revocations = revocations;
    this.holder = new TokenHolder({ profile: options.profile, clock: this.clock, logger: this.log, retire: (t) => revocations?.add(t) });
  }

  /** Takes up DATABRICKS_TOKEN (written to ~/.databrickscfg) and starts following the sessions. */
  async start(): Promise<void> {
    if (this.started || this.closing) return;
    this.started = true;
    this.unsubscribe = this.options.sessions.subscribe(() => this.plan());
    const initial = this.options.initialToken;
    if (initial === undefined) return;
    if (!this.options.api) {
      this.lastError = `DATABRICKS_TOKEN is ignored: ${this.options.disabledReason ?? "no workspace"}`;
      this.log.warn(this.lastError);
      return;
    }
    const error = await this.holder.exclusive(() => this.holder.switchTo({ value: initial, minted: undefined, since: null, expiresAt: null }));
    this.lastError = error ?? null;
  }

  /**
   * The owner as SCIM Me last named them, known after a paste or a rotation (a DATABRICKS_TOKEN given at start is
   * first checked by the rotation that the first session starts); undefined before.
   */
  identity(): UserIdentity | undefined {
    const checked = this.checked;
    return checked && checked.token === this.current() ? checked.who : undefined;
  }

  current(): string | undefined {
    return this.holder.held?.value;
  }

  status(): TokenStatus {
    const { held, lost, switchedAt } = this.holder;
    const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
    let state: TokenStateName;
    if (!held) state = lost?.reason ?? "missing";
    else if (this.rotation) state = "rotating";
    else state = this.failures > 0 ? "error" : "active";
    const lastError = held ? this.lastError : (lost?.message ?? this.lastError);
    const disabled = this.options.api ? {} : { disabled: this.options.disabledReason ?? "no workspace" };
    return { state, expiresAt: iso(held?.expiresAt), rotatedAt: iso(switchedAt), lastError, ...disabled };
  }

  subscribe(listener: (token: string | undefined) => void): () => void {
    return this.holder.subscribe(listener);
  }

  /**
   * A token the owner pasted: checked with SCIM Me as that token, accepted only when it is the owner's,
   * then used at once (and swapped for a minted one as soon as a session lives).
   */
  async accept(token: string): Promise<AcceptResult> {
    const { api } = this.options;
    if (this.closing) return SHUTTING_DOWN;
    if (!api) return refuse(409, "tokens_disabled", `The gateway takes no token: ${this.options.disabledReason ?? "no workspace"}.`);
    const checked = await checkPastedToken({
      api, token, owner: () => this.owner(), requireOwner: this.options.requireOwner, signal: this.abort.signal, log: this.log,
    });
    if (!checked.ok) return checked;
    if (this.closing) return SHUTTING_DOWN;
    const error = await this.holder.exclusive(async () => {
      const failed = await this.holder.switchTo({ value: token, minted: undefined, since: null, expiresAt: null });
      if (!failed) this.generation++;
      return failed;
    });
    if (error) return refuse(500, "profile_write_failed", `Could not store the token: ${error}`);
    if (checked.owner === undefined) this.knownUser = checked.userName;
    this.succeeded();
    this.log.info("pasted token accepted");
    this.plan();
    return { ok: true, status: this.status() };
  }

  /** Stops rotating and revokes the current token when the gateway created it, within CLOSE_REVOKE_MS. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.unsubscribe?.();
      this.clock.clearTimeout(this.rotateTimer);
      this.abort.abort();
      await this.rotation?.catch(() => undefined);
      await this.holder.settled();
      const minted = this.holder.held?.minted;
      if (minted && this.revocations) {
        this.revocations.add(minted);
        await this.holder.clear();
      }
      await this.revocations?.flush(CLOSE_REVOKE_MS);
      this.holder.close();
    })());
  }

  private owner(): string | undefined {
    return this.options.owner() ?? this.knownUser;
  }

  /** Arms the next rotation, or none: no token, no session, or one already running. */
  private plan(): void {
    this.clock.clearTimeout(this.rotateTimer);
    this.rotateTimer = undefined;
    const { held } = this.holder;
    if (this.closing || !held || !this.options.api || this.rotation || this.options.sessions.liveCount() === 0) return;
    const due = this.retryAt ?? (held.since === null ? 0 : held.since + this.options.rotationIntervalSeconds * 1000);
    const wait = due - this.clock.now();
    if (wait <= 0) this.rotate();
    else this.rotateTimer = this.clock.setTimeout(() => this.rotate(), wait);
  }

  private rotate(): void {
    const { held } = this.holder;
    if (this.rotation || this.closing || !held) return;
    this.rotation = this.rotateOnce(held)
      .catch((error: unknown) => this.log.error({ err: error }, "token rotation failed unexpectedly"))
      .finally(() => {
        this.rotation = undefined;
        this.plan();
      });
  }

  private async rotateOnce(held: Held): Promise<void> {
    const api = this.options.api!;
    const generation = this.generation;
    this.log.info("rotating the token");
    const result = await mintToken({
      api,
      token: held.value,
      lifetimeSeconds: this.options.lifetimeSeconds,
      comment: this.options.comment,
      owner: this.owner(),
      signal: this.abort.signal,
    });
    if (!result.ok) {
      if (result.step === "check") this.revocations?.add(result.discard);
      if (result.failure.kind === "cancelled" || this.holder.held !== held) return;
      if (result.step === "check" && result.wrongUser) {
        return this.holder.lose(held, "error", "DATABRICKS_TOKEN belongs to another user than the owner");
      }
      if (result.step === "create" && result.failure.kind === "rejected" && (await this.isDead(held))) {
        return this.holder.lose(held, "expired", "the workspace no longer accepts the token");
      }
      return this.failed(result.failure);
    }
    const minted = result.token;
    const outcome = await this.holder.exclusive(async () => {
      // A paste while minting wins: the token minted from the older one is not used.
      if (this.generation !== generation || this.closing || this.holder.held !== held) return "superseded";
      return (await this.holder.switchTo({ value: minted.value, minted, since: this.clock.now(), expiresAt: minted.expiresAt })) ?? "switched";
    });
    if (outcome !== "switched") {
      this.revocations?.add(minted);
      if (outcome !== "superseded") this.failed({ kind: "transient", status: undefined, message: outcome });
      return;
    }
    if (this.options.owner() === undefined && this.knownUser === undefined) this.knownUser = result.userName;
    this.succeeded();
    this.log.info({ tokenId: minted.id, expiresAt: minted.expiresAt }, "token rotated");
  }

  /** After a refused create: SCIM Me as the token tells a dead token from a forbidden action. */
  private async isDead(held: Held): Promise<boolean> {
    try {
      await this.options.api!.me(held.value, this.abort.signal);
      return false;
    } catch (error) {
      return describeFailure(error, [held.value], this.abort.signal).kind === "rejected";
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.retryAt = undefined;
    this.lastError = null;
  }

  private failed(failure: CallFailure): void {
    this.failures++;
    const wait = backoffDelay(TOKEN_RETRY, this.failures);
    this.retryAt = this.clock.now() + wait;
    this.lastError = `rotation failed: ${failure.message}`;
    this.log.warn({ error: failure.message, status: failure.status, failures: this.failures, retryInMs: wait }, "token rotation failed");
  }
}
