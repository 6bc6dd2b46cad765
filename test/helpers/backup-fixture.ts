import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type StartOptions, type TestGateway } from "./gateway.js";
import { runGit } from "./git-repo.js";
import { until } from "./until.js";

/** The owner whose workspace home holds the backups. */
export const BACKUP_OWNER = "owner@example.com";

/** A gateway with sync and backup on, a given HOME and PROJECTS_DIR, short timings. */
export async function startBackupGateway(options: {
  fake: FakeDatabricks;
  home: string;
  projectsDir: string;
  token?: string;
  intervalMs?: number;
  overrides?: StartOptions["overrides"];
}): Promise<TestGateway> {
  return startGateway({
    home: options.home,
    env: { DATABRICKS_HOST: options.fake.url, DATABRICKS_TOKEN: options.token, PROJECTS_DIR: options.projectsDir, BACKUP: "on" },
    overrides: {
      callTimeoutMs: 5_000,
      sync: { retry: { baseMs: 100, maxMs: 400 }, debounceMs: 30, callTimeoutMs: 5_000 },
      backup: { intervalMs: options.intervalMs ?? 60_000, debounceMs: 50, retry: { baseMs: 100, maxMs: 500 }, callTimeoutMs: 5_000 },
      ...options.overrides,
    },
  });
}

/** A fresh temp folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** GET /api/sync/restore until its state is `state`. */
export async function restoreState(gw: TestGateway, state: string, timeoutMs = 60_000): Promise<any> {
  let last: any;
  await until(
    async () => {
      last = (await gw.api("GET", "/api/sync/restore")).body;
      return last?.state === state;
    },
    () => `restore state ${state}; last: ${JSON.stringify(last)}`,
    timeoutMs,
  );
  return last;
}

/** What the integration test compares between the two machines. */
export async function repoPicture(home: string, dir: string): Promise<Record<string, string>> {
  const g = async (...args: string[]) => (await runGit(home, dir, args)).stdout;
  return {
    refs: await g("for-each-ref", "--format=%(objectname) %(objecttype) %(refname)"),
    head: await g("symbolic-ref", "HEAD"),
    headCommit: await g("rev-parse", "HEAD"),
    status: await g("status", "--porcelain=v1", "--untracked-files=all"),
    diff: await g("diff"),
    cached: await g("diff", "--cached"),
    stash: await g("stash", "list"),
    stashPatches: await g("log", "-g", "-p", "--format=%gs", "refs/stash", "--").catch(() => ""),
  };
}

/**
 * Every byte the backup stored, readable: each manifest's bundles rebuilt from their parts and unbundled into
 * a scratch repository, then every object printed (bundles are zlib-compressed, so a raw scan would see
 * nothing), plus the raw text of every import. Tests scan it for tokens.
 */
export async function storedText(fake: FakeDatabricks, scratch: string): Promise<string> {
  const texts: string[] = [];
  for (const request of fake.requests.filter((r) => r.path === "/api/2.0/workspace/import")) {
    texts.push(Buffer.from(String((request.body as any)?.content ?? ""), "base64").toString("latin1"));
  }
  const root = `/Users/${BACKUP_OWNER}/.agent-terminal-gateway/backup/`;
  let n = 0;
  for (const [key, entry] of fake.workspace) {
    if (!key.startsWith(root) || !key.endsWith("/manifest.json") || !entry.content) continue;
    const dir = key.slice(0, -"/manifest.json".length);
    const manifest = JSON.parse(entry.content.toString("utf8"));
    const repo = path.join(scratch, `m${n++}`);
    await runGit(scratch, scratch, ["init", "-q", "--bare", repo]);
    const links = [...manifest.chain, ...(manifest.wip ? [manifest.wip] : [])];
    for (const link of links) {
      const bytes = Buffer.concat(link.parts.map((p: any) => fake.workspace.get(`${dir}/${p.name}`)!.content!));
      const file = path.join(scratch, "x.bundle");
      writeFileSync(file, bytes);
      await runGit(scratch, repo, ["bundle", "unbundle", file]);
    }
    texts.push((await runGit(scratch, repo, ["cat-file", "--batch-all-objects", "--batch"])).stdout);
  }
  return texts.join("\n");
}

/** GET /api/sync's entry for `name` once `predicate` holds. */
export async function syncEntry(gw: TestGateway, name: string, predicate: (entry: any) => boolean, what: string, timeoutMs = 60_000): Promise<any> {
  let last: any;
  await until(
    async () => {
      last = ((await gw.api("GET", "/api/sync")).body as any[]).find((r) => r.name === name);
      return last !== undefined && predicate(last);
    },
    () => `${what}; last: ${JSON.stringify(last)}`,
    timeoutMs,
  );
  return last;
}

/** Bytes of every import under the backup folder of `repo` (its parts and manifest), from request `from` on. */
export function uploadedBytes(fake: FakeDatabricks, repo: string, from = 0): number {
  const prefix = `/Users/${BACKUP_OWNER}/.agent-terminal-gateway/backup/repos/${repo}/`;
  return fake.requests
    .slice(from)
    .filter((r) => r.path === "/api/2.0/workspace/import" && String((r.body as any)?.path).startsWith(prefix))
    .reduce((sum, r) => sum + Buffer.from(String((r.body as any).content), "base64").length, 0);
}
