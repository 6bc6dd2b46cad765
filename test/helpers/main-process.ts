import { spawn, type ChildProcess } from "node:child_process";

/** src/main.ts in its own process, as `npm start` runs dist/src/main.js: its own signal handlers, its own exit. */
export interface MainProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far (its log lines). */
  output(): string;
  readonly exited: Promise<number | null>;
}

/** Starts src/main.ts through tsx with exactly `env` (plus PATH, SHELL and LANG). */
export function startMain(env: Record<string, string>): MainProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", SHELL: "/bin/bash", LANG: "C.UTF-8", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The URL the gateway logged once it listens. */
export async function waitForUrl(output: () => string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const match = /"url":"(http:\/\/[^"]+)"/.exec(output());
    if (match) return match[1]!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gateway did not start: ${output()}`);
}
