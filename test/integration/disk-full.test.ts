import { readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { TestRepo } from "../helpers/git-repo.js";
import { mountSmallDisk, type SmallDisk } from "../helpers/small-disk.js";

const OWNER = "owner@example.com";
/** Room for the hooks' config, the notify file and a first sync state, no more. */
const DISK_BYTES = 256 * 1024;

const probe = mountSmallDisk(4096);
probe?.dispose();

/**
 * The disk under the state directory (and under ~/uploads) is full: a 256 KiB tmpfs filled to the last
 * page. Commits still succeed and are synced once there is room; terminals, the API and uploads elsewhere
 * carry on; a full upload disk answers 507 and leaves no partial file.
 */
describe.skipIf(!probe)("faults: the disk is full (tmpfs; mounting needs root)", () => {
  let fake: FakeDatabricks | undefined;
  let gw: TestGateway | undefined;
  const disks: SmallDisk[] = [];
  afterEach(async () => {
    // Unmounted first: a mount inside the temp HOME would keep it from being removed.
    for (const disk of disks.splice(0)) disk.dispose();
    await gw?.dispose();
    await fake?.close();
    gw = fake = undefined;
  });

  const disk = () => {
    const d = mountSmallDisk(DISK_BYTES)!;
    disks.push(d);
    return d;
  };

  it("state directory full: commits succeed, the gateway carries on, and the work syncs once there is room", async () => {
    fake = await startFakeDatabricks();
    const state = disk();
    gw = await startGateway({
      env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: fake.issueToken(OWNER), STATE_DIR: state.dir },
      overrides: { sync: { retry: { baseMs: 100, maxMs: 300 }, debounceMs: 20, callTimeoutMs: 5000 } },
    });
    const status = async () => ((await gw!.api("GET", "/api/sync")).body as any[]).find((s) => s.name === "work");
    const synced = async (commit: string) => {
      const end = Date.now() + 20_000;
      while (Date.now() < end) {
        const s = await status();
        if (s?.lastCommit === commit && s.pending === 0 && !s.syncing) return s;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`not synced: ${JSON.stringify(await status())}`);
    };
    const repo = await TestRepo.init(gw.home, path.join(gw.gateway.config.projectsDir, "work"));
    await synced(await repo.commit({ "one.txt": "1" }));

    state.fill();
    // The commit itself never fails: the hook gives up quietly when it cannot write its spool file.
    const during = await repo.commit({ "two.txt": "written while the disk was full" });
    expect(during).toMatch(/^[0-9a-f]{40}$/);
    expect(readdirSync(path.join(state.dir, "sync", "spool")).filter((n) => n.endsWith(".json"))).toEqual([]);
    // Everything else carries on.
    expect((await gw.api("GET", "/healthz")).status).toBe(200);
    expect((await gw.api("GET", "/api/sync")).status).toBe(200);
    const client = await gw.connect(await gw.createSession());
    client.input("echo still-typing-$((40+2))\r");
    await client.waitFor("still-typing-42");

    // Room again: the next commit carries the one made meanwhile (a sync sends the newest tree).
    state.free();
    const after = await repo.commit({ "three.txt": "3" });
    await synced(after);
    const remote = (name: string) => fake!.workspace.get(`/Users/${OWNER}/projects/work/${name}`)?.content?.toString();
    expect(remote("two.txt")).toBe("written while the disk was full");
    expect(remote("three.txt")).toBe("3");
    expect(gw.logs.lines.some((l) => l.includes('"level":60'))).toBe(false);
  });

  it("uploads disk full: 507 with a clear message, no partial file, the next upload works once there is room", async () => {
    gw = await startGateway();
    const uploads = mountSmallDisk(DISK_BYTES, gw.gateway.config.uploadsDir)!;
    disks.push(uploads);
    const post = (bytes: number, name: string) =>
      fetch(`${gw!.url}/api/upload?name=${name}`, { method: "POST", body: Buffer.alloc(bytes, 0x61) }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as any,
      }));
    const big = await post(DISK_BYTES * 2, "big.bin");
    expect(big.status).toBe(507);
    expect(big.body.error.code).toBe("disk_full");
    expect(big.body.error.message).toMatch(/full/);
    expect(readdirSync(uploads.dir)).toEqual([]);
    uploads.fill();
    expect((await post(10_000, "small.bin")).status).toBe(507);
    expect(readdirSync(uploads.dir).filter((n) => !n.startsWith("."))).toEqual([]);
    // The terminal is unaffected; once there is room, uploads work again.
    const client = await gw.connect(await gw.createSession());
    client.input("echo after-enospc-$((6*7))\r");
    await client.waitFor("after-enospc-42");
    uploads.free();
    const ok = await post(10_000, "small.bin");
    expect(ok.status).toBe(201);
    expect(ok.body.size).toBe(10_000);
  });
});
