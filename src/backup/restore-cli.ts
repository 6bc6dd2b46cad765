/**
 * Restores one repository from the workspace by hand, without the gateway:
 *   DATABRICKS_HOST=... DATABRICKS_TOKEN=... node dist/src/backup/restore-cli.js <repo> <folder> [--bare]
 * <folder> must be absent or empty. --bare makes a bare copy (history only) to `git fetch` from. Exit 0 when
 * restored, 1 with the reason on stderr otherwise. The token is read from the environment, never printed.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { userClient } from "../databricks.js";
import { NO_USER_NAME, readMe } from "../token/token-api.js";
import { backupRoot, parseRepoManifest, repoKey } from "./manifest.js";
import { PieceStore } from "./pieces.js";
import { isVacant, restoreRepository } from "./restore-repo.js";

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { bare: { type: "boolean", default: false } } });
  const [name, folder] = positionals;
  const host = process.env.DATABRICKS_HOST;
  const token = process.env.DATABRICKS_TOKEN;
  if (!name || !folder || !host || !token) {
    process.stderr.write("usage: DATABRICKS_HOST=... DATABRICKS_TOKEN=... restore-cli <repo> <folder> [--bare]\n");
    return 2;
  }
  const target = path.resolve(folder);
  if (!isVacant(target)) {
    process.stderr.write(`${target} exists and is not empty: choose another folder\n`);
    return 1;
  }
  const client = userClient(host.includes("://") ? host : `https://${host}`, token);
  const store = new PieceStore({ client, callTimeoutMs: 120_000, signal: new AbortController().signal, secrets: () => [token] });
  // No deadline, as before: a person runs this and can press Ctrl-C.
  const me = await readMe(client);
  if (!me) throw new Error(NO_USER_NAME);
  const dir = `${backupRoot(me.userName)}/repos/${repoKey(name)}`;
  const manifest = parseRepoManifest(await store.getFile(`${dir}/manifest.json`));
  const git = { HOME: process.env.HOME, PATH: process.env.PATH, LANG: "C.UTF-8" };
  await restoreRepository({
    git, manifest, store, dir, target, bare: values.bare,
    workDir: path.join(path.dirname(target), `.${path.basename(target)}.restoring`),
    progress: (step, steps, what) => process.stderr.write(`${name}: ${what} ${step}/${steps}\n`),
  });
  process.stdout.write(`${name} restored into ${target}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`restore failed: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  },
);
