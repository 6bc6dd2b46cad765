// A fresh install's first minute, as a newcomer has it: `npm start` in DIR (its prestart build included), a shell
// session opened over the HTTP API, `echo` typed into it over the WebSocket, the output read back, SIGTERM.
//
//   node .ci/smoke.mjs DIR        (PATH decides which node and npm run it; exit 0 when the echo came back)
//
// Plain JavaScript on purpose: it runs before anything is built, with DIR's own `ws`.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? ".");
const WebSocket = createRequire(path.join(dir, "package.json"))("ws");
const DEADLINE_MS = 180_000;
const started = Date.now();
const home = mkdtempSync(path.join(tmpdir(), "gw-smoke-home-"));

/** The local-mode key, read from the address the gateway prints at start (as a newcomer opens it). */
let key = "";
/** Headers for every request to the gateway: the key as a Bearer, as scripts send it. */
const headers = () => ({ "content-type": "application/json", authorization: `Bearer ${key}` });

const child = spawn("npm", ["start"], {
  cwd: dir,
  detached: true,
  env: { PATH: process.env.PATH, HOME: home, SHELL: "/bin/bash", LANG: "C.UTF-8", PORT: "0", LOG_LEVEL: "info" },
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
child.stdout.on("data", (d) => (output += d));
child.stderr.on("data", (d) => (output += d));
const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
const fail = (message) => {
  process.stderr.write(`smoke: ${message}\n--- npm start output ---\n${output}\n`);
  try { process.kill(-child.pid, "SIGKILL"); } catch {}
  rmSync(home, { recursive: true, force: true });
  process.exit(1);
};
const timer = setTimeout(() => fail(`no echo within ${DEADLINE_MS} ms`), DEADLINE_MS);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what, test) {
  for (;;) {
    const value = test();
    if (value) return value;
    if (child.exitCode !== null) fail(`npm start exited (${child.exitCode}) before ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const listen = await until("listening", () => /"pid":(\d+),[^\n]*"url":"(http:\/\/[^"]+)"/.exec(output));
const [gatewayPid, url] = [Number(listen[1]), listen[2]];
key = (await until("the printed address with its key", () => /http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9._~-]+)/.exec(output)))[1];
const refused = await fetch(`${url}/api/sessions`);
if (refused.status !== 401) fail(`GET /api/sessions without the key: ${refused.status}, expected 401`);
const listening = Date.now() - started;
const res = await fetch(`${url}/api/sessions`, { method: "POST", headers: headers(), body: JSON.stringify({ agent: "shell" }) });
if (res.status !== 201) fail(`POST /api/sessions: ${res.status} ${await res.text()}`);
const { id, pid: shellPid } = await res.json();
const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/sessions/${id}/ws`, { headers: headers() });
let text = "";
ws.on("message", (data, isBinary) => {
  if (!isBinary) return;
  text += data.toString("utf8");
  ws.send(JSON.stringify({ type: "ack", bytes: data.length }));
});
await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
// The shell computes the marker, so the typed line's echo alone cannot satisfy the wait.
ws.send(JSON.stringify({ type: "input", data: "echo smoke-$((6*7))-ok\r" }));
await until("the echo", () => text.includes("smoke-42-ok"));
ws.close();
// The gateway itself, as the platform signals it; npm then ends with the gateway's exit code.
process.kill(gatewayPid, "SIGTERM");
const { code, signal } = await exited;
clearTimeout(timer);
rmSync(home, { recursive: true, force: true });
if (code !== 0) fail(`npm start ended with ${code ?? signal} after SIGTERM`);
if (alive(shellPid)) fail(`the session's shell (pid ${shellPid}) outlived the gateway`);
console.log(`smoke: ${process.version}, npm start listening after ${listening} ms; shell echo ok; exited 0 on SIGTERM (${Date.now() - started} ms in all)`);
