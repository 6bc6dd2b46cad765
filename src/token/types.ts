/**
 * The owner's current personal access token, shared by everything that acts as the owner: the model proxy,
 * ~/.databrickscfg and the workspace sync. The token manager (src/token/) implements it; consumers depend
 * only on this interface.
 */
export type TokenStateName = "missing" | "active" | "rotating" | "expired" | "error";

/** What GET /api/token reports; never the value. */
export interface TokenStatus {
  readonly state: TokenStateName;
  /** ISO time the current token expires, when known. */
  readonly expiresAt: string | null;
  /** ISO time of the last successful rotation or paste. */
  readonly rotatedAt: string | null;
  readonly lastError: string | null;
  /** Why the gateway takes no token at all (no workspace, or the app's own credentials); absent when it does. */
  readonly disabled?: string;
}

/** The owner's current PAT as its consumers see it (model proxy, sync); TokenManager implements it. */
export interface TokenSource {
  /** The token to use now, or undefined when there is none that works (missing or expired). */
  current(): string | undefined;
  status(): TokenStatus;
  /** Called after every switch to a new token (paste or rotation), and with undefined when it is lost. */
  subscribe(listener: (token: string | undefined) => void): () => void;
}
