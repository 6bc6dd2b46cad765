import type { Logger } from "pino";

/** A status the page shows, read the way its GET route reads it. */
export interface StatusSource {
  /** The event type, also the GET route's last segment: token, sync, ide, models. */
  readonly type: string;
  read(): unknown;
}

export interface StatusWatchOptions {
  readonly sources: readonly StatusSource[];
  /** Called with each status whose value changed since the last look. */
  readonly onChange: (type: string, value: unknown) => void;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

/** How often statuses are compared while a page listens: the token's expiry and the sync age move slowly. */
export const STATUS_INTERVAL_MS = 3000;

/**
 * Reads each status source on a timer while someone listens, and reports the ones that changed: one place
 * looks, instead of every open page polling four endpoints. Nothing runs while no one listens.
 */
export class StatusWatch {
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: StatusWatchOptions) {}

  /** The current value of every source (a new reader's snapshot). */
  async snapshot(): Promise<Record<string, unknown>> {
    const entries = await Promise.all(this.options.sources.map(async (s) => [s.type, await this.read(s)] as const));
    for (const [type, value] of entries) this.last.set(type, JSON.stringify(value));
    return Object.fromEntries(entries);
  }

  /** Looks now (after a change the gateway knows of, e.g. a pasted token) rather than at the next tick. */
  poke(): void {
    this.running ??= this.check().finally(() => (this.running = undefined));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poke(), this.options.intervalMs ?? STATUS_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    for (const source of this.options.sources) {
      const value = await this.read(source);
      const text = JSON.stringify(value);
      if (this.last.get(source.type) === text) continue;
      this.last.set(source.type, text);
      this.options.onChange(source.type, value);
    }
  }

  private async read(source: StatusSource): Promise<unknown> {
    try {
      return await source.read();
    } catch (error) {
      this.options.logger.debug({ err: error, status: source.type }, "status read failed");
      return { error: "unavailable" };
    }
  }
}
