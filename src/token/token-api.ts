import type { Context, WorkspaceClient } from "@databricks/sdk-experimental";
import { DEFAULT_CALL_TIMEOUT_MS, deadline, statusOf, userClient } from "../databricks.js";

/** A token the workspace just created for the owner. */
export interface MintedToken {
  readonly value: string;
  readonly id: string;
  /** Epoch ms, or null when the workspace says it never expires. */
  readonly expiresAt: number | null;
}

/** Who a token belongs to, as SCIM Me says: the user name (an email), and the display name and primary email when given. */
export interface UserIdentity {
  readonly userName: string;
  readonly displayName?: string;
  readonly email?: string;
}

/** What the sync and the restore CLI say when SCIM Me names no user. */
export const NO_USER_NAME = "the workspace did not say whose token this is (SCIM Me has no userName)";

/**
 * The one SCIM Me call: whose token `client` acts as (a userClient made with the token). Undefined when the
 * answer names no user; each caller says so in its own words. `context` bounds and cancels the call (deadline()).
 */
export async function readMe(client: WorkspaceClient, context?: Context): Promise<UserIdentity | undefined> {
  const user = await client.currentUser.me(context);
  if (typeof user.userName !== "string" || user.userName === "") return undefined;
  const email = user.emails?.find((e) => e.primary)?.value ?? user.emails?.[0]?.value;
  const displayName = user.displayName?.trim();
  return { userName: user.userName, ...(displayName ? { displayName } : {}), ...(email ? { email } : {}) };
}

/**
 * The three token calls the gateway makes, each acting as the token it is given (never the app's own
 * credentials: a token minted by the service principal would belong to the service principal). Every call
 * is bounded by a timeout and may be cancelled through `signal`; failures are thrown as the SDK's errors.
 */
export interface TokenApi {
  /** SCIM Me as `token`: whose token it is. */
  me(token: string, signal?: AbortSignal): Promise<UserIdentity>;
  /** A new token for the same user, created with `token`. */
  create(token: string, request: { lifetimeSeconds: number; comment: string }, signal?: AbortSignal): Promise<MintedToken>;
  /** Revokes the token `id` of the same user, acting as `token`. */
  revoke(token: string, id: string, signal?: AbortSignal): Promise<void>;
}

/** Where the token calls go and how long each may take. */
export interface TokenApiOptions {
  readonly host: string;
  /** Bound for each call, hung ones included. */
  readonly callTimeoutMs?: number;
}

/** The token calls through the real SDK against the workspace at `host`. */
export function createTokenApi({ host, callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS }: TokenApiOptions): TokenApi {
  // The SDK would retry 429s for up to retryTimeoutSeconds; the manager has its own backoff, so keep the
  // SDK's short and let the deadline bound the whole call.
  const client = (token: string) => userClient(host, token, { retryTimeoutSeconds: Math.ceil(callTimeoutMs / 1000) });
  return {
    async me(token, signal) {
      const user = await readMe(client(token), deadline(callTimeoutMs, signal));
      if (!user) throw new MalformedResponse("SCIM Me returned no userName");
      return user;
    },
    async create(token, request, signal) {
      const created = await client(token).tokens.create(
        { lifetime_seconds: request.lifetimeSeconds, comment: request.comment },
        deadline(callTimeoutMs, signal),
      );
      const value = created.token_value;
      const id = created.token_info?.token_id;
      if (typeof value !== "string" || value === "" || typeof id !== "string" || id === "") {
        throw new MalformedResponse("token/create returned no token_value or token_id");
      }
      const expiry = created.token_info?.expiry_time;
      return { value, id, expiresAt: typeof expiry === "number" && expiry > 0 ? expiry : null };
    },
    async revoke(token, id, signal) {
      await client(token).tokens.delete({ token_id: id }, deadline(callTimeoutMs, signal));
    },
  };
}

/** The workspace answered, but not in the shape the API documents. */
export class MalformedResponse extends Error {
  readonly statusCode = 502;
  constructor(message: string) {
    super(message);
    this.name = "MalformedResponse";
  }
}

/** How a token call failed, as the manager and the routes need to know it. */
export type FailureKind =
  /** 401/403: the workspace refuses the token it was called with (or the action). */
  | "rejected"
  /** 404: the thing is not there (a token already revoked). */
  | "not_found"
  /** 429, 5xx, network errors, timeouts, malformed answers: worth another try later. */
  | "transient"
  /** The call was cancelled because the gateway is closing. */
  | "cancelled";

/** A failure reduced to what matters, with a message safe to show and log. */
export interface CallFailure {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly message: string;
}

/** Classifies an error thrown by a TokenApi call; `secrets` are scrubbed from the message. */
export function describeFailure(error: unknown, secrets: readonly (string | undefined)[], signal?: AbortSignal): CallFailure {
  const status = statusOf(error);
  const raw = error instanceof Error ? error.message : String(error);
  const message = scrub(raw, secrets).slice(0, 300);
  if (signal?.aborted) return { kind: "cancelled", status, message: "cancelled: the gateway is closing" };
  if (status === 401 || status === 403) return { kind: "rejected", status, message: `HTTP ${status}: ${message}` };
  if (status === 404) return { kind: "not_found", status, message: `HTTP ${status}: ${message}` };
  if (status !== undefined && status < 500 && status !== 429) return { kind: "transient", status, message: `HTTP ${status}: ${message}` };
  const name = error instanceof Error ? error.name : "";
  if (name === "AbortError" || name === "TimeoutError" || /aborted|timeout/i.test(raw)) {
    return { kind: "transient", status, message: "the workspace did not answer in time" };
  }
  return { kind: "transient", status, message: status === undefined ? `cannot reach the workspace: ${message}` : `HTTP ${status}: ${message}` };
}

/** Replaces every occurrence of a secret in `text`. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}
