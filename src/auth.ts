import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { createLocalGuard, type Guard } from "./auth/guard.js";
import { randomLocalKey } from "./auth/local-key.js";
import { OwnerResolver, type OwnerRetryOptions } from "./auth/owner.js";
import { createOwnerGuard } from "./auth/owner-guard.js";

/** What createAccess is built from. */
export interface AccessOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Shortens the owner lookup's timeout and retry delays (tests). */
  readonly ownerRetry?: Partial<OwnerRetryOptions>;
  /** Replaces the guard (tests); the owner lookup is still made in app mode. */
  readonly guard?: Guard;
  /** Local mode's requests that need no key (see LocalGuardOptions.keyExempt). */
  readonly keyExempt?: (req: IncomingMessage) => boolean;
}

/** Who may come in, and how they are recognized. */
export interface Access {
  /** App mode's owner lookup; undefined in local mode. */
  readonly owner: OwnerResolver | undefined;
  /** Local mode's key (GATEWAY_TOKEN or a fresh one); undefined in app mode and with GATEWAY_AUTH=none. */
  readonly localKey: string | undefined;
  /** The one gate in front of every route and upgrade. */
  readonly guard: Guard;
}

/** The owner (app mode) or the holder of the local key: the owner lookup, the key and the guard that checks them. */
export function createAccess({ config, logger, ownerRetry, guard, keyExempt }: AccessOptions): Access {
  const owner = config.appMode ? createOwnerResolver({ config, logger, retry: ownerRetry }) : undefined;
  const localKey = !config.appMode && config.localAuth.required ? (config.localAuth.token ?? randomLocalKey()) : undefined;
  return { owner, localKey, guard: guard ?? (owner ? createOwnerGuard({ owner, logger }) : createLocalGuard({ key: localKey, keyExempt })) };
}

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
