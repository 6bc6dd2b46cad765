import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

/** Output of a whole-tree listing or a diff can be large in big repositories; git's own output, never a file's. */
const MAX_GIT_OUTPUT_BYTES = 256 * 1024 * 1024;
/** A git plumbing command that takes longer than this is stuck (a lock, a dying disk). */
const GIT_TIMEOUT_MS = 120_000;

/** How git commands of the sync run: which git, and the environment (HOME, PATH; nothing of the gateway's own). */
export interface GitEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A regular file of a commit's tree. */
export interface TreeFile {
  readonly path: string;
  readonly sha: string;
}

/** One change between two commits, from `git diff-tree --raw -M`. */
export interface TreeChange {
  readonly status: "A" | "M" | "D" | "T" | "R";
  /** The path before (renames, deletions) or the path itself. */
  readonly oldPath: string;
  readonly newPath: string;
  readonly oldMode: string;
  readonly newMode: string;
  readonly newSha: string;
}

/** Regular files only: symlinks (120000) and submodules (160000) have no place in the workspace. */
export function isRegularFile(mode: string): boolean {
  return mode === "100644" || mode === "100755";
}

/** Runs git in `cwd` and resolves with its stdout; rejects with git's stderr on failure. */
export function git(options: GitEnv, cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, env: options.env, maxBuffer: MAX_GIT_OUTPUT_BYTES, timeout: GIT_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args[0]}: ${String(stderr).trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** True when `rev` names a commit present in the repository. */
export async function hasCommit(options: GitEnv, cwd: string, rev: string): Promise<boolean> {
  try {
    await git(options, cwd, ["cat-file", "-e", `${rev}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/** Every regular file tracked at `commit`. */
export async function listTree(options: GitEnv, cwd: string, commit: string): Promise<TreeFile[]> {
  const out = await git(options, cwd, ["ls-tree", "-r", "-z", "--full-tree", commit]);
  const files: TreeFile[] = [];
  for (const record of out.split("\0")) {
    if (!record) continue;
    // <mode> SP <type> SP <object> TAB <path>
    const tab = record.indexOf("\t");
    const [mode, , sha] = record.slice(0, tab).split(" ");
    if (tab > 0 && mode && sha && isRegularFile(mode)) files.push({ path: record.slice(tab + 1), sha });
  }
  return files;
}

/** Every directory of `commit`'s tree, as repository-relative paths. */
export async function listDirectories(options: GitEnv, cwd: string, commit: string): Promise<Set<string>> {
  const out = await git(options, cwd, ["ls-tree", "-r", "-d", "-z", "--name-only", "--full-tree", commit]);
  return new Set(out.split("\0").filter(Boolean));
}

/** The changes from `from` to `to`, renames detected. */
export async function diffTrees(options: GitEnv, cwd: string, from: string, to: string): Promise<TreeChange[]> {
  const out = await git(options, cwd, ["diff-tree", "-r", "-z", "-M", "--raw", "--no-commit-id", from, to]);
  const fields = out.split("\0");
  const changes: TreeChange[] = [];
  for (let i = 0; i < fields.length; i++) {
    const meta = fields[i];
    if (!meta?.startsWith(":")) continue;
    // :<old mode> <new mode> <old sha> <new sha> <status>[score]
    const [oldMode = "", newMode = "", , newSha = "", statusField = ""] = meta.slice(1).split(" ");
    const status = statusField[0];
    const first = fields[++i] ?? "";
    if (status === "R") {
      changes.push({ status, oldPath: first, newPath: fields[++i] ?? "", oldMode, newMode, newSha });
    } else if (status === "A" || status === "M" || status === "D" || status === "T") {
      changes.push({ status, oldPath: first, newPath: first, oldMode, newMode, newSha });
    }
  }
  return changes;
}

/** A blob read through `git cat-file --batch`: its size, and its content unless it was over the limit. */
export interface Blob {
  readonly size: number;
  readonly content: Buffer | undefined;
}

interface PendingRead {
  readonly resolve: (blob: Blob) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One long-lived `git cat-file --batch` per sync: reading 200 files costs one process, not 200. Requests are
 * answered in order; contents over `maxBytes` are streamed past without being kept.
 */
export class BlobReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: PendingRead[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private body: { size: number; keep: boolean; chunks: Buffer[]; seen: number } | undefined;
  private failure: Error | undefined;
  private readonly maxBytes: number;

  constructor(options: GitEnv & { cwd: string; maxBytes: number }) {
    this.maxBytes = options.maxBytes;
    this.child = spawn("git", ["cat-file", "--batch"], { cwd: options.cwd, env: options.env, stdio: "pipe" });
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stdin.on("error", () => {}); // reported through "close" below
    this.child.on("error", (error) => this.fail(error));
    this.child.on("close", () => this.fail(new Error("git cat-file ended")));
  }

  /** The blob named by `sha`. */
  read(sha: string): Promise<Blob> {
    if (this.failure) return Promise.reject(this.failure);
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return Promise.reject(new Error(`not an object name: ${sha}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${sha}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    if (this.child.exitCode === null) this.child.kill();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (!this.body) {
        const newline = this.buffer.indexOf(10);
        if (newline < 0) return;
        const header = this.buffer.subarray(0, newline).toString("utf8");
        this.buffer = this.buffer.subarray(newline + 1);
        const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
        if (!match) {
          this.pending.shift()?.reject(new Error(`git cat-file: ${header}`));
          continue;
        }
        const size = Number(match[2]);
        this.body = { size, keep: match[1] === "blob" && size <= this.maxBytes, chunks: [], seen: 0 };
      }
      const body = this.body;
      // The content, then one newline.
      const wanted = body.size + 1 - body.seen;
      const take = this.buffer.subarray(0, Math.min(wanted, this.buffer.length));
      if (body.keep) body.chunks.push(take);
      body.seen += take.length;
      this.buffer = this.buffer.subarray(take.length);
      if (body.seen < body.size + 1) return;
      this.body = undefined;
      const content = body.keep ? Buffer.concat(body.chunks).subarray(0, body.size) : undefined;
      this.pending.shift()?.resolve({ size: body.size, content });
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.splice(0)) waiter.reject(this.failure);
  }
}
