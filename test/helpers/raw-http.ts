import net from "node:net";
import { keyHeaders } from "./local-key.js";

/** rawRequest's options: `key: false` leaves out local mode's key (tests of the refusal). */
export interface RawOptions {
  readonly key?: boolean;
}

/** A response read off a raw socket: status, lower-cased headers (repeats joined) and the body as text. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends one HTTP/1.1 request over a plain socket, with the headers exactly as given (repeats and odd
 * case included, which fetch and ws would merge or refuse). An upgrade request ends at the status line.
 * A registered local gateway's key is added as `Authorization: Bearer` unless the headers carry an
 * Authorization of their own or `options.key` is false.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body = "",
  options: RawOptions = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const has = (header: string) => headers.some(([name]) => name.toLowerCase() === header);
  const key = options.key === false || has("authorization") ? [] : Object.entries(keyHeaders(baseUrl)).map(([n, v]) => `${n}: ${v}`);
  const hasHost = has("host");
  const lines = [
    `${method} ${path} HTTP/1.1`,
    ...(hasHost ? [] : [`Host: ${hostname}:${port}`]),
    ...headers.map(([name, value]) => `${name}: ${value}`),
    ...key,
    ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
    ...(has("connection") ? [] : ["Connection: close"]),
  ];
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      socket.destroy();
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no complete response: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...headerLines] = text.slice(0, split).split("\r\n");
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        parsed[name] = parsed[name] === undefined ? value : `${parsed[name]}, ${value}`;
      }
      const rest = text.slice(split + 4);
      resolve({
        status: Number(statusLine!.split(" ")[1]),
        headers: parsed,
        body: parsed["transfer-encoding"] === "chunked" ? dechunk(rest) : rest,
      });
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // A 101 keeps the socket open: the status line and headers are all a test needs.
      if (/^HTTP\/1\.1 101 [^]*\r\n\r\n/.test(Buffer.concat(chunks).toString("latin1"))) finish();
    });
    socket.on("end", finish);
    socket.on("error", reject);
    socket.write(lines.join("\r\n") + "\r\n\r\n" + body);
  });
}

/** The headers of a WebSocket handshake, for rawRequest. */
export const UPGRADE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
  ["Sec-WebSocket-Version", "13"],
];

function dechunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
