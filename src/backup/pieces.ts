import { createHash } from "node:crypto";
import type { WorkspaceClient } from "@databricks/sdk-experimental";
import { deadline, statusOf } from "../databricks.js";
import { SecretRefused, secretIn, type SecretList } from "./secrets.js";

/**
 * Every stored piece is at most this many bytes: well under the workspace's 10 MB import limit even if that
 * limit applies to the base64 text (7 MiB -> 9.3 MiB of base64).
 */
export const PART_BYTES = 7 * 1024 * 1024;

/** One stored part of a blob: its workspace file name (content-addressed), size and sha256. */
export interface PartRef {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** A piece that is missing, truncated or corrupt: restore names the repository and goes on with the others. */
export class CorruptPiece extends Error {}

/**
 * The workspace could not be used right now: unreachable, timed out, 429, 5xx, or a refused token (401/403).
 * Retried later with backoff; nothing is lost meanwhile.
 */
export class WorkspaceUnavailable extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** Runs one SDK call: a transient failure becomes WorkspaceUnavailable, a 404 or another 4xx stays as it is. */
async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && status !== 401 && status !== 403 && status !== 429 && status < 500) throw error;
    const message = status === 401 || status === 403 ? `the workspace refused the token (${status}): paste a new personal access token` : `workspace unavailable${status ? ` (${status})` : ""}: ${(error as Error)?.message ?? String(error)}`;
    throw new WorkspaceUnavailable(`${what}: ${message}`.slice(0, 1000), status);
  }
}

/** How the store talks to the workspace: the owner's client, a bound per call, the gateway's abort signal. */
export interface PieceStoreOptions {
  readonly client: WorkspaceClient;
  readonly callTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly secrets: SecretList;
  /** Called with the bytes of every upload (the bench counts them). */
  readonly onUpload?: (bytes: number) => void;
}

/**
 * Content-addressed files in one workspace folder: parts named <sha256>.part, imported as RAW (never turned into
 * a notebook, whatever the bytes), read back with export and checked against their sha256 before use.
 */
export class PieceStore {
  private readonly made = new Set<string>();

  constructor(private readonly options: PieceStoreOptions) {}

  private ctx() {
    return deadline(this.options.callTimeoutMs, this.options.signal);
  }

  /** Creates a folder (and its parents) once per gateway run. */
  async mkdirs(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await call("mkdirs", () => this.options.client.workspace.mkdirs({ path: dir }, this.ctx()));
    this.made.add(dir);
  }

  /** Uploads `data` as parts under `dir`; parts already stored (`known`) are not uploaded again. */
  async put(dir: string, data: Buffer, known: ReadonlySet<string> = new Set()): Promise<PartRef[]> {
    const parts: PartRef[] = [];
    const count = Math.max(1, Math.ceil(data.length / PART_BYTES));
    for (let i = 0; i < count; i++) {
      const chunk = data.subarray(i * PART_BYTES, (i + 1) * PART_BYTES);
      const sha256 = createHash("sha256").update(chunk).digest("hex");
      const name = `${sha256}.part`;
      parts.push({ name, size: chunk.length, sha256 });
      if (!known.has(name)) await this.putFile(`${dir}/${name}`, chunk);
    }
    return parts;
  }

  /** Reads a blob back from its parts, each checked for size and sha256. */
  async get(dir: string, parts: readonly PartRef[]): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (const part of parts) {
      let content: Buffer;
      try {
        content = await this.getFile(`${dir}/${part.name}`);
      } catch (error) {
        if (statusOf(error) === 404) throw new CorruptPiece(`piece ${part.name} is missing from the workspace`);
        throw error;
      }
      if (content.length !== part.size || createHash("sha256").update(content).digest("hex") !== part.sha256) {
        throw new CorruptPiece(`piece ${part.name} is truncated or corrupt (${content.length} bytes, expected ${part.size})`);
      }
      chunks.push(content);
    }
    return Buffer.concat(chunks);
  }

  /** Writes one small file (a manifest) in place, RAW. */
  async putFile(path: string, content: Buffer): Promise<void> {
    const problem = secretIn(content, this.options.secrets);
    if (problem) throw new SecretRefused(`refused to upload ${path.split("/").pop()}: it ${problem}`);
    const request = { path, format: "RAW" as const, overwrite: true, content: content.toString("base64") };
    try {
      await call("import", () => this.options.client.workspace.import(request, this.ctx()));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      // The folder is gone (removed in the workspace): make it again once.
      const dir = path.slice(0, path.lastIndexOf("/"));
      this.made.delete(dir);
      await this.mkdirs(dir);
      await call("import", () => this.options.client.workspace.import(request, this.ctx()));
    }
    this.options.onUpload?.(content.length);
  }

  /** One file's bytes; rejects with the SDK's error (404 when missing). */
  async getFile(path: string): Promise<Buffer> {
    const reply = await call("export", () => this.options.client.workspace.export({ path, format: "AUTO" }, this.ctx()));
    if (typeof reply.content !== "string") throw new CorruptPiece(`${path.split("/").pop()}: the workspace returned no content`);
    return Buffer.from(reply.content, "base64");
  }

  /** A file's bytes, or undefined when it does not exist. */
  async getFileIfAny(path: string): Promise<Buffer | undefined> {
    try {
      return await this.getFile(path);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Names and types of a folder's children; [] when the folder does not exist. */
  async list(dir: string): Promise<{ name: string; type: string; language?: string }[]> {
    const out: { name: string; type: string; language?: string }[] = [];
    try {
      await call("list", async () => {
        for await (const object of this.options.client.workspace.list({ path: dir }, this.ctx())) {
          if (typeof object.path !== "string") continue;
          out.push({ name: object.path.slice(object.path.lastIndexOf("/") + 1), type: String(object.object_type ?? ""), language: object.language });
        }
      });
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
    return out;
  }

  /** Deletes the parts in `dir` that `keep` does not name (after a consolidation or a new WIP). */
  async prune(dir: string, keep: ReadonlySet<string>): Promise<number> {
    let deleted = 0;
    for (const entry of await this.list(dir)) {
      if (!entry.name.endsWith(".part") || keep.has(entry.name)) continue;
      try {
        await call("delete", () => this.options.client.workspace.delete({ path: `${dir}/${entry.name}`, recursive: false }, this.ctx()));
        deleted++;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    return deleted;
  }
}
