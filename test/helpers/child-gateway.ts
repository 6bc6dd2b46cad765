import { spawn, type ChildProcess } from "node:child_process";
import { KEY_ENV, keyOf, registerGateway, unregisterGateway } from "./local-key.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The gateway as its own process (src/main.ts through tsx), so its memory and CPU can be read from /proc. */
export interface ChildGateway {
  readonly child: ChildProcess;
  readonly url: string;
  readonly home: string;
  output(): string;
  /** Resident set size in bytes, from /proc/<pid>/status. */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Where the child lives: a given HOME is kept on stop(), so a second start finds what the first left. */
export interface ChildGatewayOptions {
  readonly home?: string;
}

/** Starts src/main.ts as a child process with a temp HOME (or the given one) on a free port. */
export async function startChildGateway(env: Record<string, string> = {}, options: ChildGatewayOptions = {}): Promise<ChildGateway> {
  const home = options.home ?? mkdtempSync(path.join(tmpdir(), "gw-child-"));
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", SHELL: "/bin/bash", LANG: "C.UTF-8", ...KEY_ENV, HOME: home, PORT: "0", BACKUP: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let url: string | undefined;
  for (let i = 0; i < 400 && !url; i++) {
    url = /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!url) {
    child.kill("SIGKILL");
    throw new Error(`gateway did not start: ${output}`);
  }
  await registerGateway(url, keyOf({ GATEWAY_TOKEN: KEY_ENV.GATEWAY_TOKEN, ...env }));
  return {
    child,
    url,
    home,
    output: () => output,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) * 1024,
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      const code = await exited;
      unregisterGateway(url!);
      if (!options.home) rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}
