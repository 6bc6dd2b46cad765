import type { Logger } from "pino";
import { backoffDelay } from "../backoff.js";
import { appClient, deadline, DEFAULT_CALL_TIMEOUT_MS, statusOf } from "../databricks.js";
import { scrubText } from "../scrub.js";

/** How the owner lookup retries; tests shorten every delay. */
export interface OwnerRetryOptions {
  /** Bound on one lookup, including the SDK's OAuth discovery and token exchange. */
  readonly callTimeoutMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Quick first retries for a platform hiccup at start, then one try a minute while the workspace is down. */
export const DEFAULT_OWNER_RETRY: OwnerRetryOptions = Object.freeze({
  callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
});

/** Where the owner comes from: APP_OWNER, or the creator of the app DATABRICKS_APP_NAME. */
export interface OwnerSettings {
  readonly appOwner: string | undefined;
  readonly appName: string | undefined;
  readonly host: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
}

/** What /healthz may say about the owner: whether it is known, never who it is. */
export interface OwnerStatus {
  readonly known: boolean;
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface OwnerResolverOptions {
  readonly settings: OwnerSettings;
  readonly logger: Logger;
  readonly retry?: Partial<OwnerRetryOptions>;
}

/**
 * The app's owner, resolved once: APP_OWNER at once, else the app's `creator` read with the app's service
 * principal, retried with backoff until it answers. Until then owner() is undefined and the guard fails closed.
 */
export class OwnerResolver {
  private resolved: string | undefined;
  private attempts = 0;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private started = false;
  private readonly retry: OwnerRetryOptions;
  private readonly log: Logger;

  constructor(private readonly options: OwnerResolverOptions) {
    this.retry = { ...DEFAULT_OWNER_RETRY, ...options.retry };
    this.log = options.logger.child({ component: "owner" });
    if (options.settings.appOwner) this.resolved = normalizeEmail(options.settings.appOwner);
  }

  /** The owner's email, lower-cased, or undefined while unknown. */
  owner(): string | undefined {
    return this.resolved;
  }

  status(): OwnerStatus {
    return { known: this.resolved !== undefined, attempts: this.attempts, lastError: this.lastError };
  }

  /** Starts the lookup (once); a no-op when APP_OWNER is set. */
  start(): void {
    if (this.started || this.resolved !== undefined) return;
    this.started = true;
    const { appName, host, clientId, clientSecret } = this.options.settings;
    if (!appName || !host || !clientId || !clientSecret) {
      // Nothing to retry: the settings will not change while the process runs.
      this.lastError = "cannot look up the app's creator: DATABRICKS_APP_NAME, DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET are all needed";
      this.log.error(this.lastError);
      return;
    }
    void this.attempt(appName, { host, clientId, clientSecret });
  }

  /** Stops retrying and cancels a lookup in flight. */
  close(): void {
    this.abort.abort();
    clearTimeout(this.timer);
  }

  private async attempt(appName: string, credentials: { host: string; clientId: string; clientSecret: string }) {
    this.attempts++;
    try {
      const creator = await this.lookUp(appName, credentials);
      if (this.abort.signal.aborted) return;
      this.resolved = normalizeEmail(creator);
      this.lastError = null;
      this.log.info({ attempts: this.attempts }, "owner resolved");
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.lastError = scrubText(describe(error), { values: () => secretsOf(credentials) });
      const delayMs = backoffDelay({ baseMs: this.retry.initialDelayMs, maxMs: this.retry.maxDelayMs }, this.attempts);
      this.log.warn({ attempts: this.attempts, error: this.lastError, retryInMs: delayMs }, "owner not yet known; retrying");
      this.timer = setTimeout(() => void this.attempt(appName, credentials), delayMs);
    }
  }

  private async lookUp(appName: string, credentials: { host: string; clientId: string; clientSecret: string }): Promise<string> {
    // A fresh client per try: a client whose OAuth discovery failed keeps failing.
    const client = appClient(credentials);
    const ms = this.retry.callTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    // deadline() cancels the API call itself, but the SDK's OAuth discovery and token exchange take no
    // cancellation, so a hung token endpoint is bounded by this race instead.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    try {
      const app = await Promise.race([client.apps.get({ name: appName }, deadline(ms, this.abort.signal)), timeout]);
      if (typeof app.creator !== "string" || !app.creator.trim()) throw new Error(`the app "${appName}" has no creator`);
      return app.creator;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The client secret, also as the Basic credential an OAuth endpoint may echo without its scheme. */
function secretsOf({ clientId, clientSecret }: { clientId: string; clientSecret: string }): string[] {
  return [clientSecret, Buffer.from(`${clientId}:${clientSecret}`).toString("base64")];
}

/** Trimmed of spaces and tabs (only: U+00A0 is part of the value) and lower-cased: emails compare case-insensitively. */
export function normalizeEmail(email: string): string {
  return email.replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase();
}

/** The one email comparison (the guard, the token checks, the sync): equal once normalized. */
export function sameEmail(a: string, b: string): boolean {
  return normalizeEmail(a) === normalizeEmail(b);
}

/** A short reason fit for logs and /healthz: the HTTP status or the error's first line, never a credential. */
function describe(error: unknown): string {
  const status = statusOf(error);
  // The SDK appends "Config: host=..., client_id=..." to auth errors; /healthz is no place for those.
  const message = String((error as Error)?.message ?? error)
    .split("\n")[0]!
    .replace(/\.? ?Config: .*$/, "")
    .slice(0, 200);
  return status !== undefined ? `HTTP ${status}: ${message}` : message;
}
