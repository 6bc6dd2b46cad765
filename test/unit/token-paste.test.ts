import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeApiError, OWNER, makeManager } from "../helpers/token-fakes.js";

describe("pasting a token", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("accepts the owner's token (case-insensitively) and uses it at once", async () => {
    const { api, manager, profile, seen, logLines } = makeManager();
    await manager.start();
    expect(manager.status().state).toBe("missing");
    const token = api.userToken("Owner@Example.COM");
    const result = await manager.accept(token);
    expect(result).toEqual({ ok: true, status: expect.objectContaining({ state: "active", lastError: null }) });
    expect(JSON.stringify(result)).not.toContain(token);
    expect(manager.current()).toBe(token);
    expect(profile.current).toBe(token);
    expect(seen).toEqual([token]);
    expect(logLines.join("\n")).not.toContain(token);
    await manager.close();
  });

  it("refuses another user's token, a rejected one, and answers 502 when the workspace fails", async () => {
    const { api, manager } = makeManager();
    await manager.start();
    const stranger = api.userToken("someone@example.com");
    expect(await manager.accept(stranger)).toMatchObject({ ok: false, httpStatus: 403, code: "not_owner" });
    expect(await manager.accept("dapi-unknown")).toMatchObject({ ok: false, httpStatus: 401, code: "token_rejected" });
    const mine = api.userToken(OWNER);
    api.faults.me.push(new FakeApiError(503, "TEMPORARILY_UNAVAILABLE"));
    expect(await manager.accept(mine)).toMatchObject({ ok: false, httpStatus: 502 });
    api.faults.me.push(new Error(`connect ECONNREFUSED while sending ${mine}`));
    const unreachable = await manager.accept(mine);
    expect(unreachable).toMatchObject({ ok: false, httpStatus: 502 });
    expect(JSON.stringify(unreachable)).not.toContain(mine);
    expect(manager.current()).toBeUndefined();
    expect(manager.status().state).toBe("missing");
    // Who the owner is comes only from a check of the token in use: the stranger's refused paste says nothing.
    expect(manager.identity()).toBeUndefined();
    await manager.close();
  });

  it("knows who the owner is from the paste's own SCIM Me check (git identity needs no call of its own)", async () => {
    const { api, manager } = makeManager();
    await manager.start();
    expect(manager.identity()).toBeUndefined();
    await manager.accept(api.userToken(OWNER));
    expect(manager.identity()).toMatchObject({ userName: OWNER });
    await manager.close();
  });

  it("in app mode refuses until the owner is known; in local mode remembers the first user", async () => {
    const app = makeManager({ owner: () => undefined, requireOwner: true });
    expect(await app.manager.accept(app.api.userToken(OWNER))).toMatchObject({ ok: false, httpStatus: 503 });
    await app.manager.close();

    const local = makeManager({ owner: () => undefined, requireOwner: false });
    const first = local.api.userToken("me@example.com");
    expect(await local.manager.accept(first)).toMatchObject({ ok: true });
    expect(await local.manager.accept(local.api.userToken("other@example.com"))).toMatchObject({ ok: false, httpStatus: 403 });
    expect(await local.manager.accept(local.api.userToken("ME@example.com"))).toMatchObject({ ok: true });
    await local.manager.close();
  });

  it("refuses when there is no workspace", async () => {
    const { manager } = makeManager({ api: undefined, disabledReason: "DATABRICKS_HOST is not set" });
    expect(await manager.accept("dapi-x")).toMatchObject({ ok: false, httpStatus: 409, message: expect.stringContaining("DATABRICKS_HOST") });
    await manager.close();
  });

  it("swaps to a minted token when a session lives, and revokes a minted token a paste replaces", async () => {
    const { api, manager, sessions } = makeManager();
    sessions.start();
    await manager.start();
    const pasted = api.userToken(OWNER);
    await manager.accept(pasted);
    await vi.advanceTimersByTimeAsync(0);
    const minted = manager.current()!;
    expect(minted).toMatch(/^dapi-minted/);
    const again = api.userToken(OWNER);
    await manager.accept(again);
    expect(api.tokens.get(minted)!.revoked).toBe(true);
    expect(api.tokens.get(pasted)!.revoked).toBe(false);
    await manager.close();
  });

  it("wins over a rotation in flight: the token minted from the old one is revoked, one stays live", async () => {
    const { api, manager, sessions, seen } = makeManager({ initialToken: "dapi-first" });
    await manager.start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const create = api.create.bind(api);
    let calls = 0;
    api.create = async (token, request, signal) => {
      const minted = await create(token, request, signal);
      if (++calls === 1) await gate; // the first rotation stalls after the workspace created its token
      return minted;
    };
    sessions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.status().state).toBe("rotating");
    const pasted = api.userToken(OWNER, "dapi-pasted");
    expect(await manager.accept(pasted)).toMatchObject({ ok: true });
    expect(manager.current()).toBe(pasted);
    release();
    await vi.advanceTimersByTimeAsync(0);
    // The stalled rotation's token was never used; the paste was then swapped for a fresh minted one.
    expect(seen).toEqual(["dapi-first", pasted, "dapi-minted-2"]);
    expect(api.tokens.get("dapi-minted-1")!.revoked).toBe(true);
    expect(api.liveMinted()).toEqual(["dapi-minted-2"]);
    expect(manager.current()).toBe("dapi-minted-2");
    await manager.close();
    expect(api.liveMinted()).toEqual([]);
  });
});
