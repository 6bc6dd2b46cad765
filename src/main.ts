import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig, redactConfig, type ConfigFile } from "./config.js";
import { keyedUrl } from "./auth/local-key.js";
import { delayTurbofan } from "./jit-tiering.js";
import { createLogger } from "./logger.js";
import { CARRIED_SECRETS, reexecWithoutSecrets, sweepStaleHandoffs, takeHandedSecrets, type Execve } from "./secret-handoff.js";
import { createServer } from "./server.js";

/** Within Databricks Apps' 15 s between SIGTERM and SIGKILL. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  // Before any request runs the keystroke path: its functions stay out of TurboFan (issue 20, jit-tiering.ts).
  delayTurbofan();
  // First of all, before anything can be spawned: no secret may stay in /proc/<pid>/environ (secret-handoff.ts).
  const handed = takeHandedSecrets(process.env);
  sweepStaleHandoffs();
  const reexec = reexecWithoutSecrets({
    env: process.env,
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    execve: (process as unknown as { execve?: Execve }).execve?.bind(process),
  });
  const env = { ...process.env, ...handed };
  // Defence in depth where the re-exec could not happen: nothing spawned with process.env inherits them.
  for (const name of CARRIED_SECRETS) delete process.env[name];
  let config;
  try {
    config = loadConfig(env, readConfigFile(env.GATEWAY_CONFIG));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`agent-terminal-gateway: invalid setting ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
  logger.debug({ config: redactConfig(config) }, "configuration");
  if (reexec === "unsupported" || reexec === "failed") {
    logger.warn(
      { node: process.version },
      reexec === "unsupported"
        ? "this Node has no process.execve (Node 22.15+ has): secrets given in the environment stay readable in /proc/<pid>/environ by every process of this user, terminals included"
        : "re-executing without secrets failed: secrets given in the environment stay readable in /proc/<pid>/environ",
    );
  }
  if (!config.appMode) {
    const key = config.localAuth.required ? "every request needs the key" : "no key";
    logger.warn(`local mode: no owner check (neither DATABRICKS_APP_NAME nor APP_OWNER is set); loopback only, ${key}`);
  }
  if (!config.appMode && !config.localAuth.required) {
    logger.warn("GATEWAY_AUTH=none: NO KEY CHECK. Every local user and every local process can open a shell here as this user");
  }
  const gateway = createServer({ config, logger, env: process.env });
  let url: string;
  try {
    url = await gateway.listen();
  } catch (error) {
    logger.fatal({ err: error }, "cannot listen");
    process.exit(1);
  }
  announce(url, gateway.localKey, config.appMode);

  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

/**
 * Local mode: the address to open, with its key, as Jupyter prints it. Written to stderr as plain text, not as a
 * log line: it is the one place the key is shown, and log collectors have no business with it.
 */
function announce(url: string, key: string | undefined, appMode: boolean): void {
  if (appMode) return;
  if (key === undefined) {
    process.stderr.write(
      `\n  !!! GATEWAY_AUTH=none: the key check is OFF. Anyone who can reach ${url} gets a shell as this user. !!!\n\n`,
    );
    return;
  }
  process.stderr.write(`\n  agent-terminal-gateway is running. Open this address (it carries the key):\n\n    ${keyedUrl(url, key)}\n\n`);
}

/** GATEWAY_CONFIG names the YAML file; without it, gateway.yaml in the working directory when present. */
function readConfigFile(named: string | undefined): ConfigFile | undefined {
  const file = named?.trim() ? path.resolve(named.trim()) : path.resolve("gateway.yaml");
  if (!named?.trim() && !existsSync(file)) return undefined;
  try {
    return { path: file, text: readFileSync(file, "utf8") };
  } catch (error) {
    throw new ConfigError("GATEWAY_CONFIG", `cannot read ${file}: ${(error as Error).message}`);
  }
}

await main();
