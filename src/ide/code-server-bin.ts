import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PRODUCT } from "../config.js";
import { isExecutable } from "../paths.js";

/** The pinned code-server and what it needs, from package.json's "codeServer" (the install script reads it too). */
export interface CodeServerPins {
  readonly version: string;
  readonly node: string;
  /** SHA-256 of the release archive per Node arch (x64, arm64), where known; else a published .sha256 is used. */
  readonly releaseSha256?: Readonly<Record<string, string>>;
}

/** Reads the pins from the gateway's package.json. */
export function readPins(packageRoot: string): CodeServerPins {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { codeServer?: CodeServerPins };
  if (!pkg.codeServer?.version) throw new Error("package.json has no codeServer.version");
  return { version: pkg.codeServer.version, node: pkg.codeServer.node, releaseSha256: pkg.codeServer.releaseSha256 };
}

/** Where scripts/install-code-server.sh puts the pinned version by default, for a given HOME. */
export function defaultInstallDir(home: string, version: string): string {
  return path.join(home, ".cache", PRODUCT, `code-server-${version}`);
}

/** The code-server executable to run: CODE_SERVER_BIN when set, else the default install, else `code-server` on PATH. */
export function resolveCodeServerBin(options: {
  readonly configured: string | undefined;
  readonly installDir: string;
  readonly searchPath: readonly string[];
}): string | undefined {
  if (options.configured !== undefined) return isExecutable(options.configured) ? options.configured : undefined;
  const installed = path.join(options.installDir, "bin", "code-server");
  if (isExecutable(installed)) return installed;
  for (const dir of options.searchPath) {
    const candidate = path.join(dir, "code-server");
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The version a code-server binary reports (`--version` prints log lines first, then "4.116.0 <commit> with Code ..."). */
export function readVersion(bin: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(bin, ["--version"], { timeout: 20_000, env }, (error, stdout) => {
      const match = /^(\d+\.\d+\.\d+)\s/m.exec(String(stdout));
      resolve(!error && match ? match[1] : undefined);
    });
  });
}

