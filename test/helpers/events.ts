import http from "node:http";

/** One Server-Sent Event as read off GET /api/events. */
export interface ReadEvent {
  readonly type: string;
  readonly data: any;
}

/** A reader of the gateway's events channel. */
export interface EventReader {
  readonly events: ReadEvent[];
  readonly status: number;
  /** Events of one type. */
  of(type: string): ReadEvent[];
  /** Waits until the predicate holds over the events read so far. */
  until(predicate: (events: ReadEvent[]) => boolean, what?: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the gateway ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * Opens GET /api/events with node:http (every header under the test's control, Origin included) and parses
 * the stream. The one place tests open the channel, so the headers a gateway needs are added here.
 */
export function openEvents(baseUrl: string, headers: Record<string, string> = {}): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/api/events`, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const events: ReadEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = "";
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        buffer += text;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data !== undefined) events.push({ type, data: JSON.parse(data) });
        }
        for (const waiter of waiters) waiter();
      });
      const finish = () => {
        endResolve();
        for (const waiter of waiters) waiter();
      };
      res.on("end", finish);
      res.on("close", finish);
      res.on("error", finish);
      resolve({
        events,
        status: res.statusCode ?? 0,
        of: (type) => events.filter((e) => e.type === type),
        ended,
        until(predicate, what = "events", timeoutMs = 15_000) {
          if (predicate(events)) return Promise.resolve();
          return new Promise((ok, fail) => {
            const check = () => {
              if (!predicate(events)) return;
              clearTimeout(timer);
              waiters.delete(check);
              ok();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`timed out waiting for ${what}; ${events.length} events, the last: ${JSON.stringify(events.slice(-5))}`));
            }, timeoutMs);
            waiters.add(check);
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}
