import type { Logger } from "pino";
import type { SessionManager } from "./sessions.js";
import { EventHub, formatEvent, type EventClient } from "./events/event-hub.js";
import { StatusWatch, type StatusSource } from "./events/status-watch.js";

/** Every event type GET /api/events sends (README "The page" lists their data). */
export const EVENT_TYPES = ["hello", "session-created", "session-exited", "session-removed", "activity", "token", "sync", "ide", "models", "shutdown"] as const;

/** Keeps a quiet stream open through proxies that close idle connections (the Apps proxy, nginx's 60 s). */
const HEARTBEAT_MS = 25_000;

export interface EventsOptions {
  readonly sessions: SessionManager;
  /** Statuses the page shows besides the sessions (token, sync, ide, models). */
  readonly sources: readonly StatusSource[];
  readonly logger: Logger;
  readonly maxBufferedBytes?: number;
  readonly maxClients?: number;
  readonly statusIntervalMs?: number;
}

/** The live channel: session, activity and status changes pushed to every open page. */
export interface Events {
  /** Starts a reader: its snapshot ("hello") first, then every change. */
  connect(client: EventClient): Promise<() => void>;
  /** False when the reader limit is reached. */
  hasRoom(): boolean;
  /** Looks at the statuses now (a change the gateway made itself). */
  poke(): void;
  close(): void;
}

/** Wires the session manager and the status sources to an EventHub. */
export function createEvents(options: EventsOptions): Events {
  const { sessions } = options;
  const logger = options.logger.child({ component: "events" });
  const hub = new EventHub({ logger, maxBufferedBytes: options.maxBufferedBytes, maxClients: options.maxClients });
  const watch = new StatusWatch({ sources: options.sources, logger, intervalMs: options.statusIntervalMs, onChange: (type, value) => hub.publish(type, value) });
  let heartbeat: NodeJS.Timeout | undefined;

  const unsubscribe = sessions.subscribe((event, session) => {
    if (event === "created") hub.publish("session-created", session.info());
    else if (event === "exited") {
      const info = session.info();
      hub.publish("session-exited", { id: info.id, exitCode: info.exitCode, ...(info.exitSignal ? { exitSignal: info.exitSignal } : {}) });
    } else hub.publish("session-removed", { id: session.id });
  });
  const unsubscribeActivity = sessions.subscribeActivity((session) => hub.publish("activity", { id: session.id, ...session.activity.info() }));

  const stopIfIdle = () => {
    if (hub.size > 0) return;
    watch.stop();
    clearInterval(heartbeat);
    heartbeat = undefined;
  };

  return {
    hasRoom: () => hub.size < hub.maxClients,
    async connect(client) {
      const status = await watch.snapshot();
      const remove = hub.add(client);
      hub.sendTo(client, "retry: 2000\n" + formatEvent("hello", { sessions: sessions.list(), status }));
      watch.start();
      heartbeat ??= setInterval(() => hub.heartbeat(), HEARTBEAT_MS).unref();
      return () => {
        remove();
        stopIfIdle();
      };
    },
    poke: () => watch.poke(),
    close() {
      // Pages tell a gateway that stopped from one that cannot be reached.
      hub.publish("shutdown", {});
      unsubscribe();
      unsubscribeActivity();
      hub.close();
      stopIfIdle();
    },
  };
}
