import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { HttpError, refuseUpgrade } from "../http-error.js";
import { targetPath, type UpgradeRoute } from "../upgrade.js";
import { parseClientFrame } from "./protocol.js";
import type { SessionManager } from "../sessions.js";

const PATH = /^\/api\/sessions\/([0-9a-f-]{36})\/ws$/;

/** The WebSocket at /api/sessions/:id/ws that streams a session to a client. */
export function createTerminalSocket(options: {
  sessions: SessionManager;
  maxFrameBytes: number;
  logger: Logger;
}): UpgradeRoute & { close(): void } {
  const { sessions, logger } = options;
  // Deflate is declined: it costs 4x the throughput and 4-6x the server CPU on terminal output.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: options.maxFrameBytes });

  return {
    probePath: "/api/sessions/probe/ws",
    matches: (pathname) => pathname.startsWith("/api/sessions/") && pathname.endsWith("/ws"),
    handle(req, socket, head) {
      const id = PATH.exec(targetPath(req.url) ?? "")?.[1];
      const session = id ? sessions.get(id) : undefined;
      if (!session) {
        refuseUpgrade(socket, new HttpError(404, "unknown_session", "There is no such session."));
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const detach = session.attach(ws, socket);
        ws.on("message", (data, isBinary) => {
          const parsed = parseClientFrame(data as Buffer, isBinary);
          if (parsed.ok) session.handle(ws, parsed.frame);
          else ws.send(JSON.stringify({ type: "error", message: parsed.message }));
        });
        ws.on("close", detach);
        ws.on("error", (error) => {
          logger.debug({ err: error, session: session.id }, "terminal socket error");
          detach();
        });
      });
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
