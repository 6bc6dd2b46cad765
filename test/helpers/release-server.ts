import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { releaseArchiveName } from "../../src/ide/release-archive.js";
import { codeServerBin, pinnedVersion } from "./code-server.js";

const run = promisify(execFile);

/**
 * An archive in code-server's release layout (code-server-<v>-linux-<arch>/{bin/code-server, lib/node,
 * lib/vscode, out, node_modules, package.json}) made from the installed code-server: its own files where small,
 * symlinks to the installed ones for lib/node, lib/vscode and node_modules (hundreds of MB), so it is built in a
 * moment and still runs. bin/code-server is the release's launcher: lib/node runs the package folder.
 */
export async function buildReleaseArchive(dir: string): Promise<{ file: string; name: string; sha256: string }> {
  const version = pinnedVersion();
  const name = releaseArchiveName(version)!;
  const wrapper = readFileSync(codeServerBin(), "utf8");
  const [, node, entry] = /exec "([^"]+)" "([^"]+)"/.exec(wrapper) ?? [];
  if (!node || !entry) throw new Error(`unexpected code-server wrapper: ${wrapper}`);
  const pkg = path.dirname(path.dirname(path.dirname(entry))); // .../node_modules/code-server
  const top = name.replace(/\.tar\.gz$/, "");
  const root = path.join(dir, "stage", top);
  mkdirSync(path.join(root, "bin"), { recursive: true });
  mkdirSync(path.join(root, "lib"));
  writeFileSync(
    path.join(root, "bin", "code-server"),
    '#!/usr/bin/env sh\nset -eu\nROOT="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"\nexec "$ROOT/lib/node" "$ROOT" "$@"\n',
    { mode: 0o755 },
  );
  symlinkSync(realpathSync(node), path.join(root, "lib", "node"));
  symlinkSync(path.join(pkg, "lib", "vscode"), path.join(root, "lib", "vscode"));
  symlinkSync(path.dirname(pkg), path.join(root, "node_modules"));
  cpSync(path.join(pkg, "out"), path.join(root, "out"), { recursive: true });
  cpSync(path.join(pkg, "package.json"), path.join(root, "package.json"));
  const file = path.join(dir, name);
  await run("tar", ["-czf", file, "-C", path.join(dir, "stage"), top]);
  return { file, name, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") };
}

/** How the fake release server answers the archive. */
export type ReleaseMode = "ok" | "slow" | "truncated" | "404" | "hang" | "stall";

/** A local stand-in for code-server's release downloads: <url>/v<version>/<name> and <name>.sha256. */
export interface ReleaseServer {
  readonly url: string;
  mode: ReleaseMode;
  /** What <name>.sha256 holds; undefined answers 404 (no checksum published). */
  checksum: string | undefined;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startReleaseServer(archive: { file: string; name: string }): Promise<ReleaseServer> {
  const bytes = readFileSync(archive.file);
  const base = `/v${pinnedVersion()}/${archive.name}`;
  const held = new Set<http.ServerResponse>();
  const state = { mode: "ok" as ReleaseMode, checksum: undefined as string | undefined, requests: [] as string[] };
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? "");
    if (req.url === `${base}.sha256`) {
      if (state.checksum === undefined) res.writeHead(404).end("Not Found");
      else res.writeHead(200, { "content-type": "text/plain" }).end(`${state.checksum}  ${archive.name}\n`);
      return;
    }
    if (req.url !== base || state.mode === "404") {
      res.writeHead(404).end("Not Found");
      return;
    }
    held.add(res);
    res.once("close", () => held.delete(res));
    if (state.mode === "hang") return; // accepts, never answers
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(bytes.length) });
    if (state.mode === "ok") res.end(bytes);
    else if (state.mode === "truncated") {
      // Half the promised bytes, then the connection ends.
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
    } else if (state.mode === "stall") res.write(bytes.subarray(0, bytes.length >> 2)); // then silence
    else {
      // "slow": 20 pieces 100 ms apart, so a poll sees the bytes come in.
      const piece = Math.ceil(bytes.length / 20);
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        res.write(bytes.subarray(at, at + piece));
        at += piece;
        if (at < bytes.length) setTimeout(next, 100);
        else res.end();
      };
      next();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(value) {
      state.mode = value;
    },
    get checksum() {
      return state.checksum;
    },
    set checksum(value) {
      state.checksum = value;
    },
    requests: state.requests,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
