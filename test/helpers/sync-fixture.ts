import path from "node:path";
import type { SyncOptions } from "../../src/sync.js";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "./gateway.js";
import { TestRepo } from "./git-repo.js";

/** The owner whose home folder the sync writes to. */
export const OWNER = "owner@example.com";

/** A gateway with sync on (its real token manager), the fake workspace, and helpers to look at both sides. */
export interface SyncFixture {
  readonly fake: FakeDatabricks;
  readonly gw: TestGateway;
  /** The owner's PAT issued by the fake: DATABRICKS_TOKEN at start unless `token: "none"`. */
  readonly token: string;
  /** POST /api/token: what the owner pasting a token does. */
  paste(token: string): Promise<void>;
  repo(name: string): Promise<TestRepo>;
  /** The workspace object at /Users/<user>/projects/<rel>. */
  remote(rel: string): { type: string; content?: Buffer } | undefined;
  /** Every object under /Users/<user>/projects/<repo>/, as "relative path:TYPE". */
  tree(repo: string): string[];
  /** GET /api/sync's entry for a repository. */
  status(name: string): Promise<any>;
  /** Waits until the repository's last synced commit is `commit` and nothing is pending. */
  synced(name: string, commit: string, timeoutMs?: number): Promise<any>;
  /** Waits until a predicate on the repository's status holds; resolves with that status. */
  untilStatus(name: string, predicate: (status: any) => boolean, what: string, timeoutMs?: number): Promise<any>;
  dispose(): Promise<void>;
}

export interface FixtureOptions {
  readonly token?: "none";
  /** App mode: APP_OWNER, sent as X-Forwarded-Email on every API call. */
  readonly appOwner?: string;
  /** The user the fake issues the token for (default OWNER). */
  readonly user?: string;
  readonly fake?: FakeDatabricks;
  readonly home?: string;
  readonly host?: string;
  readonly sync?: Partial<Pick<SyncOptions, "retry" | "debounceMs" | "concurrency" | "callTimeoutMs">>;
}

/** Starts the fake workspace (unless given) and a gateway syncing into it. */
export async function startSyncFixture(options: FixtureOptions = {}): Promise<SyncFixture> {
  const fake = options.fake ?? (await startFakeDatabricks());
  const user = options.user ?? OWNER;
  const token = fake.issueToken(user);
  const gw = await startGateway({
    home: options.home,
    env: {
      DATABRICKS_HOST: options.host ?? fake.url,
      DATABRICKS_TOKEN: options.token === "none" ? undefined : token,
      APP_OWNER: options.appOwner,
    },
    headers: options.appOwner ? { "x-forwarded-email": options.appOwner } : undefined,
    overrides: { callTimeoutMs: 5_000, sync: { retry: { baseMs: 100, maxMs: 400 }, debounceMs: 30, callTimeoutMs: 5_000, ...options.sync } },
  });
  const root = `/Users/${user}/projects/`;

  const status = async (name: string) => {
    const res = await gw.api("GET", "/api/sync");
    if (res.status !== 200) throw new Error(`GET /api/sync: ${res.status}`);
    return (res.body as any[]).find((r) => r.name === name);
  };
  const untilStatus = async (name: string, predicate: (s: any) => boolean, what: string, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const current = await status(name);
      if (current && predicate(current)) return current;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(current)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    fake,
    gw,
    token,
    async paste(value) {
      const res = await gw.api("POST", "/api/token", { token: value });
      if (res.status !== 200) throw new Error(`POST /api/token: ${res.status} ${JSON.stringify(res.body)}`);
    },
    repo: (name) => TestRepo.init(gw.home, path.join(gw.gateway.config.projectsDir, name)),
    remote: (rel) => fake.workspace.get(root + rel),
    tree: (repo) =>
      [...fake.workspace.entries()]
        .filter(([p]) => p.startsWith(`${root}${repo}/`))
        .map(([p, e]) => `${p.slice(root.length + repo.length + 1)}:${e.type}`)
        .sort(),
    status,
    untilStatus,
    synced: (name, commit, timeoutMs) =>
      untilStatus(name, (s) => s.lastCommit === commit && s.pending === 0 && !s.syncing, `sync of ${commit}`, timeoutMs),
    async dispose() {
      await gw.dispose();
      if (!options.fake) await fake.close();
    },
  };
}
