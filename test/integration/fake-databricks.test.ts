import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appClient, deadline, statusOf, userClient } from "../../src/databricks.js";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";

// The fake must be reachable through the real SDK exactly as the gateway calls it (src/databricks.ts).
describe("fake Databricks REST API through the real SDK", () => {
  let fake: FakeDatabricks;
  const owner = "owner@example.com";

  beforeAll(async () => {
    fake = await startFakeDatabricks();
    fake.setApp("gateway", owner);
  });
  afterAll(async () => {
    await fake.close();
  });

  const app = () => appClient({ host: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret });

  it("reads the app's creator with the service principal's M2M credentials", async () => {
    const result = await app().apps.get({ name: "gateway" }, deadline(5000));
    expect(result.creator).toBe(owner);
    expect(result.name).toBe("gateway");
    const tokenCall = fake.requests.find((r) => r.path === "/oidc/v1/token");
    expect(tokenCall?.method).toBe("POST");
    expect(tokenCall?.body).toMatchObject({ grant_type: "client_credentials", scope: "all-apis" });
    const appCall = fake.requests.find((r) => r.path === "/api/2.0/apps/gateway");
    expect(appCall?.authorization).toMatch(/^Bearer eyJ/);
  });

  it("refuses a wrong client secret", async () => {
    const wrong = appClient({ host: fake.url, clientId: fake.clientId, clientSecret: "not-the-secret" });
    const error = await wrong.apps.get({ name: "gateway" }, deadline(5000)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/invalid_client/);
  });

  it("answers 404 for an unknown app", async () => {
    const error = await app().apps.get({ name: "nope" }, deadline(5000)).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(404);
    expect((error as { errorCode?: string }).errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("knows the user behind a PAT and refuses invalid, expired and revoked ones", async () => {
    const pat = fake.issueToken(owner);
    const me = await userClient(fake.url, pat).currentUser.me(deadline(5000));
    expect(me.userName).toBe(owner);
    expect(me.emails?.[0]?.value).toBe(owner);

    const bogus = await userClient(fake.url, "dapi-bogus").currentUser.me(deadline(5000)).catch((e: unknown) => e);
    expect(statusOf(bogus)).toBe(403);

    const shortLived = fake.issueToken(owner, 1);
    fake.tokens.find((t) => t.value === shortLived)!.expiresAt = Date.now() - 1; // expired by the wall clock
    expect(statusOf(await userClient(fake.url, shortLived).currentUser.me(deadline(5000)).catch((e: unknown) => e))).toBe(403);
  });

  it("creates, lists and deletes tokens owned by the caller", async () => {
    const pat = fake.issueToken(owner);
    const client = userClient(fake.url, pat);
    const created = await client.tokens.create({ lifetime_seconds: 900, comment: "rotated" }, deadline(5000));
    expect(created.token_value).toMatch(/^dapi/);
    const info = created.token_info!;
    expect(info.comment).toBe("rotated");
    expect(info.expiry_time! - info.creation_time!).toBe(900_000);
    expect(fake.tokens.find((t) => t.tokenId === info.token_id)?.userName).toBe(owner);
    const body = fake.requests.filter((r) => r.path === "/api/2.0/token/create").at(-1)?.body;
    expect(body).toEqual({ lifetime_seconds: 900, comment: "rotated" });

    // The new token works on its own.
    const rotated = userClient(fake.url, created.token_value!);
    const listed: string[] = [];
    for await (const t of rotated.tokens.list(deadline(5000))) listed.push(t.token_id!);
    expect(listed).toContain(info.token_id);

    await rotated.tokens.delete({ token_id: info.token_id! }, deadline(5000));
    expect(fake.tokens.find((t) => t.tokenId === info.token_id)?.revoked).toBe(true);
    const after = await rotated.currentUser.me(deadline(5000)).catch((e: unknown) => e);
    expect(statusOf(after)).toBe(403);
    const again = await client.tokens.delete({ token_id: info.token_id! }, deadline(5000)).catch((e: unknown) => e);
    expect(statusOf(again)).toBe(404);
  });

  it("keeps a workspace: mkdirs, import (AUTO notebooks), get-status, list, delete, limits", async () => {
    const ws = userClient(fake.url, fake.issueToken(owner)).workspace;
    const dir = `/Users/${owner}/projects/demo`;
    const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64");
    await ws.mkdirs({ path: dir }, deadline(5000));
    expect((await ws.getStatus({ path: dir }, deadline(5000))).object_type).toBe("DIRECTORY");

    await ws.import({ path: `${dir}/main.py`, format: "AUTO", overwrite: true, content: b64("print(1)\n") }, deadline(5000));
    await ws.import(
      { path: `${dir}/etl.py`, format: "AUTO", overwrite: true, content: b64("# Databricks notebook source\nprint(2)\n") },
      deadline(5000),
    );
    await ws.import({ path: `${dir}/explore.ipynb`, format: "AUTO", overwrite: true, content: b64("{}") }, deadline(5000));

    const file = await ws.getStatus({ path: `${dir}/main.py` }, deadline(5000));
    expect(file).toMatchObject({ object_type: "FILE", size: 9 });
    expect((await ws.getStatus({ path: `${dir}/etl` }, deadline(5000))).object_type).toBe("NOTEBOOK");
    expect((await ws.getStatus({ path: `${dir}/explore` }, deadline(5000))).language).toBe("PYTHON");
    expect(statusOf(await ws.getStatus({ path: `${dir}/etl.py` }, deadline(5000)).catch((e: unknown) => e))).toBe(404);
    expect(fake.workspace.get(`${dir}/main.py`)?.content?.toString()).toBe("print(1)\n");

    const names: string[] = [];
    for await (const o of ws.list({ path: dir }, deadline(5000))) names.push(o.path!);
    expect(names.sort()).toEqual([`${dir}/etl`, `${dir}/explore`, `${dir}/main.py`]);

    // Existing without overwrite, missing parent, over 10 MB.
    const exists = await ws.import({ path: `${dir}/main.py`, format: "AUTO", content: b64("x") }, deadline(5000)).catch((e: unknown) => e);
    expect((exists as { errorCode?: string }).errorCode).toBe("RESOURCE_ALREADY_EXISTS");
    const orphan = await ws
      .import({ path: `${dir}/missing/a.txt`, format: "AUTO", overwrite: true, content: b64("x") }, deadline(5000))
      .catch((e: unknown) => e);
    expect(statusOf(orphan)).toBe(404);
    expect((orphan as { errorCode?: string }).errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 97);
    const tooBig = await ws.import({ path: `${dir}/big.txt`, format: "AUTO", overwrite: true, content: b64(big) }, deadline(10_000)).catch((e: unknown) => e);
    expect(statusOf(tooBig)).toBe(400);
    const exactly = Buffer.alloc(10 * 1024 * 1024, 97);
    await ws.import({ path: `${dir}/limit.txt`, format: "AUTO", overwrite: true, content: b64(exactly) }, deadline(10_000));
    expect(fake.workspace.get(`${dir}/limit.txt`)?.content?.length).toBe(exactly.length);

    // Non-empty folders need recursive.
    const notEmpty = await ws.delete({ path: dir }, deadline(5000)).catch((e: unknown) => e);
    expect((notEmpty as { errorCode?: string }).errorCode).toBe("DIRECTORY_NOT_EMPTY");
    await ws.delete({ path: dir, recursive: true }, deadline(5000));
    expect([...fake.workspace.keys()].some((p) => p.startsWith(dir))).toBe(false);
  });

  it("keeps the service principal out of the user's home folder", async () => {
    const error = await app().workspace.mkdirs({ path: `/Users/${owner}/x` }, deadline(5000)).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(403);
  });

  it("injects faults: a status, a dropped connection and a request that never answers", async () => {
    fake.fault({ method: "GET", path: /^\/api\/2\.0\/apps\// }, { status: 503 });
    expect(statusOf(await app().apps.get({ name: "gateway" }, deadline(5000)).catch((e: unknown) => e))).toBe(503);

    fake.fault({ path: "/api/2.0/apps/gateway" }, "close");
    const dropped = await app().apps.get({ name: "gateway" }, deadline(5000)).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(Error);
    expect(statusOf(dropped)).toBeUndefined();

    fake.fault({ path: "/api/2.0/apps/gateway" }, "hang");
    const hung = await app().apps.get({ name: "gateway" }, deadline(300)).catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(Error);
    expect(statusOf(hung)).toBeUndefined();

    // Faults are used up; the next call succeeds.
    expect((await app().apps.get({ name: "gateway" }, deadline(5000))).creator).toBe(owner);
  });
});
