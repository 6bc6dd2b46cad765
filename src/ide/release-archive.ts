import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import path from "node:path";
import { isExecutable } from "../paths.js";

/** code-server's GitHub release downloads: <base>/v<version>/code-server-<version>-linux-<arch>.tar.gz. */
export const DEFAULT_RELEASE_BASE_URL = "https://github.com/coder/code-server/releases/download";

/** What the page shows while the archive comes in: bytes, then unpacking. */
export interface ReleaseProgress {
  readonly phase: "download" | "verify" | "unpack";
  readonly bytes: number;
  /** From Content-Length; null when the server sent none. */
  readonly totalBytes: number | null;
}

export interface ReleaseInstallOptions {
  readonly version: string;
  readonly baseUrl: string;
  /** The install folder (the default cache dir); DIR/bin/code-server is what the gateway runs. */
  readonly dir: string;
  /** A SHA-256 (hex) the archive must have; without it, a "<archive>.sha256" published beside it, if any. */
  readonly sha256?: string;
  /** No byte for this long ends the download (a server that hangs). Default 30 s. */
  readonly stallMs?: number;
  readonly onProgress: (progress: ReleaseProgress) => void;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** The environment for `tar` and the version check. */
  readonly env: NodeJS.ProcessEnv;
}

/** The archive's name for this machine; undefined where code-server publishes none (only Linux x64 and arm64 here). */
export function releaseArchiveName(version: string, arch: string = process.arch, platform: string = process.platform): string | undefined {
  const name = platform === "linux" ? ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[arch] : undefined;
  return name ? `code-server-${version}-linux-${name}.tar.gz` : undefined;
}

/** True when DIR holds a complete install of `version` (the marker the install script writes too). */
export function isInstalled(dir: string, version: string): boolean {
  try {
    return readFileSync(path.join(dir, ".installed"), "utf8").trim() === version && isExecutable(path.join(dir, "bin", "code-server"));
  } catch {
    return false;
  }
}

/**
 * Downloads code-server's standalone release archive (its own Node and prebuilt native modules: no toolchain),
 * checks its size against Content-Length and its SHA-256 where one is known, unpacks it beside DIR and renames it
 * into place, so an interrupted install is never mistaken for a complete one. Throws an Error saying what failed.
 */
