import type { Logger } from "pino";
import { sameEmail } from "../auth/owner.js";
import { describeFailure, type TokenApi } from "./token-api.js";
import type { TokenStatus } from "./types.js";

/** What a paste came to: the status, or an HTTP status and message for the route. */
export type AcceptResult =
  | { readonly ok: true; readonly status: TokenStatus }
  | { readonly ok: false; readonly httpStatus: number; readonly code: string; readonly message: string };

/** A refused paste. */
export type Refusal = Extract<AcceptResult, { ok: false }>;

/** The refusal the route answers with. */
export function refuse(httpStatus: number, code: string, message: string): Refusal {
  return { ok: false, httpStatus, code, message };
}

/** The refusal while the gateway closes. */
export const SHUTTING_DOWN: Refusal = Object.freeze(refuse(503, "shutting_down", "The gateway is shutting down."));

/**
 * What a pasted token must pass before the manager uses it: SCIM Me as that token answers, and names the owner
 * when the owner is known (in app mode it must be). Resolves with the token's user name, or the refusal.
 */
export async function checkPastedToken(options: {
  api: TokenApi;
  token: string;
  /** The owner's email when known. */
  owner: () => string | undefined;
  requireOwner: boolean;
  signal: AbortSignal;
  log: Logger;
}): Promise<{ ok: true; userName: string; owner: string | undefined } | Refusal> {
  const { api, token, signal, log } = options;
  if (options.owner() === undefined && options.requireOwner) {
    return refuse(503, "owner_unknown", "The app's owner is not known yet; try again in a moment.");
  }
  let userName: string;
  try {
    ({ userName } = await api.me(token, signal));
  } catch (error) {
    const failure = describeFailure(error, [token], signal);
    log.info({ status: failure.status, kind: failure.kind }, "pasted token could not be checked");
    if (failure.kind === "rejected") return refuse(401, "token_rejected", "The workspace rejected this token (invalid, expired or revoked).");
    if (failure.kind === "cancelled") return SHUTTING_DOWN;
    return refuse(502, "workspace_unreachable", `Could not check the token with the workspace: ${failure.message}`);
  }
  const expected = options.owner();
  if (expected !== undefined && !sameEmail(userName, expected)) {
    log.warn("pasted token belongs to another user; refused");
    return refuse(403, "not_owner", "This token belongs to another user; paste a token of the app's owner.");
  }
  return { ok: true, userName, owner: expected };
}
