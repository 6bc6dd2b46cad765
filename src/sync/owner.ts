import { deadline, userClient } from "../databricks/client.js";

/**
 * Whose home folder the sync writes to: the owner the gateway knows (APP_OWNER, or the auth engineer's
 * resolver), else, in local mode, the token's own user from SCIM Me, remembered per token.
 */
export function createOwnerResolver(options: {
  host: string;
  known: () => string | undefined;
  callTimeoutMs: number;
}): (token: string, signal: AbortSignal) => Promise<string> {
  let cached: { token: string; userName: string } | undefined;
  return async (token, signal) => {
    const known = options.known();
    if (known) return known;
    if (cached?.token === token) return cached.userName;
    const me = await userClient(options.host, token).currentUser.me(deadline(options.callTimeoutMs, signal));
    if (!me.userName) throw new Error("the workspace did not say whose token this is (SCIM Me has no userName)");
    cached = { token, userName: me.userName };
    return me.userName;
  };
}
