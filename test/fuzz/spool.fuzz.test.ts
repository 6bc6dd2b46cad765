import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, random } from "../helpers/random.js";
import { startSyncFixture, type SyncFixture } from "../helpers/sync-fixture.js";
import type { TestRepo } from "../helpers/git-repo.js";
import { until } from "../helpers/until.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/**
 * The sync queue's spool is a folder anyone with the user's rights can write to. Garbage put there (random
 * bytes, truncated or huge files, wrong JSON, folders, links, pipes) is quarantined; the commits queued
 * beside it are untouched and reach the workspace once a token arrives.
 */
describe("fuzz: the sync spool", () => {
  let f: SyncFixture;
  let repo: TestRepo;
  let spool: string;
  let quarantine: string;
  beforeAll(async () => {
    // No token: the real commits stay queued for the whole fuzz.
    f = await startSyncFixture({ token: "none", sync: { retry: { baseMs: 60_000, maxMs: 60_000 }, debounceMs: 10 } });
    spool = path.join(f.gw.gateway.config.stateDir, "sync", "spool");
    quarantine = path.join(f.gw.gateway.config.stateDir, "sync", "quarantine");
    repo = await f.repo("queued");
  });
  afterAll(async () => {
    await f.dispose();
  });

  it("quarantines every bad spool file and keeps the queued commits", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 77));
    await repo.commit({ "a.txt": "one" });
    const head = await repo.commit({ "a.txt": "two", "b.txt": "b" });
    await f.untilStatus("queued", (s) => s.pending === 2, "two queued commits");
    const queued = spoolFiles();
    expect(queued).toHaveLength(2);

    const cases = fuzzCases(200);
    const kinds = new Map<string, number>();
    let serial = 0;
    const validName = () => `${Date.now()}${String(serial++).padStart(6, "0")}-${rng.int(99999)}-${rng.int(32767)}.json`;
    const garbage = (): { name: string; kind: string; write: (file: string) => void } => {
      const entry = { v: 1, repo: repo.dir, commit: COMMIT };
      const json = JSON.stringify(entry);
      const kind = rng.pick(["bytes", "truncated", "huge", "wrong-json", "bad-fields", "empty", "dir", "link", "fifo", "bad-name", "deep"]);
      const text = (t: string | Buffer) => (file: string) => writeFileSync(file, t);
      switch (kind) {
        case "bytes": return { kind, name: validName(), write: text(rng.bytes(rng.int(2000))) };
        case "truncated": return { kind, name: validName(), write: text(json.slice(0, rng.int(json.length - 1))) };
        case "huge": return { kind, name: validName(), write: text(json + " ".repeat(9000 + rng.int(100_000))) };
        case "wrong-json": return { kind, name: validName(), write: text(JSON.stringify(rng.value(4)) ?? "null") };
        case "bad-fields": {
          const bad = rng.pick<Record<string, unknown>>([
            { ...entry, v: 2 },
            { ...entry, repo: "relative/path" },
            { ...entry, repo: `${repo.dir}\u0001x` },
            { ...entry, commit: "HEAD" },
            { ...entry, commit: COMMIT.toUpperCase() },
            { ...entry, extra: true },
            { repo: repo.dir, commit: COMMIT },
            { ...entry, repo: 42 },
          ]);
          return { kind, name: validName(), write: text(JSON.stringify(bad)) };
        }
        case "empty": return { kind, name: validName(), write: text("") };
        case "dir": return { kind, name: validName(), write: (file) => mkdirSync(file) };
        case "link": return { kind, name: validName(), write: (file) => symlinkSync(rng.pick(["/etc/passwd", "/nonexistent", "/dev/zero"]), file) };
        case "fifo": return { kind, name: validName(), write: (file) => execFileSync("mkfifo", [file]) };
        case "deep": return { kind, name: validName(), write: text("[".repeat(100_000)) };
        default: return { kind, name: rng.pick(["x.json", "123.json", "a-b-c.json", "notes.txt", rng.text(8).replace(/[/\0]/g, "_")]) + serial++, write: text(json) };
      }
    };

    let written = 0;
    for (let batch = 0; written < cases; batch++) {
      const names: string[] = [];
      for (let i = 0; i < 20 && written < cases; i++, written++) {
        const g = garbage();
        if (g.name.startsWith(".") || g.name === "") continue;
        g.write(path.join(spool, g.name));
        names.push(g.name);
        kinds.set(g.kind, (kinds.get(g.kind) ?? 0) + 1);
      }
      f.gw.gateway.sync!.wake();
      await until(() => names.every((n) => !present(path.join(spool, n))), `batch ${batch} quarantined`);
      expect((await f.gw.api("GET", "/api/sync")).status).toBe(200);
    }
    const quarantined = readdirSync(quarantine).length;
    expect(spoolFiles()).toEqual(queued);
    expect((await f.status("queued")).pending).toBe(2);
    expect(quarantined).toBe([...kinds.values()].reduce((a, b) => a + b, 0));
    expect(f.gw.logs.lines.filter((l) => l.includes("invalid sync spool file quarantined")).length).toBe(quarantined);

    // The queued commits still go once the owner pastes a token.
    await f.paste(f.token);
    await f.synced("queued", head, 10_000);
    expect(f.remote("queued/a.txt")?.content?.toString()).toBe("two");
    expect(spoolFiles()).toEqual([]);
    console.log(`fuzz: ${quarantined} bad spool files quarantined, kinds ${JSON.stringify(Object.fromEntries(kinds))}; 2 queued commits synced`);
  }, 120_000);

  function spoolFiles(): string[] {
    return readdirSync(spool).filter((n) => !n.startsWith(".")).sort();
  }
});

/** Whether a directory entry exists, a dangling symbolic link included (existsSync follows links). */
function present(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

