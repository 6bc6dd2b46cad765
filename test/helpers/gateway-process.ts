import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchGateway, type LaunchedGateway } from "../../bench/launch-gateway.js";
import { KEY_ENV, keyOf, registerGateway, unregisterGateway } from "./local-key.js";

/**
 * src/main.ts in its own process, as `npm start` runs dist/src/main.js: its own signal handlers, its own exit.
 * `listening` resolves once its key is registered for the helpers (see local-key.ts); stop() forgets the key.
 */
export type MainProcess = LaunchedGateway;

/** Starts src/main.ts through tsx with exactly `env` (plus PATH, SHELL, LANG and the test key unless `env` says otherwise). */
export function startMain(env: Record<string, string>): MainProcess {
  const gateway = launchGateway({
    nodeArgs: ["--import", "tsx"],
    entry: "src/main.ts",
    env: { PATH: process.env.PATH ?? "", SHELL: "/bin/bash", LANG: "C.UTF-8", ...KEY_ENV, ...env },
    listenTimeoutMs: 20_000,
  });
  // Its key goes with every request the helpers make to it, as for startGateway().
  const listening = gateway.listening.then(async (url) => {
    await registerGateway(url, keyOf({ ...KEY_ENV, ...env }));
    return url;
  });
  listening.catch(() => {});
  return {
    child: gateway.child,
    listening,
    exited: gateway.exited,
    output: gateway.output,
    async stop(signal) {
      const code = await gateway.stop(signal);
      const url = await listening.catch(() => undefined);
      if (url) unregisterGateway(url);
      return code;
    },
  };
}

/** The gateway as its own process on a free port, listening, so its memory and CPU can be read from /proc. */
export interface ChildGateway extends MainProcess {
  readonly url: string;
  readonly home: string;
  /** Resident set size in bytes, from /proc/<pid>/status. */
  rss(): number;
}

/** Where the child lives: a given HOME is kept on stop(), so a second start finds what the first left. */
export interface ChildGatewayOptions {
  readonly home?: string;
}

/** Starts src/main.ts with a temp HOME (or the given one), PORT=0 and BACKUP=off unless `env` says otherwise; resolves once it listens. */
export async function startChildGateway(env: Record<string, string> = {}, options: ChildGatewayOptions = {}): Promise<ChildGateway> {
  const home = options.home ?? mkdtempSync(path.join(tmpdir(), "gw-child-"));
  const main = startMain({ HOME: home, PORT: "0", BACKUP: "off", ...env });
  const removeHome = () => {
    if (!options.home) rmSync(home, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await main.listening;
  } catch (error) {
    await main.stop("SIGKILL");
    removeHome();
    throw error;
  }
  return {
    ...main,
    url,
    home,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${main.child.pid}/status`, "utf8"))![1]) * 1024,
    async stop(signal) {
      const code = await main.stop(signal);
      removeHome();
      return code;
    },
  };
}
