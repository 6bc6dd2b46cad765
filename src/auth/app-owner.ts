import type { Logger } from "pino";
import type { Config } from "../config.js";
import { OwnerResolver, type OwnerRetryOptions } from "./owner.js";

/**
 * App mode's owner (APP_OWNER, or the app's creator looked up in the background): the guard lets only them in
 * and the token manager accepts only their tokens.
 */
export function createOwnerResolver({ config, logger, retry }: {
  config: Config;
  logger: Logger;
  /** Shortens the lookup's timeout and retry delays (tests). */
  retry?: Partial<OwnerRetryOptions>;
}): OwnerResolver {
  const { appOwner, appName, host, clientId, clientSecret } = config.databricks;
  return new OwnerResolver({ settings: { appOwner, appName, host, clientId, clientSecret }, logger, retry });
}
