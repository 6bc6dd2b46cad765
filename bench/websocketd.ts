/**
 * The compiled reference for keystroke echo: `websocketd --binary` (Go, Debian's websocketd package) in front
 * of `script -q`, which gives the bench's echo program a PTY. Every WebSocket message is written to script's
 * stdin and every read of its stdout goes out as a binary message: a byte pipe, reached through the bench
 * client's raw adapter (the gateway's protocol is not changed for it). It has one process more on the way than
 * ttyd (script relays between its pipes and the PTY), so it is a conservative stand-in for ttyd.
 */
import { spawn, spawnSync } from "node:child_process";
import { connect, createServer } from "node:net";
import { echoLatencies, type EchoClient } from "./latency.js";
import { echoScript } from "./programs.js";

/** websocketd's path, or undefined when the package is not installed. */
export function websocketdPath(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v websocketd && command -v script"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.split("\n")[0] : undefined;
}

/** Keystroke echo through websocketd + script, a fresh process per call (as the ceiling). */
export async function websocketdEchoLatencies(file: string, keystrokes: number, by: EchoClient = "node"): Promise<number[]> {
  const port = await freePort();
  const child = spawn(file, ["--port", String(port), "--address", "127.0.0.1", "--binary", "--loglevel", "error", "script", "-q", "-c", echoScript(), "/dev/null"], {
    stdio: ["ignore", "ignore", "inherit"],
    // script runs the command with $SHELL -c.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SHELL: "/bin/sh", LANG: "C.UTF-8" },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitListening(port, child);
    return await echoLatencies({ url, raw: true, createSession: async () => "websocketd", api: async () => undefined }, keystrokes, by);
  } finally {
    child.kill();
  }
}

/** A port nobody listens on right now (websocketd cannot report one it picked itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, child: ReturnType<typeof spawn>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (child.exitCode !== null) throw new Error(`websocketd exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("websocketd did not listen within 5 s");
}
