import { createHash, randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { writeFileAtomic } from "../atomic-file.js";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { itemFor, NEVER_SAVED, type HomeItem } from "./home-items.js";

/** A file of HOME the backup found. */
export interface HomeFile {
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly item: HomeItem;
}

/** Every regular file the list names (symlinks are never followed), newest first. */
export function collectHome(home: string, items: readonly HomeItem[]): HomeFile[] {
  const found: HomeFile[] = [];
  const visit = (rel: string, item: HomeItem, depth: number): void => {
    const stat = lstatSync(path.join(home, rel), { throwIfNoEntry: false });
    if (!stat || depth > 32) return;
    if (stat.isDirectory() && item.kind === "tree") {
      let names: string[] = [];
      try {
        names = readdirSync(path.join(home, rel));
      } catch {
        return;
      }
      for (const name of names) visit(`${rel}/${name}`, item, depth + 1);
    } else if (stat.isFile() && itemFor([item], rel) && !NEVER_SAVED.includes(rel)) {
      found.push({ rel, size: stat.size, mtimeMs: stat.mtimeMs, item });
    }
  };
  for (const item of items) visit(item.path, item, 0);
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs || a.rel.localeCompare(b.rel));
}

/** A JSON file as saved: `drop` keys ("a.b") removed. Unparsable JSON is saved as it is. */
export function sanitize(content: Buffer, item: HomeItem): Buffer {
  if (item.merge !== "json" || !item.drop?.length) return content;
  let json: unknown;
  try {
    json = JSON.parse(content.toString("utf8"));
  } catch {
    return content;
  }
  for (const key of item.drop) {
    const parts = key.split(".");
    let node: any = json;
    for (const part of parts.slice(0, -1)) node = node && typeof node === "object" ? node[part] : undefined;
    if (node && typeof node === "object") delete node[parts.at(-1)!];
  }
  return Buffer.from(JSON.stringify(json, null, 2) + "\n");
}

/** Writes a git blob into a (bare) repository's object folder as git would; returns its id. */
export function writeBlob(objectsDir: string, content: Buffer): string {
  const store = Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]);
  const id = createHash("sha1").update(store).digest("hex");
  const file = path.join(objectsDir, id.slice(0, 2), id.slice(2));
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temp, deflateSync(store));
    renameSync(temp, file);
  }
  return id;
}

/** What putting one stored file back did. */
export type PutOutcome = "restored" | "merged" | "kept" | "refused";

/**
 * Writes a stored file under HOME: never through a symlink or outside HOME, never over a local file (a JSON file
 * of `merge: "json"` gains the stored keys it lacks instead), atomically with mode 0600.
 */
export function putHomeFile(home: string, rel: string, item: HomeItem, content: Buffer): PutOutcome {
  const parts = rel.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..") || path.isAbsolute(rel)) return "refused";
  let dir = home;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const stat = lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) mkdirSync(dir, { mode: 0o700 });
    else if (!stat.isDirectory()) return "refused"; // a symlink or a file in the way
  }
  const target = path.join(home, rel);
  const existing = lstatSync(target, { throwIfNoEntry: false });
  let data = content;
  if (existing) {
    if (!existing.isFile() || item.merge !== "json") return "kept";
    try {
      const local = JSON.parse(readFileSync(target, "utf8"));
      const merged = fillIn(local, JSON.parse(content.toString("utf8")));
      if (JSON.stringify(merged) === JSON.stringify(local)) return "kept";
      data = Buffer.from(JSON.stringify(merged, null, 2) + "\n");
    } catch {
      return "kept";
    }
  }
  writeFileAtomic(target, data);
  return existing ? "merged" : "restored";
}

/** `local` with every key of `stored` it lacks, recursively into plain objects; local values win. */
function fillIn(local: unknown, stored: unknown): unknown {
  if (!isObject(local) || !isObject(stored)) return local;
  const out: Record<string, unknown> = { ...local };
  for (const [key, value] of Object.entries(stored)) {
    if (key === "__proto__") continue;
    out[key] = key in local ? fillIn(local[key], value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
