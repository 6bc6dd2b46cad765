import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AgentSpec } from "./config.js";
import { HttpError } from "./http-error.js";
import type { EchoTrace } from "./sessions/echo-trace.js";
import type { Launch } from "./sessions/pty-process.js";
import { Session, type SessionInfo } from "./sessions/session.js";

export interface SessionManagerOptions {
  readonly maxSessions: number;
  readonly lingerMinutes: number;
  readonly scrollbackBytes: number;
  readonly scrollbackLines: number;
  readonly logger: Logger;
  /** Every session marks its keystrokes' stages here (GATEWAY_ECHO_TRACE; a bench diagnostic). */
  readonly trace?: EchoTrace;
}

export interface CreateSession {
  readonly agent: AgentSpec;
  readonly launch: Launch;
  readonly cols: number;
  readonly rows: number;
}

/** Listens to the set of live sessions: token rotation runs only while one exists. */
export type SessionListener = (event: "created" | "exited" | "removed", session: Session) => void;

/** Owns every terminal session: creation within the limit, lookup, closing, and the linger timeout. */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly lingerTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<SessionListener>();
  private readonly activityListeners = new Set<(session: Session) => void>();
  private closed = false;

  constructor(private readonly options: SessionManagerOptions) {}

  /** Starts a session; 429 above the limit. */
  create(request: CreateSession): Session {
    if (this.closed) throw new HttpError(503, "shutting_down", "The gateway is shutting down.");
    if (this.sessions.size >= this.options.maxSessions) {
      throw new HttpError(
        429,
        "too_many_sessions",
        `At most ${this.options.maxSessions} sessions may be open at once; close one first.`,
      );
    }
    let session: Session;
    try {
      session = new Session({
        id: randomUUID(),
        agent: request.agent.id,
        title: request.agent.label,
        launch: request.launch,
        cols: request.cols,
        rows: request.rows,
        scrollbackBytes: this.options.scrollbackBytes,
        scrollbackLines: this.options.scrollbackLines,
        logger: this.options.logger,
        trace: this.options.trace,
        onExit: (s) => this.emit("exited", s),
        onClients: (s) => this.onClients(s),
        onActivity: (s) => this.emitActivity(s),
      });
    } catch (error) {
      throw new HttpError(500, "spawn_failed", `Could not start ${request.agent.label}: ${(error as Error).message}`);
    }
    this.sessions.set(session.id, session);
    this.onClients(session);
    this.emit("created", session);
    return session;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  /** Sessions whose process still runs. */
  liveCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) if (!session.exited) count++;
    return count;
  }

  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listens to activity changes (state, message, program title) of every session. */
  subscribeActivity(listener: (session: Session) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Ends a session's processes, tells its clients, and forgets it; false when unknown. */
  async remove(id: string): Promise<boolean> {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    this.clearLinger(id);
    await session.kill();
    session.closeClients(1000, "session closed");
    this.emit("removed", session);
    return true;
  }

  /** Tells every client the gateway is going away and ends every session. */
  async close(): Promise<void> {
    this.closed = true;
    for (const session of this.sessions.values()) session.broadcast({ type: "shutdown" });
    await Promise.all([...this.sessions.keys()].map((id) => this.remove(id)));
  }

  private onClients(session: Session): void {
    if (!this.sessions.has(session.id)) return;
    this.clearLinger(session.id);
    if (session.clientCount > 0 || this.closed) return;
    const timer = setTimeout(
      () => {
        this.options.logger.info({ session: session.id }, "closing a session no client attached to");
        void this.remove(session.id);
      },
      this.options.lingerMinutes * 60_000,
    );
    timer.unref();
    this.lingerTimers.set(session.id, timer);
  }

  private clearLinger(id: string): void {
    clearTimeout(this.lingerTimers.get(id));
    this.lingerTimers.delete(id);
  }

  private emitActivity(session: Session): void {
    if (!this.sessions.has(session.id)) return;
    for (const listener of this.activityListeners) {
      try {
        listener(session);
      } catch (error) {
        this.options.logger.error({ err: error }, "activity listener failed");
      }
    }
  }

  private emit(event: "created" | "exited" | "removed", session: Session): void {
    for (const listener of this.listeners) {
      try {
        listener(event, session);
      } catch (error) {
        this.options.logger.error({ err: error }, "session listener failed");
      }
    }
  }
}
