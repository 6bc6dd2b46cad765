import type { IncomingMessage } from "node:http";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { defaultInstallDir, readPins } from "./ide/code-server-bin.js";
import { IdeManager } from "./ide/ide-manager.js";
import { Installer } from "./ide/installer.js";
import { createIdeProxy, isPortPreview, type IdeProxy } from "./ide/proxy.js";
import type { UpgradeRoute } from "./upgrade.js";

/** Periods tests shorten. */
export interface IdeTimings {
  /** Replaces IDE_IDLE_MINUTES. */
  readonly idleMs?: number;
  /** Replaces the 90 s a start may take (tests of a code-server that never becomes healthy). */
  readonly startTimeoutMs?: number;
  /** A proxied request whose upstream socket stays silent this long ends with a 502 (default 60 s). */
  readonly upstreamTimeoutMs?: number;
  /** A release download with no byte for this long fails (default 30 s). */
  readonly installStallMs?: number;
}

export interface IdeOptions extends IdeTimings {
  readonly config: Config;
  readonly logger: Logger;
  /** The gateway's package folder (scripts/, package.json). */
  readonly root: string;
  readonly searchPath: readonly string[];
  /** The allowlisted environment terminals get; code-server and its terminals get the same. */
  readonly env: () => Readonly<Record<string, string | undefined>>;
}

/** The "Open IDE" subsystem: code-server on demand behind the gateway at /ide/. */
export interface Ide {
  readonly manager: IdeManager;
  readonly installer: Installer;
  /** The proxy to code-server: src/routes/ide.ts serves /ide/... through it. */
  readonly proxy: Pick<IdeProxy, "web">;
  readonly upgrade: UpgradeRoute;
  /** A port preview under its plain /ide/proxy/<port>/ path while code-server runs: local mode lets it in without the key (see LocalGuardOptions.keyExempt). */
  previewNeedsNoKey(req: IncomingMessage): boolean;
  /** Ends code-server's process group and any running install. */
  close(): Promise<void>;
}

/** Builds the IDE subsystem; nothing starts until the first visit to /ide/ or POST /api/ide/start. */
export function createIde(options: IdeOptions): Ide {
  const { config, root } = options;
  const logger = options.logger.child({ component: "ide" });
  const pins = readPins(root);
  const env = () => ({ ...options.env(), HOME: config.home });
  const manager = new IdeManager({
    codeServerBin: config.ide.codeServerBin,
    installDir: defaultInstallDir(config.home, pins.version),
    searchPath: options.searchPath,
    projectsDir: config.projectsDir,
    stateDir: config.stateDir,
    idleMs: options.idleMs ?? config.ide.idleMinutes * 60_000,
    startTimeoutMs: options.startTimeoutMs,
    env,
    logger,
  });
  const installer = new Installer({
    script: path.join(root, "scripts", "install-code-server.sh"),
    release: {
      version: pins.version,
      baseUrl: config.ide.releaseBaseUrl,
      dir: defaultInstallDir(config.home, pins.version),
      sha256: pins.releaseSha256?.[process.arch],
      stallMs: options.installStallMs,
    },
    env,
    cwd: root,
    logger,
  });
  const proxy = createIdeProxy({ manager, logger, timeoutMs: options.upstreamTimeoutMs });
  return {
    manager,
    installer,
    proxy,
    upgrade: proxy.upgrade,
    previewNeedsNoKey: (req) =>
      manager.current === "running" && /^\/ide\/(abs)?proxy\/\d{1,5}(\/|\?|$)/.test(req.url ?? "") && isPortPreview(req.url ?? "/"),
    async close() {
      proxy.close();
      await Promise.all([manager.close(), installer.close()]);
    },
  };
}
