import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino, { type Logger } from "pino";
import { StringDecoder } from "node:string_decoder";
import { WebSocket } from "ws";
import { loadConfig, type ConfigFile } from "../../src/config.js";
import { secretSafeOptions } from "../../src/logger.js";
import { ACK_BYTES } from "../../src/sessions/protocol.js";
import { createServer, type Gateway, type GatewayOptions } from "../../src/server.js";
import { KEY_ENV, registerGateway, unregisterGateway, withKey } from "./local-key.js";

/** Log lines a test gateway wrote, parsed: tests read them to prove no secret was logged. */
export interface LogSink {
  readonly lines: string[];
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly home: string;
  readonly logs: LogSink;
  readonly logger: Logger;
  /** fetch against the gateway, with JSON in and out. */
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates a session and returns its id. */
  createSession(body?: Record<string, unknown>): Promise<string>;
  /** Opens a terminal client on a session. */
  connect(id: string, options?: { ack?: boolean; headers?: Record<string, string> }): Promise<TerminalClient>;
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** Environment on top of a clean temp HOME and PORT=0. */
  readonly env?: Record<string, string | undefined>;
  readonly file?: ConfigFile;
  readonly overrides?: Partial<Omit<GatewayOptions, "config" | "logger" | "env">>;
  /** Headers on every api() and connect() call, e.g. the owner's X-Forwarded-Email in app mode. */
  readonly headers?: Record<string, string>;
  /** Reuse this HOME (a restart); dispose() then leaves it for the caller to remove. */
  readonly home?: string;
  /**
   * Error-level log lines this test expects: true for any, a RegExp for those whose message matches. Any other
   * error-level line fails dispose(), so a test does not pass over an error it did not look for.
   */
  readonly expectErrors?: boolean | RegExp;
}

