import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TOKEN_RETRY } from "../../src/token/revocations.js";
import { FakeApiError, INTERVAL_S, LIFETIME_S, makeManager } from "../helpers/token-fakes.js";

const INTERVAL_MS = INTERVAL_S * 1000;
const creates = (log: string[]) => log.filter((line) => line.startsWith("create ")).length;

describe("token rotation schedule", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function started() {
    const initial = "dapi-first";
    const parts = makeManager({ initialToken: initial });
    await parts.manager.start();
    return { ...parts, initial };
  }

  it("does not rotate while no session lives", async () => {
    const { api, manager, profile, initial } = await started();
    expect(manager.current()).toBe(initial);
    expect(profile.current).toBe(initial);
    await vi.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(creates(api.log)).toBe(0);
    expect(manager.status().state).toBe("active");
    await manager.close();
  });

  it("rotates at once when a session starts with a token of unknown age, and never revokes a pasted one", async () => {
    const { api, manager, sessions, profile, seen, initial } = await started();
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.log).toEqual([`create ${initial}`, "me dapi-minted-1"]);
    expect(manager.current()).toBe("dapi-minted-1");
    expect(profile.current).toBe("dapi-minted-1");
    expect(seen).toEqual([initial, "dapi-minted-1"]);
    expect(api.tokens.get(initial)!.revoked).toBe(false);
    const status = manager.status();
    expect(status.state).toBe("active");
    expect(status.expiresAt).toBe(new Date(Date.now() + LIFETIME_S * 1000).toISOString());
    expect(status.rotatedAt).toBe(new Date().toISOString());
    await manager.close();
  });

  it("rotates every interval while a session lives, revoking each superseded token after the switch", async () => {
    const { api, manager, sessions, seen } = await started();
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(creates(api.log)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(creates(api.log)).toBe(2);
    await vi.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    expect(creates(api.log)).toBe(4);
    // Each token the gateway minted was revoked once the next one was in use: one live minted token.
    expect(api.liveMinted()).toEqual([manager.current()]);
    expect(seen.filter((t) => t?.startsWith("dapi-minted"))).toHaveLength(4);
    // The switch (a new subscriber value) always comes before the revocation of the token it replaced.
    const firstRevoke = api.log.findIndex((line) => line.startsWith("revoke"));
    expect(api.log.slice(0, firstRevoke).filter((line) => line.startsWith("me "))).toHaveLength(2);
    await manager.close();
  });

  it("revokes a replaced token as the new one, or as itself when the new one is refused", async () => {
    const { api, manager, sessions } = await started();
    const revokes: string[] = [];
    const revoke = api.revoke.bind(api);
    api.revoke = (token, id, signal) => (revokes.push(`${id} as ${token}`), revoke(token, id, signal));
    sessions.start();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(revokes).toEqual(["id-1 as dapi-minted-2"]);
    api.faults.revoke.push(new FakeApiError(403, "PERMISSION_DENIED"));
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(revokes.slice(1)).toEqual(["id-2 as dapi-minted-3", "id-2 as dapi-minted-2"]);
    expect(api.liveMinted()).toEqual(["dapi-minted-3"]);
    await manager.close();
  });

  it("stops when the last session ends, and on the next start rotates at once only if the token is old", async () => {
    const { api, manager, sessions } = await started();
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    sessions.end();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS / 2);
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(creates(api.log)).toBe(1); // young token: waits for the rest of its interval
    await vi.advanceTimersByTimeAsync(INTERVAL_MS / 2);
    expect(creates(api.log)).toBe(2);
    sessions.end();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS + 1);
    expect(creates(api.log)).toBe(2); // idle: nothing
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(creates(api.log)).toBe(3); // older than the interval: at once
    await manager.close();
  });

  it("backs off after failures and keeps the working token meanwhile", async () => {
    const { api, manager, sessions, initial } = await started();
    api.faults.create.push(new FakeApiError(503, "TEMPORARILY_UNAVAILABLE"), new FakeApiError(429), new Error("fetch failed"));
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(creates(api.log)).toBe(1);
    expect(manager.status()).toMatchObject({ state: "error", lastError: expect.stringContaining("503") });
    expect(manager.current()).toBe(initial);
    await vi.advanceTimersByTimeAsync(TOKEN_RETRY.baseMs - 1);
    expect(creates(api.log)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(creates(api.log)).toBe(2);
    await vi.advanceTimersByTimeAsync(2 * TOKEN_RETRY.baseMs - 1);
    expect(creates(api.log)).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(creates(api.log)).toBe(3);
    expect(manager.status().lastError).toContain("cannot reach the workspace");
    await vi.advanceTimersByTimeAsync(4 * TOKEN_RETRY.baseMs);
    expect(creates(api.log)).toBe(4);
    expect(manager.status()).toMatchObject({ state: "active", lastError: null });
    expect(manager.current()).toBe("dapi-minted-1");
    await manager.close();
  });

  it("runs one rotation at a time, even when a call hangs past the interval", async () => {
    const { api, manager, sessions, initial } = await started();
    api.faults.create.push("hang");
    sessions.start();
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(creates(api.log)).toBe(1);
    expect(manager.status().state).toBe("rotating");
    expect(manager.current()).toBe(initial);
    await manager.close(); // cancels the hung call: close would never resolve otherwise
    expect(api.liveMinted()).toEqual([]);
    expect(api.tokens.get(initial)!.revoked).toBe(false); // not the gateway's to revoke
  });

  it("expires a token that could not be rotated in time, and tells every user", async () => {
    const { api, manager, sessions, profile, seen } = await started();
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    const minted = manager.current();
    for (let i = 0; i < 50; i++) api.faults.create.push(new FakeApiError(503));
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 1000 - 1);
    expect(manager.current()).toBe(minted);
    expect(manager.status().state).toBe("error");
    await vi.advanceTimersByTimeAsync(1);
    expect(manager.current()).toBeUndefined();
    expect(manager.status()).toMatchObject({ state: "expired", expiresAt: null });
    expect(seen[seen.length - 1]).toBeUndefined();
    expect(profile.current).toBeUndefined();
    const attempts = creates(api.log);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(creates(api.log)).toBe(attempts); // nothing to rotate with
    await manager.close();
  });

  it("lets an idle minted token expire", async () => {
    const { manager, sessions } = await started();
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    sessions.end();
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 1000);
    expect(manager.status().state).toBe("expired");
    await manager.close();
  });

  it("marks a token the workspace no longer accepts as expired, but not one merely forbidden to create tokens", async () => {
    const { api, manager, sessions, initial } = await started();
    api.faults.create.push(new FakeApiError(403, "PERMISSION_DENIED"));
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.status().state).toBe("error");
    expect(manager.current()).toBe(initial);
    api.tokens.get(initial)!.revoked = true;
    await vi.advanceTimersByTimeAsync(TOKEN_RETRY.baseMs);
    expect(manager.status()).toMatchObject({ state: "expired", lastError: expect.stringContaining("no longer accepts") });
    expect(manager.current()).toBeUndefined();
    await manager.close();
  });

  it("drops a first token that belongs to another user and revokes what it minted with it", async () => {
    const parts = makeManager({ initialToken: "dapi-stranger" }, "someone@example.com");
    await parts.manager.start();
    parts.sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(parts.manager.current()).toBeUndefined();
    expect(parts.manager.status()).toMatchObject({ state: "error", lastError: expect.stringContaining("another user") });
    expect(parts.api.liveMinted()).toEqual([]);
    await parts.manager.close();
  });

  it("does not switch when ~/.databrickscfg cannot be written: revokes the new token and retries", async () => {
    const { api, manager, sessions, profile, initial } = await started();
    profile.fail = true;
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.current()).toBe(initial);
    expect(manager.status()).toMatchObject({ state: "error", lastError: expect.stringContaining("ENOSPC") });
    expect(api.liveMinted()).toEqual([]);
    profile.fail = false;
    await vi.advanceTimersByTimeAsync(TOKEN_RETRY.baseMs);
    expect(manager.status().state).toBe("active");
    expect(profile.current).toBe(manager.current());
    expect(api.liveMinted()).toEqual([manager.current()]);
    await manager.close();
  });

  it("revokes its current token on close, within the bound, and clears ~/.databrickscfg", async () => {
    const { api, manager, sessions, profile } = await started();
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    const minted = manager.current()!;
    await manager.close();
    expect(api.tokens.get(minted)!.revoked).toBe(true);
    expect(profile.current).toBeUndefined();
    expect(manager.current()).toBeUndefined();
  });
});
