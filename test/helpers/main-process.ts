import { spawn, type ChildProcess } from "node:child_process";
import { KEY_ENV, keyOf, registerGateway } from "./local-key.js";

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
    env: { PATH: process.env.PATH ?? "", SHELL: "/bin/bash", LANG: "C.UTF-8", ...KEY_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let registered = false;
  const collect = (d: Buffer) => {
    output += d;
    // Its key goes with every request the helpers make to it, as for startGateway().
    const url = registered ? undefined : /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
    if (url) {
      registered = true;
      void registerGateway(url, keyOf({ GATEWAY_TOKEN: KEY_ENV.GATEWAY_TOKEN, ...env }));
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
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
