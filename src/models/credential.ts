import type { Config } from "../config.js";
import { appClient } from "../databricks.js";
import type { TokenSource } from "../token/types.js";

/**
 * The Authorization header for model calls: the owner's current token as a Bearer (MODEL_AUTH=pat, the
 * default), or, with MODEL_AUTH=app for workspaces that forbid PATs, the app service principal's OAuth token,
 * which the SDK caches and refreshes.
 */
export function modelCredential(options: { config: Config; tokens: TokenSource }): () => Promise<string | undefined> {
  const { databricks } = options.config;
  if (databricks.modelAuth === "app") {
    const { host, clientId, clientSecret } = databricks;
    if (!host || !clientId || !clientSecret) return async () => undefined;
    const client = appClient({ host, clientId, clientSecret });
    return async () => {
      const headers = new Headers();
      try {
        await client.config.authenticate(headers);
      } catch {
        // The proxy answers 401 with a clear message; the SDK's error may name the endpoint, not the secret.
        return undefined;
      }
      return headers.get("authorization") ?? undefined;
    };
  }
  return async () => {
    const token = options.tokens.current();
    return token ? `Bearer ${token}` : undefined;
  };
}
