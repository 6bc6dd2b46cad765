import { readFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import { writeFileAtomic } from "../atomic-file.js";
import { homeManifestSchema, type HomeManifest } from "./home-backup.js";
import { repoManifestSchema, type RepoManifest } from "./manifest.js";

const fileSchema = z.object({
  v: z.literal(1),
  /** The manifests this gateway last wrote (or restored): the next save adds to their chains. */
  repos: z.record(z.string(), repoManifestSchema),
  home: homeManifestSchema.nullable(),
  /** True once HOME's part was restored (or found absent): a later start does not put files back again. */
  homeRestored: z.boolean(),
});

/**
 * <stateDir>/backup/state.json. Losing it (a fresh container) is safe: every repository then starts a new chain
 * with a full bundle, and HOME's part is restored once more, without overwriting any local file.
 */
export class BackupState {
  repos = new Map<string, RepoManifest>();
  home: HomeManifest | null = null;
  homeRestored = false;
  private readonly file: string;

  constructor(stateDir: string, private readonly logger: Logger) {
    this.file = path.join(stateDir, "backup", "state.json");
  }

  load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return;
    }
    const parsed = fileSchema.safeParse((() => { try { return JSON.parse(text); } catch { return undefined; } })());
    if (!parsed.success) {
      this.logger.warn("invalid backup state ignored: every repository starts a new chain");
      return;
    }
    this.repos = new Map(Object.entries(parsed.data.repos));
    this.home = parsed.data.home;
    this.homeRestored = parsed.data.homeRestored;
  }

  save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify({ v: 1, repos: Object.fromEntries(this.repos), home: this.home, homeRestored: this.homeRestored }));
    } catch (error) {
      this.logger.error({ err: error }, "cannot save the backup state");
    }
  }
}
