import path from "node:path";
import type { Logger } from "pino";
import { PRODUCT, type Config } from "./config.js";
import { createProfileWriter, type ProfileWriter } from "./token/databrickscfg.js";
import { createTokenApi } from "./token/token-api.js";
import { TokenManager, type SessionActivity } from "./token/token-manager.js";

/** What the gateway's token manager is built from. */
export interface GatewayTokensOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly sessions: SessionActivity;
  /** The app's owner once known (app mode); a token of anyone else is refused. */
  readonly owner: () => string | undefined;
  /** Bound for each token call to the workspace, hung ones included (tests shorten it). */
  readonly callTimeoutMs?: number;
}

/** The owner's PAT manager, wired to the workspace and ~/.databrickscfg; takes no token without a workspace. */
export function createTokens({ config, logger, sessions, owner, callTimeoutMs }: GatewayTokensOptions): TokenManager {
  const { host, modelAuth, appName } = config.databricks;
  const disabledReason =
    modelAuth === "app" ? "MODEL_AUTH=app signs with the app's own credentials" : host === undefined ? "DATABRICKS_HOST is not set" : undefined;
  const profile: ProfileWriter =
    disabledReason === undefined && host !== undefined
      ? createProfileWriter({ file: path.join(config.home, ".databrickscfg"), host })
      : { write: async () => {} };
  return new TokenManager({
    api: disabledReason === undefined && host !== undefined ? createTokenApi({ host, callTimeoutMs }) : undefined,
    disabledReason,
    profile,
    sessions,
    logger,
    owner,
    requireOwner: config.appMode,
    initialToken: config.databricks.token,
    rotationIntervalSeconds: config.token.rotationIntervalSeconds,
    lifetimeSeconds: config.token.lifetimeSeconds,
    comment: `${PRODUCT}${appName ? ` (app ${appName})` : ""}: short-lived token, rotated by the gateway`,
  });
}
