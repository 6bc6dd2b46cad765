import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { discoverModelServices, discoverServingEndpoints, type Discovery, type DiscoveryState } from "./discovery.js";

/** Relisted this often even when the token stays the same. */
export const REFRESH_MS = 60 * 60_000;

/** What the gateway knows about the workspace's models now. */
export interface CatalogSnapshot {
  /** "skipped": no workspace (or a configured gateway host); "pending": no token to list with yet. */
  readonly state: DiscoveryState | "skipped" | "pending";
  /**
   * The models in use: the listed model services (v2), or the serving endpoints of a workspace without v2;
   * from the last good listing when this one failed (then `stale`).
   */
  readonly models: readonly string[];
  /** Whether the workspace has Unity AI Gateway v2 (as of the last good listing). */
  readonly v2: boolean;
  readonly message: string | null;
  /** When the last listing ended (ISO), or null. */
  readonly checkedAt: string | null;
  /** True when the last listing failed and an older good one is used. */
  readonly stale: boolean;
}

export interface ModelCatalogOptions {
  /** The workspace origin; undefined: nothing to list. */
  readonly host: string | undefined;
  /** The Authorization header the listing is made with (the same as model calls), or undefined. */
  readonly credential: () => Promise<string | undefined>;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly timeoutMs?: number;
}

interface Listing {
  readonly discovery: Discovery;
  readonly at: number;
  readonly key: string;
}

/**
 * The workspace's model services, cached: listed again when the credential changes and hourly; a failed
 * listing keeps the last good list (and says so). Concurrent callers share one listing.
 */
export class ModelCatalog {
  private last: Listing | undefined;
  private good: Listing | undefined;
  private inflight: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: ModelCatalogOptions) {
    this.log = options.logger.child({ component: "model-catalog" });
    this.now = options.now ?? Date.now;
  }

  /** The snapshot, listing first when none was made with the current credential or the last is an hour old. */
  async current(): Promise<CatalogSnapshot> {
    if (!this.options.host) return { state: "skipped", models: [], v2: false, message: null, checkedAt: null, stale: false };
    const credential = await this.options.credential();
    if (!credential) return this.snapshot("pending");
    const key = createHash("sha256").update(credential).digest("hex");
    const due = !this.last || this.last.key !== key || this.now() - this.last.at >= REFRESH_MS;
    if (due) await (this.inflight ??= this.list(credential, key).finally(() => (this.inflight = undefined)));
    return this.snapshot();
  }

  private async list(credential: string, key: string): Promise<void> {
    const request = { host: this.options.host!, authorization: credential, fetch: this.options.fetch, timeoutMs: this.options.timeoutMs };
    let discovery = await discoverModelServices(request);
    // No v2: the serving endpoints' names are the models there.
    if (discovery.state === "absent") discovery = { ...discovery, models: await discoverServingEndpoints(request) };
    const listing = { discovery, at: this.now(), key };
    this.last = listing;
    // "absent" is a good answer too: the workspace has no v2, which is worth remembering over a later 5xx.
    if (discovery.state === "ok" || discovery.state === "absent") this.good = listing;
    const fields = { state: discovery.state, models: discovery.models.length };
    if (discovery.state === "ok" || discovery.state === "absent") this.log.info(fields, "model services listed");
    else this.log.warn({ ...fields, reason: discovery.message }, "model services listing failed");
  }

  private snapshot(pending?: "pending"): CatalogSnapshot {
    const last = this.last;
    const good = this.good;
    const base = good ?? last;
    const failed = last !== undefined && last !== good;
    return {
      state: pending ?? last?.discovery.state ?? "pending",
      models: base?.discovery.models ?? [],
      v2: good?.discovery.state === "ok",
      message: pending ? "No Databricks token yet: the workspace's models are listed once one is pasted." : (last?.discovery.message ?? null),
      checkedAt: last ? new Date(last.at).toISOString() : null,
      stale: failed && good !== undefined,
    };
  }
}
