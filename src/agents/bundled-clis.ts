import { readFileSync } from "node:fs";
import path from "node:path";
import { isExecutable } from "../paths.js";

/** A CLI installed with the gateway (an optional dependency): where its executable is and which version. */
export interface BundledCli {
  readonly path: string;
  readonly version: string | undefined;
}

/** Where each built-in agent's executable may be under node_modules, with the package that names its version. */
const CANDIDATES: Readonly<Record<string, readonly { bin: string; pkg: string }[]>> = {
  claude: [
    // claude-code's wrapper declares engines node >= 22, so npm skips it on Node 20, and on Node 22 its bin is
    // only real once its install script ran; its native binary (pinned as an optional dependency too,
    // installed on the matching platform only) runs either way, so it comes first.
    { bin: `@anthropic-ai/claude-code-linux-${process.arch}/claude`, pkg: `@anthropic-ai/claude-code-linux-${process.arch}` },
    { bin: ".bin/claude", pkg: "@anthropic-ai/claude-code" },
  ],
  codex: [{ bin: ".bin/codex", pkg: "@openai/codex" }],
  gemini: [{ bin: ".bin/gemini", pkg: "@google/gemini-cli" }],
  // The native binaries first: the wrappers only find them (or copy them in place) in install scripts.
  opencode: [
    { bin: `opencode-linux-${process.arch}/bin/opencode`, pkg: `opencode-linux-${process.arch}` },
    { bin: ".bin/opencode", pkg: "opencode-ai" },
  ],
  // Pi moved to @earendil-works (Node >= 22.19, so npm skips it on Node 20); the last @mariozechner release runs on 20.
  pi: [
    { bin: "@earendil-works/pi-coding-agent/dist/bundle/cli.js", pkg: "@earendil-works/pi-coding-agent" },
    { bin: "@mariozechner/pi-coding-agent/dist/cli.js", pkg: "@mariozechner/pi-coding-agent" },
  ],
  copilot: [
    { bin: `@github/copilot-linux-${process.arch}/copilot`, pkg: `@github/copilot-linux-${process.arch}` },
    { bin: ".bin/copilot", pkg: "@github/copilot" },
  ],
};

/** The bundled executable for a built-in agent id, or undefined when the optional dependency is absent. */
export function findBundledCli(nodeModules: string, id: string): BundledCli | undefined {
  for (const candidate of CANDIDATES[id] ?? []) {
    const file = path.join(nodeModules, candidate.bin);
    if (isExecutable(file)) return { path: file, version: packageVersion(path.join(nodeModules, candidate.pkg)) };
  }
  return undefined;
}

/**
 * Folders to add to a terminal's PATH after node_modules/.bin, so `claude` typed in a shell tab finds the
 * native binary when npm skipped its wrapper (Node 20): those bundled CLIs found outside .bin.
 */
export function bundledBinDirs(nodeModules: string): string[] {
  const dirs: string[] = [];
  for (const id of Object.keys(CANDIDATES)) {
    const found = findBundledCli(nodeModules, id);
    // Only a folder whose executable has the command's own name (not Pi's dist/cli.js) helps a shell tab.
    if (found && path.dirname(found.path) !== path.join(nodeModules, ".bin") && path.basename(found.path) === id) {
      dirs.push(path.dirname(found.path));
    }
  }
  return dirs;
}


function packageVersion(dir: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}
