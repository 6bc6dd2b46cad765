import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/** Keep-alive agents for a proxy's upstream calls, one pair per proxy, ended with it. */
export interface UpstreamAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/** A fresh pair of keep-alive agents. */
export function upstreamAgents(): UpstreamAgents {
  return { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
}

/**
 * Listens on 127.0.0.1 on a free port, never reachable from outside the machine, and resolves with the base URL
 * (the model and MCP proxies the agents call).
 */
export function listenOnLoopback(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Ends every connection to the server and every upstream socket of its agents, then closes the server. */
export async function closeLoopback(server: http.Server, agents: UpstreamAgents): Promise<void> {
  server.closeAllConnections();
  agents.http.destroy();
  agents.https.destroy();
  if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Relays an upstream answer to `res` as it comes, without the `dropped` headers: headers at once and every chunk
 * unbuffered (SSE must not wait in a buffer); pipe() keeps backpressure; an upstream error ends the client's answer.
 */
export function relayAnswer(answer: http.IncomingMessage, res: http.ServerResponse, dropped: ReadonlySet<string>): void {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !dropped.has(name)) out[name] = value;
  }
  res.writeHead(answer.statusCode ?? 502, out);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  answer.pipe(res);
  answer.on("error", () => res.destroy());
}
