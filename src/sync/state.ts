import { readFileSync, renameSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import { writeFileAtomic } from "../atomic-file.js";

/** A file the last sync left out, and why (over the import limit, refused by the workspace). */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** What the gateway remembers of one repository between syncs and restarts. */
export interface RepoState {
  /** The repository's top-level directory. */
  readonly dir: string;
  readonly lastCommit: string | null;
  readonly lastSyncedAt: string | null;
  readonly lastError: string | null;
  readonly skipped: readonly SkippedFile[];
  /**
   * Files the workspace stores under another name (AUTO import turns notebooks into extension-less objects):
   * repository path -> path relative to the repository's workspace folder.
   */
  readonly remoteNames: Readonly<Record<string, string>>;
}

const repoSchema = z.object({
  dir: z.string().min(1).max(4096),
  lastCommit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/).nullable(),
  lastSyncedAt: z.string().max(64).nullable(),
  lastError: z.string().max(4096).nullable(),
  skipped: z.array(z.object({ path: z.string().max(4096), reason: z.string().max(1024) })).max(10_000),
  remoteNames: z.record(z.string().max(4096), z.string().max(4096)),
});
const fileSchema = z.object({ v: z.literal(1), repos: z.record(z.string().max(4096), repoSchema) });

/**
 * Per-repository sync state in <stateDir>/sync/state.json, written atomically after each change. An unreadable
 * file is set aside (state.json.bad-<time>) and the gateway starts afresh: every repository is then uploaded
 * whole on its next sync, which loses nothing.
 */
export class SyncStateStore {
  private readonly file: string;
  private readonly logger: Logger;
  private readonly repos = new Map<string, RepoState>();

  constructor(options: { stateDir: string; logger: Logger }) {
    this.file = path.join(options.stateDir, "sync", "state.json");
    this.logger = options.logger;
  }

  /** Reads the file; call once before use. */
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.logger.error({ err: error }, "cannot read the sync state");
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    const result = fileSchema.safeParse(data);
    if (!result.success) {
      const aside = `${this.file}.bad-${Date.now()}`;
      try {
        renameSync(this.file, aside);
      } catch {
        // Best effort: the next save replaces it anyway.
      }
      this.logger.warn({ file: aside }, "invalid sync state set aside; repositories will be uploaded whole");
      return;
    }
    for (const [name, repo] of Object.entries(result.data.repos)) this.repos.set(name, repo);
  }

  get(name: string): RepoState | undefined {
    return this.repos.get(name);
  }

  names(): string[] {
    return [...this.repos.keys()].sort();
  }

  /** Merges `patch` into the repository's state and saves the file. */
  update(name: string, dir: string, patch: Partial<Omit<RepoState, "dir">>): RepoState {
    const previous = this.repos.get(name) ?? { dir, lastCommit: null, lastSyncedAt: null, lastError: null, skipped: [], remoteNames: {} };
    const next = { ...previous, ...patch, dir };
    this.repos.set(name, next);
    this.save();
    return next;
  }

  private save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify({ v: 1, repos: Object.fromEntries(this.repos) }));
    } catch (error) {
      // The spool still holds the commit: a lost state write costs a re-upload, never a commit.
      this.logger.error({ err: error }, "cannot save the sync state");
    }
  }
}
