import pino from "pino";
import type { ProfileWriter } from "../../src/token/databrickscfg.js";
import type { MintedToken, TokenApi } from "../../src/token/token-api.js";
import { TokenManager, type SessionActivity, type TokenManagerOptions } from "../../src/token/token-manager.js";

/** An error shaped like the SDK's ApiError. */
export class FakeApiError extends Error {
  constructor(
    readonly statusCode: number,
    message = `HTTP ${statusCode}`,
  ) {
    super(message);
  }
}

interface KnownToken {
  readonly user: string;
  readonly id: string | undefined;
  readonly expiresAt: number | null;
  revoked: boolean;
}

type Fault = Error | "hang";

/**
 * An in-memory workspace for unit tests: tokens with owners and expiry, on the test's (fake) clock. Faults
 * queue per call; "hang" waits until the call's signal aborts. `log` records every call in order.
 */
export class FakeTokenApi implements TokenApi {
  readonly tokens = new Map<string, KnownToken>();
  readonly log: string[] = [];
  readonly faults: Record<"me" | "create" | "revoke", Fault[]> = { me: [], create: [], revoke: [] };
  private counter = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** A token the user made themselves (pasted): the gateway does not know its id. */
  userToken(user: string, value = `dapi-user-${++this.counter}`): string {
    this.tokens.set(value, { user, id: undefined, expiresAt: null, revoked: false });
    return value;
  }

  /** Values of minted tokens not yet revoked. */
  liveMinted(): string[] {
    return [...this.tokens.entries()].filter(([, t]) => t.id !== undefined && !t.revoked).map(([v]) => v);
  }

  async me(token: string, signal?: AbortSignal): Promise<{ userName: string }> {
    this.log.push(`me ${token}`);
    await this.fault("me", signal);
    return { userName: this.check(token).user };
  }

  async create(token: string, request: { lifetimeSeconds: number; comment: string }, signal?: AbortSignal): Promise<MintedToken> {
    this.log.push(`create ${token}`);
    await this.fault("create", signal);
    const owner = this.check(token);
    const n = ++this.counter;
    const minted = { value: `dapi-minted-${n}`, id: `id-${n}`, expiresAt: this.now() + request.lifetimeSeconds * 1000 };
    this.tokens.set(minted.value, { user: owner.user, id: minted.id, expiresAt: minted.expiresAt, revoked: false });
    return minted;
  }

  async revoke(token: string, id: string, signal?: AbortSignal): Promise<void> {
    this.log.push(`revoke ${id}`);
    await this.fault("revoke", signal);
    const owner = this.check(token);
    const target = [...this.tokens.values()].find((t) => t.id === id && t.user === owner.user && !t.revoked);
    if (!target) throw new FakeApiError(404, "RESOURCE_DOES_NOT_EXIST");
    target.revoked = true;
  }

  private check(token: string): KnownToken {
    const known = this.tokens.get(token);
    if (!known || known.revoked || (known.expiresAt !== null && known.expiresAt <= this.now())) {
      throw new FakeApiError(401, "Invalid access token.");
    }
    return known;
  }

  private async fault(call: "me" | "create" | "revoke", signal?: AbortSignal): Promise<void> {
    const fault = this.faults[call].shift();
    if (fault === undefined) return;
    if (fault !== "hang") throw fault;
    await new Promise((_resolve, reject) => {
      const fail = () => reject(Object.assign(new Error("This operation was aborted"), { name: "AbortError" }));
      if (signal?.aborted) fail();
      signal?.addEventListener("abort", fail, { once: true });
    });
  }
}

/** Live sessions as the manager sees them. */
export class FakeSessions implements SessionActivity {
  live = 0;
  private readonly listeners = new Set<(event: "created" | "exited" | "removed") => void>();

  liveCount(): number {
    return this.live;
  }

  subscribe(listener: (event: "created" | "exited" | "removed") => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.live++;
    for (const listener of this.listeners) listener("created");
  }

  end(): void {
    this.live--;
    for (const listener of this.listeners) listener("exited");
  }
}

/** ~/.databrickscfg as a list of what was written; `fail` makes the next writes throw. */
export class FakeProfile implements ProfileWriter {
  readonly writes: (string | undefined)[] = [];
  fail = false;

  async write(token: string | undefined): Promise<void> {
    if (this.fail) throw new Error("ENOSPC: no space left on device");
    this.writes.push(token);
  }

  get current(): string | undefined {
    return this.writes[this.writes.length - 1];
  }
}

export const OWNER = "owner@example.com";
export const INTERVAL_S = 600;
export const LIFETIME_S = 900;

/**
 * A manager on fake parts; the test owns the timers (vi.useFakeTimers). An `initialToken` is registered
 * with the fake workspace as a token of `initialUser`.
 */
export function makeManager(overrides: Partial<TokenManagerOptions> = {}, initialUser = OWNER) {
  const api = new FakeTokenApi();
  if (overrides.initialToken !== undefined) api.userToken(initialUser, overrides.initialToken);
  const sessions = new FakeSessions();
  const profile = new FakeProfile();
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const manager = new TokenManager({
    api,
    profile,
    sessions,
    logger,
    owner: () => OWNER,
    requireOwner: true,
    rotationIntervalSeconds: INTERVAL_S,
    lifetimeSeconds: LIFETIME_S,
    comment: "test gateway",
    ...overrides,
  });
  const seen: (string | undefined)[] = [];
  manager.subscribe((token) => seen.push(token));
  return { api, sessions, profile, manager, seen, logLines };
}
