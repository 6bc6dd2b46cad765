// A minimal page: one full-window terminal attached to a shell session, re-attached after a reload.
import { Terminal } from "./vendor/xterm/lib/xterm.mjs";
import { FitAddon } from "./vendor/addon-fit/lib/addon-fit.mjs";

const ACK_EVERY = 64 * 1024;
const terminal = new Terminal({ cursorBlink: true, fontSize: 14, theme: { background: "#1e1e2e" } });
const fit = new FitAddon();
terminal.loadAddon(fit);
terminal.open(document.getElementById("terminal"));
fit.fit();

async function api(method, url, body) {
  const res = await fetch(url, { method, headers: body ? { "Content-Type": "application/json" } : {}, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error((await res.json()).error.message);
  return res.status === 204 ? null : res.json();
}

async function sessionId() {
  const saved = localStorage.getItem("session");
  const live = await api("GET", "api/sessions");
  if (live.some((s) => s.id === saved && !s.exited)) return saved;
  const created = await api("POST", "api/sessions", { agent: "shell", cols: terminal.cols, rows: terminal.rows });
  localStorage.setItem("session", created.id);
  return created.id;
}

let socket;
const send = (frame) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(frame));
terminal.onData((data) => send({ type: "input", data }));
terminal.onResize(({ cols, rows }) => send({ type: "resize", cols, rows }));

async function connect() {
  const id = await sessionId();
  const ws = (socket = new WebSocket(new URL(`api/sessions/${id}/ws`, location.href.replace(/^http/, "ws"))));
  ws.binaryType = "arraybuffer";
  let unacked = 0;
  ws.onopen = () => send({ type: "resize", cols: terminal.cols, rows: terminal.rows });
  ws.onmessage = (event) => {
    if (typeof event.data === "string") {
      const msg = JSON.parse(event.data);
      if (msg.type === "exit") terminal.write(`\r\n[process exited with code ${msg.code}]\r\n`);
      return;
    }
    const bytes = new Uint8Array(event.data);
    terminal.write(bytes, () => {
      unacked += bytes.length;
      if (unacked >= ACK_EVERY) {
        send({ type: "ack", bytes: unacked });
        unacked = 0;
      }
    });
  };
  ws.onclose = () => setTimeout(connect, 1000);
}

window.addEventListener("resize", () => fit.fit());
connect().catch((error) => terminal.write(`\r\n${error.message}\r\n`));