export async function installRelease(options: ReleaseInstallOptions): Promise<void> {
  const name = releaseArchiveName(options.version);
  if (!name) throw new Error(`code-server publishes no release archive for ${process.platform}-${process.arch}`);
  const url = `${options.baseUrl.replace(/\/+$/, "")}/v${options.version}/${name}`;
  mkdirSync(path.dirname(options.dir), { recursive: true });
  const staging = await mkdtemp(`${options.dir}.partial-`);
  try {
    const expected = options.sha256?.toLowerCase() ?? (await publishedChecksum(`${url}.sha256`, options));
    options.log(`==> downloading ${url}${expected ? "" : " (no checksum published: checking its size only)"}`);
    const archive = path.join(staging, name);
    const actual = await download(url, archive, options);
    if (expected) {
      options.onProgress({ phase: "verify", bytes: 0, totalBytes: null });
      if (actual !== expected) throw new Error(`the archive's SHA-256 is ${actual}, expected ${expected}`);
      options.log("==> checksum ok (SHA-256)");
    }
    options.onProgress({ phase: "unpack", bytes: 0, totalBytes: null });
    options.log("==> unpacking");
    const unpacked = path.join(staging, "code-server");
    mkdirSync(unpacked);
    await run("tar", ["-xzf", archive, "-C", unpacked, "--strip-components=1", "--no-same-owner"], options);
    rmSync(archive);
    const bin = path.join(unpacked, "bin", "code-server");
    if (!isExecutable(bin) || !existsSync(path.join(unpacked, "lib", "node"))) {
      throw new Error("the archive is not in code-server's release layout (no bin/code-server and lib/node)");
    }
    await checkVersion(bin, staging, options);
    writeFileSync(path.join(unpacked, ".installed"), `${options.version}\n`);
    rmSync(options.dir, { recursive: true, force: true });
    renameSync(unpacked, options.dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The hex digest from "<archive>.sha256" ("<hex>  <name>" or just the hex); undefined when there is none (404). */
async function publishedChecksum(url: string, options: ReleaseInstallOptions): Promise<string | undefined> {
  const res = await request(url, options);
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const text = (await withStall(res.text(), options, `reading ${url}`)).trim();
  const hex = /^([0-9a-fA-F]{64})\b/.exec(text)?.[1];
  if (!hex) throw new Error(`${url} holds no SHA-256`);
  return hex.toLowerCase();
}

/** Streams the archive to `file`, reporting bytes; resolves with its SHA-256 (hex). */
async function download(url: string, file: string, options: ReleaseInstallOptions): Promise<string> {
  const res = await request(url, options);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const header = res.headers.get("content-length");
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const hash = createHash("sha256");
  const out = createWriteStream(file);
  let bytes = 0;
  let reportedAt = 0;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const what = `downloading ${url} (${bytes} bytes in)`;
      const { done, value } = await withStall(reader.read(), options, what, () => void reader.cancel().catch(() => undefined)).catch(
        (error: Error) => {
          if (error.message.startsWith("no answer")) throw error;
          throw new Error(`the download was cut short: ${bytes} of ${total ?? "?"} bytes (${error.message})`);
        },
      );
      if (done) break;
      bytes += value.length;
      hash.update(value);
      if (!out.write(value)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      // A few reports a second are enough for the page, which polls.
      if (Date.now() - reportedAt >= 100) {
        reportedAt = Date.now();
        options.onProgress({ phase: "download", bytes, totalBytes: total });
      }
    }
  } finally {
    await new Promise<void>((resolve) => out.end(() => resolve()));
  }
  options.onProgress({ phase: "download", bytes, totalBytes: total });
  if (total !== null && bytes !== total) throw new Error(`the download was cut short: ${bytes} of ${total} bytes`);
  return hash.digest("hex");
}

function request(url: string, options: ReleaseInstallOptions): Promise<Response> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener("abort", abort, { once: true });
  return withStall(fetch(url, { signal: controller.signal, redirect: "follow" }), options, `connecting to ${url}`, abort).catch((error: Error) => {
    throw new Error(error.message.startsWith("no answer") ? error.message : `GET ${url}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
  });
}

/** Rejects when `promise` takes longer than the stall limit (and calls `onStall` to cancel what it waits for). */
function withStall<T>(promise: Promise<T>, options: ReleaseInstallOptions, what: string, onStall?: () => void): Promise<T> {
  const stallMs = options.stallMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected first: cancelling settles what it waits for at once, which would otherwise win the race.
      reject(new Error(`no answer for ${stallMs / 1000} s while ${what}`));
      onStall?.();
    }, stallMs);
  });
  return Promise.race([promise, stalled]).finally(() => clearTimeout(timer));
}

/** `bin --version` must name the pinned version (its config file goes to a scratch folder, not the user's). */
async function checkVersion(bin: string, staging: string, options: ReleaseInstallOptions): Promise<void> {
  const scratch = path.join(staging, "scratch");
  mkdirSync(scratch);
  const stdout = await run(bin, ["--version"], { ...options, env: { ...options.env, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch } });
  const reported = /^(\d+\.\d+\.\d+)\s/m.exec(stdout)?.[1];
  if (reported !== options.version) throw new Error(`the unpacked code-server reports version ${reported ?? "(none)"}, expected ${options.version}`);
  options.log(`==> checking: code-server ${reported}`);
}

function run(file: string, args: string[], options: Pick<ReleaseInstallOptions, "env" | "signal">): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: options.env, signal: options.signal, timeout: 300_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args[0]}: ${String(stderr).trim().split("\n").pop() || error.message}`));
      else resolve(String(stdout));
    });
  });
}
