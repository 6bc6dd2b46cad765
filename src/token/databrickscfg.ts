import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

/** The profile every Databricks CLI and SDK in a terminal uses when none is named. */
const DEFAULT_SECTION = "DEFAULT";
const SECTION = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/;

/**
 * Returns `text` (a ~/.databrickscfg) with its DEFAULT profile replaced by `host` and, when given, `token`;
 * every other profile and comment is kept as it was. Keys before the first section header belong to
 * DEFAULT in the Go CLI's INI reader, so they are replaced too.
 */
export function withDefaultProfile(text: string, host: string, token: string | undefined): string {
  const kept: string[] = [];
  let inDefault = true; // the preamble before any header
  for (const line of text.split(/\r?\n/)) {
    const header = SECTION.exec(line);
    if (header) inDefault = header[1]!.trim() === DEFAULT_SECTION;
    if (inDefault && !isComment(line)) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === "") kept.pop();
  while (kept.length > 0 && kept[0]!.trim() === "") kept.shift();
  for (const value of [host, token]) {
    // One line per value: a newline would let a value write keys of its own.
    if (value !== undefined && /[\r\n]/.test(value)) throw new Error("a ~/.databrickscfg value must be one line");
  }
  const profile = [`[${DEFAULT_SECTION}]`, `host  = ${host}`, ...(token !== undefined ? [`token = ${token}`] : [])];
  return [...profile, ...(kept.length > 0 ? ["", ...kept] : []), ""].join("\n");
}

function isComment(line: string): boolean {
  return /^\s*[;#]/.test(line);
}

/** Which file to keep in step, and the workspace host its DEFAULT profile names. */
export interface ProfileWriterOptions {
  /** Usually ~/.databrickscfg. */
  readonly file: string;
  readonly host: string;
}

/** Keeps the DEFAULT profile of one ~/.databrickscfg in step with the live token. */
export interface ProfileWriter {
  /** Rewrites the DEFAULT profile with `token` (or without a token), atomically and with mode 0600. */
  write(token: string | undefined): Promise<void>;
}

/** A ProfileWriter for a real file; writes happen one at a time, in the order asked. */
export function createProfileWriter({ file, host }: ProfileWriterOptions): ProfileWriter {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    write(token) {
      const next = queue.then(() => writeProfile(file, host, token));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

async function writeProfile(file: string, host: string, token: string | undefined): Promise<void> {
  let current = "";
  try {
    current = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const text = withDefaultProfile(current, host, token);
  await mkdir(path.dirname(file), { recursive: true });
  // Written beside the file and renamed over it: a reader sees the old file or the new one, never half.
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600); // exactly 0600, whatever the umask
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
