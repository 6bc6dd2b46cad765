import { mkdirSync } from "node:fs";
import { lstat, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { z } from "zod";

/** What the hook writes (hooks/_spool): one commit of one repository. */
export interface SpoolEntry {
  /** The file name; names sort by the time the hook ran. */
  readonly name: string;
  /** The repository's top-level directory, as git printed it. */
  readonly repo: string;
  readonly commit: string;
}

/** A spool file is a line of JSON; anything bigger is not the hook's. */
const MAX_SPOOL_BYTES = 8 * 1024;
/** A temporary file older than this belongs to a hook that died between write and rename. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const NAME = /^\d{1,20}-\d{1,10}-\d{1,5}\.json$/;

const entrySchema = z.strictObject({
  v: z.literal(1),
  repo: z
    .string()
    .min(2)
    .max(4096)
    .refine((p) => path.isAbsolute(p) && !/[\0-\x1f]/.test(p), "an absolute path without control characters"),
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "a full commit id"),
});

/**
 * The durable queue: spool files written by the git hook under <stateDir>/sync/spool. A file stays until the
 * commit it names (or a newer one of the same repository) has reached the workspace, so nothing is lost when
 * the gateway is down, restarts or cannot reach the workspace. Garbage is moved to <stateDir>/sync/quarantine.
 */
export class Spool {
  readonly dir: string;
  readonly quarantineDir: string;
  private readonly logger: Logger;

  constructor(options: { stateDir: string; logger: Logger }) {
    this.dir = path.join(options.stateDir, "sync", "spool");
    this.quarantineDir = path.join(options.stateDir, "sync", "quarantine");
    this.logger = options.logger;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Every valid entry, oldest first; invalid files are quarantined and logged, stale temporaries removed. */
  async scan(): Promise<SpoolEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      this.logger.error({ err: error, dir: this.dir }, "cannot read the sync spool");
      return [];
    }
    const entries: SpoolEntry[] = [];
    for (const name of names.sort(byTime)) {
      if (name.startsWith(".")) {
        await this.removeIfStale(name);
        continue;
      }
      const problem = NAME.test(name) ? await this.read(name, entries) : "unexpected file name";
      if (problem) await this.quarantine(name, problem);
    }
    return entries;
  }

  /** Queues a commit as the hook does (the gateway's own catch-up at start). */
  async add(repo: string, commit: string): Promise<void> {
    const name = `${BigInt(Date.now()) * 1000n}-${process.pid}-${Math.floor(Math.random() * 32768)}.json`;
    const temp = path.join(this.dir, `.${name}.tmp`);
    await writeFile(temp, JSON.stringify({ v: 1, repo, commit }) + "\n", { mode: 0o600 });
    await rename(temp, path.join(this.dir, name));
  }

  /** Deletes entries whose commits are synced (or that can never be). */
  async remove(entries: readonly SpoolEntry[]): Promise<void> {
    for (const entry of entries) {
      await unlink(path.join(this.dir, entry.name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") this.logger.warn({ err: error, file: entry.name }, "cannot remove a spool file");
      });
    }
  }

  /** Reads one file into `entries`; returns what is wrong with it, if anything. */
  private async read(name: string, entries: SpoolEntry[]): Promise<string | undefined> {
    const file = path.join(this.dir, name);
    try {
      // lstat: the hook writes plain files; a link (dangling ones included, which stat reports as missing
      // and would leave in the spool forever) or a pipe is garbage, never followed.
      const info = await lstat(file);
      if (!info.isFile()) return "not a regular file";
      if (info.size > MAX_SPOOL_BYTES) return `larger than ${MAX_SPOOL_BYTES} bytes`;
      let data: unknown;
      try {
        data = JSON.parse(await readFile(file, "utf8"));
      } catch {
        return "not JSON";
      }
      const result = entrySchema.safeParse(data);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        return `${issue.path.join(".") || "(top level)"}: ${issue.message}`;
      }
      entries.push({ name, repo: result.data.repo, commit: result.data.commit });
      return undefined;
    } catch (error) {
      // Removed between readdir and read (another scan finished with it): not garbage.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      return (error as Error).message;
    }
  }

  private async quarantine(name: string, problem: string): Promise<void> {
    try {
      mkdirSync(this.quarantineDir, { recursive: true, mode: 0o700 });
      await rename(path.join(this.dir, name), path.join(this.quarantineDir, `${Date.now()}-${name}`));
      this.logger.warn({ file: name, problem, quarantine: this.quarantineDir }, "invalid sync spool file quarantined");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      this.logger.error({ err: error, file: name }, "cannot quarantine an invalid spool file");
      await unlink(path.join(this.dir, name)).catch(() => {});
    }
  }

  private async removeIfStale(name: string): Promise<void> {
    const file = path.join(this.dir, name);
    try {
      if (Date.now() - (await lstat(file)).mtimeMs > STALE_TEMP_MS) await unlink(file);
    } catch {
      // Renamed or removed meanwhile.
    }
  }
}

/** Orders spool names by the hook's timestamp (numerically: the numbers may grow a digit). */
function byTime(a: string, b: string): number {
  const ta = BigInt(/^\d+/.exec(a)?.[0] ?? "0");
  const tb = BigInt(/^\d+/.exec(b)?.[0] ?? "0");
  return ta < tb ? -1 : ta > tb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
