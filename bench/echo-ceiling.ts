/**
 * Ceiling for keystroke echo: the smallest server that could do the gateway's job, one Node process with ws
 * and node-pty and nothing else. It speaks the gateway's terminal protocol at /api/sessions/<id>/ws (a
 * `restored` event, then output as binary frames; input frames in), running the bench's echo program.
 * Usage: node echo-ceiling.js; prints the URL, then serves until killed.
 */
import http from "node:http";
import * as pty from "@lydell/node-pty";
import { WebSocketServer } from "ws";
import { echoScript } from "./programs.js";

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on("connection", (ws) => {
  const term = pty.spawn("/bin/sh", ["-c", echoScript()], { name: "xterm-256color", cols: 80, rows: 24, encoding: null });
  ws.send(JSON.stringify({ type: "restored" }));
  term.onData((data) => ws.send(data as unknown as Buffer, { binary: true }));
  ws.on("message", (frame) => {
    const message = JSON.parse(String(frame)) as { type: string; data?: string };
    if (message.type === "input" && message.data) term.write(message.data);
  });
  ws.on("close", () => term.kill());
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`http://127.0.0.1:${port}\n`);
});
