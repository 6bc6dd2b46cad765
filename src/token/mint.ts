import { sameEmail } from "../auth/owner.js";
import { describeFailure, type CallFailure, type MintedToken, type TokenApi } from "./token-api.js";

/** One attempt to mint a token: with which token, for how long, for whom. */
export interface MintRequest {
  readonly api: TokenApi;
  /** The token to create the new one with: the current one. */
  readonly token: string;
  readonly lifetimeSeconds: number;
  readonly comment: string;
  /** Whose token it must be (compared case-insensitively), or undefined when any user will do. */
  readonly owner: string | undefined;
  readonly signal: AbortSignal;
}

/** What one mint attempt came to; the manager decides what to do with it. */
export type MintResult =
  | { readonly ok: true; readonly token: MintedToken; readonly userName: string }
  /** Creating failed: the current token is untouched. */
  | { readonly ok: false; readonly step: "create"; readonly failure: CallFailure }
  /** The new token did not pass the check: it must be revoked, not used. */
  | {
      readonly ok: false;
      readonly step: "check";
      readonly failure: CallFailure;
      readonly wrongUser: boolean;
      readonly discard: MintedToken;
    };

/**
 * Creates a new token with the current one and checks that it works and belongs to the owner (SCIM Me as
 * the new token). A new token that fails the check comes back as `discard` for the caller to revoke.
 */
export async function mintToken(request: MintRequest): Promise<MintResult> {
  const { api, token, signal } = request;
  let minted: MintedToken;
  try {
    minted = await api.create(token, { lifetimeSeconds: request.lifetimeSeconds, comment: request.comment }, signal);
  } catch (error) {
    return { ok: false, step: "create", failure: describeFailure(error, [token], signal) };
  }
  const secrets = [token, minted.value];
  let userName: string;
  try {
    ({ userName } = await api.me(minted.value, signal));
  } catch (error) {
    return { ok: false, step: "check", failure: describeFailure(error, secrets, signal), wrongUser: false, discard: minted };
  }
  if (request.owner !== undefined && !sameEmail(userName, request.owner)) {
    const failure: CallFailure = { kind: "rejected", status: undefined, message: "the token belongs to another user than the owner" };
    return { ok: false, step: "check", failure, wrongUser: true, discard: minted };
  }
  return { ok: true, token: minted, userName };
}