/** Starts the real gateway (the same createServer() as main.ts) on 127.0.0.1:0 with a temp HOME. */
export async function startGateway(options: StartOptions = {}): Promise<TestGateway> {
  const home = options.home ?? mkdtempSync(path.join(tmpdir(), "gw-home-"));
  const env = {
    HOME: home,
    PATH: process.env.PATH,
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    PORT: "0",
    // Local mode's key (issue 14): every helper below sends it, so tests need not.
    ...KEY_ENV,
    // The history backup (issue 15) makes its own workspace calls; tests of it turn it on (backup-fixture.ts).
    BACKUP: "off",
    ...options.env,
  };
  const config = loadConfig(env, options.file);
  const logs: LogSink = { lines: [] };
  // The gateway's own secret handling (redaction and scrubbing), so tests read what production would log.
  const logger = pino(secretSafeOptions("debug"), { write: (line: string) => void logs.lines.push(line) });
  const gateway = createServer({ config, logger, env, ...options.overrides });
  const url = await gateway.listen();
  await registerGateway(url, gateway.localKey);
  const sockets = new Set<TerminalClient>();

  const api: TestGateway["api"] = async (method, route, body, headers = {}) => {
    const res = await fetch(url + route, {
      method,
      headers: withKey(url, { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers, ...headers }),
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    gateway,
    url,
    home,
    logs,
    logger,
    api,
    async createSession(body = {}) {
      const res = await api("POST", "/api/sessions", { agent: "shell", ...body });
      if (res.status !== 201) throw new Error(`create session: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
    async connect(id, connectOptions = {}) {
      const client = await TerminalClient.open(`${url.replace(/^http/, "ws")}/api/sessions/${id}/ws`, {
        ...connectOptions,
        headers: { ...options.headers, ...connectOptions.headers },
      });
      // Kept until it closes, so dispose() can close it; a closed client is the caller's alone.
      sockets.add(client);
      client.ws.once("close", () => sockets.delete(client));
      return client;
    },
    async dispose() {
      for (const client of sockets) client.close();
      await gateway.close();
      unregisterGateway(url);
      if (!options.home) rmSync(home, { recursive: true, force: true });
      const unexpected = unexpectedErrors(logs.lines, options.expectErrors);
      if (unexpected.length > 0) {
        throw new Error(`the gateway logged ${unexpected.length} error line(s) this test did not expect (StartOptions.expectErrors):\n${unexpected.join("\n")}`);
      }
    },
  };
}

/** pino's "error" level; "fatal" is above it. */
const ERROR_LEVEL = 50;

/** The error-level lines of a gateway's log that `expected` does not cover, shortened for a failure message. */
export function unexpectedErrors(lines: readonly string[], expected: boolean | RegExp | undefined): string[] {
  if (expected === true) return [];
  return lines.filter((line) => {
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      return false;
    }
    if ((entry.level ?? 0) < ERROR_LEVEL) return false;
    return !(expected instanceof RegExp && expected.test(entry.msg ?? ""));
  }).map((line) => line.slice(0, 500));
}

/** A terminal client speaking the gateway's protocol, acknowledging output as the browser does. */
export class TerminalClient {
  readonly events: any[] = [];
  private decoder = new StringDecoder("utf8");
  /** Decoded output in pieces: concatenating one big string per message would flatten it every time. */
  private pieces: string[] = [];
  private counts = new Map<string, number>();
  private bytes = 0;
  private unacked = 0;
  private waiters = new Set<() => void>();
  closed = false;
  closeCode: number | undefined;

  private constructor(
    readonly ws: WebSocket,
    private readonly ack: boolean,
    private readonly keepText: boolean,
  ) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        const buf = data as Buffer;
        if (this.keepText) this.pieces.push(this.decoder.write(buf));
        for (const [byte, n] of this.counts) this.counts.set(byte, n + countByte(buf, byte.charCodeAt(0)));
        this.bytes += buf.length;
        this.unacked += buf.length;
        if (this.ack && this.unacked >= ACK_BYTES) {
          this.send({ type: "ack", bytes: this.unacked });
          this.unacked = 0;
        }
      } else {
        this.events.push(JSON.parse(String(data)));
      }
      this.notify();
    });
    ws.on("close", (code) => {
      this.closed = true;
      this.closeCode = code;
      this.notify();
    });
  }

  /** `keepText: false` for a client that streams for minutes: it counts bytes and keeps no text. */
  static open(url: string, options: { ack?: boolean; keepText?: boolean; headers?: Record<string, string> } = {}): Promise<TerminalClient> {
    return new Promise((resolve, reject) => {
      // The local key unless the caller sends an Authorization of its own.
      const headers = withKey(url, options.headers);
      const ws = new WebSocket(url, { perMessageDeflate: false, headers });
      const client = new TerminalClient(ws, options.ack ?? true, options.keepText ?? true);
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** Everything received so far as text. */
  get text(): string {
    return this.pieces.join("");
  }

  /** Starts counting an ASCII character in the output (cheaper than scanning a large text). */
  track(char: string): void {
    this.counts.set(char, countByte(Buffer.from(this.text, "utf8"), char.charCodeAt(0)));
  }

  /** How often a tracked character appeared. */
  count(char: string): number {
    return this.counts.get(char) ?? countByte(Buffer.from(this.text, "utf8"), char.charCodeAt(0));
  }

  get received(): number {
    return this.bytes;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  input(data: string): void {
    this.send({ type: "input", data });
  }

  /** Waits until the predicate holds, re-checking on every message (the same argument order as helpers/until.ts). */
  async until(predicate: () => boolean, what = "condition", timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; last output: ${JSON.stringify(this.text.slice(-300))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Waits for text to appear in the output; a string is searched only in what arrived since the last look. */
  waitFor(pattern: string | RegExp, timeoutMs = 10_000): Promise<void> {
    let seen = 0;
    let carry = "";
    const test = () => {
      if (typeof pattern !== "string") return pattern.test(this.text);
      const fresh = carry + this.pieces.slice(seen).join("");
      seen = this.pieces.length;
      carry = fresh.slice(-pattern.length);
      return fresh.includes(pattern);
    };
    return this.until(test, String(pattern), timeoutMs);
  }

  waitForEvent(type: string, timeoutMs = 10_000): Promise<any> {
    return this.until(() => this.events.some((e) => e.type === type), `event ${type}`, timeoutMs).then(() =>
      this.events.find((e) => e.type === type),
    );
  }

  close(): void {
    if (!this.closed) this.ws.close();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i !== -1; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}
