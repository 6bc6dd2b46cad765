import { sameEmail } from "../auth/owner.js";
import { deadline, userClient } from "../databricks.js";
import { NO_USER_NAME, readMe } from "../token/token-api.js";

/**
 * Whose home folder the sync writes to: the token's own user from SCIM Me (remembered per token), which spells
 * the user name exactly as the workspace's /Users/<name> folder does (the owner the gateway knows is
 * lower-cased). When the gateway knows its owner (APP_OWNER, the app's creator), a token of anyone else is
 * refused rather than synced into their folder.
 */
export function createTokenUserResolver(options: {
  host: string;
  known: () => string | undefined;
  callTimeoutMs: number;
}): (token: string, signal: AbortSignal) => Promise<string> {
  let cached: { token: string; userName: string } | undefined;
  return async (token, signal) => {
    let userName = cached?.token === token ? cached.userName : undefined;
    if (userName === undefined) {
      const me = await readMe(userClient(options.host, token), deadline(options.callTimeoutMs, signal));
      if (!me) throw new Error(NO_USER_NAME);
      userName = me.userName;
      cached = { token, userName };
    }
    const known = options.known();
    if (known !== undefined && !sameEmail(known, userName)) {
      throw new Error("the token belongs to another user than the app's owner; paste the owner's token");
    }
    return userName;
  };
}
