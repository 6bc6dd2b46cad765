import type { Logger } from "pino";

/** One connected reader of the events channel, as the hub sees it. */
export interface EventClient {
  /** Queues text for the reader. */
  write(text: string): void;
  /** Bytes queued and not yet handed to the kernel: what a slow reader piles up. */
  buffered(): number;
  /** Ends the connection at once (a dropped reader reconnects and gets a fresh snapshot). */
  close(): void;
  /** Ends the connection after what was written (the gateway's last "shutdown" event). */
  end(): void;
}

export interface EventHubOptions {
  readonly logger: Logger;
  /** A reader with more than this queued is dropped, not buffered without limit. */
  readonly maxBufferedBytes?: number;
  /** At most this many readers at once. */
  readonly maxClients?: number;
}

/** 1 MiB: hundreds of status events; a reader this far behind is gone, not slow. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Tabs of several windows and devices; far below the server's socket limits. */
export const MAX_CLIENTS = 32;

/**
 * Fans events out to every reader of GET /api/events, each event serialised once as a Server-Sent Event.
 * A reader whose queue passes the bound is closed instead of growing the gateway's memory.
 */
export class EventHub {
  private readonly clients = new Set<EventClient>();
  private readonly maxBuffered: number;
  readonly maxClients: number;
  private nextId = 1;

  constructor(private readonly options: EventHubOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.maxClients = options.maxClients ?? MAX_CLIENTS;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Adds a reader; returns the function that removes it. */
  add(client: EventClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /** Sends one event to every reader. */
  publish(type: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = formatEvent(type, data, this.nextId++);
    for (const client of this.clients) this.sendTo(client, text);
  }

  /** Sends one event to one reader (its snapshot on connect). */
  sendTo(client: EventClient, text: string): void {
    if (!this.clients.has(client)) return;
    if (client.buffered() > this.maxBuffered) {
      this.options.logger.warn({ buffered: client.buffered() }, "events reader too slow: dropped");
      this.clients.delete(client);
      client.close();
      return;
    }
    client.write(text);
  }

  /** A comment line: keeps proxies from closing a quiet connection. */
  heartbeat(): void {
    for (const client of this.clients) this.sendTo(client, ": keep-alive\n\n");
  }

  close(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}

/** One Server-Sent Event; JSON.stringify never emits a raw newline, so data is a single line. */
export function formatEvent(type: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
