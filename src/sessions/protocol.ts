/** The WebSocket protocol between a terminal tab and its session; the browser mirrors these names. */

/** Frames a client may send, as JSON text. */
export type ClientFrame =
  | { readonly type: "input"; readonly data: string }
  | { readonly type: "resize"; readonly cols: number; readonly rows: number }
  | { readonly type: "ack"; readonly bytes: number };

/** Events the server sends, as JSON text; terminal output travels as binary frames. */
export type ServerEvent =
  | { readonly type: "exit"; readonly code: number | null; readonly signal?: number }
  | { readonly type: "error"; readonly message: string }
  | { readonly type: "shutdown" }
  | { readonly type: "restored" }
  | { readonly type: "notice"; readonly message: string };

/**
 * A client acknowledges the output it has parsed in steps of this many bytes (the page in
 * public/js/connection.js mirrors it): well inside the flow-control window (flow-control.ts), so that a client
 * that acks this way never holds the PTY paused for long.
 */
export const ACK_BYTES = 64 * 1024;

export const MIN_SIZE = 1;
export const MAX_SIZE = 1000;
/** Largest input frame's data, in UTF-16 units: a big paste, not a flood. */
export const MAX_INPUT_LENGTH = 1024 * 1024;

export type ParseResult = { readonly ok: true; readonly frame: ClientFrame } | { readonly ok: false; readonly message: string };

/** Validates one client frame; never throws. */
export function parseClientFrame(data: Buffer | string, isBinary: boolean): ParseResult {
  if (isBinary) return fail("binary frames are not accepted; send JSON text frames");
  let value: unknown;
  try {
    value = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
  } catch {
    return fail("frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("frame must be a JSON object");
  const frame = value as Record<string, unknown>;
  switch (frame.type) {
    case "input":
      if (typeof frame.data !== "string") return fail("input.data must be a string");
      if (frame.data.length > MAX_INPUT_LENGTH) return fail(`input.data is longer than ${MAX_INPUT_LENGTH}`);
      return { ok: true, frame: { type: "input", data: frame.data } };
    case "resize":
      if (!isSize(frame.cols) || !isSize(frame.rows)) {
        return fail(`resize.cols and resize.rows must be whole numbers from ${MIN_SIZE} to ${MAX_SIZE}`);
      }
      return { ok: true, frame: { type: "resize", cols: frame.cols, rows: frame.rows } };
    case "ack":
      if (typeof frame.bytes !== "number" || !Number.isSafeInteger(frame.bytes) || frame.bytes < 0) {
        return fail("ack.bytes must be a non-negative whole number");
      }
      return { ok: true, frame: { type: "ack", bytes: frame.bytes } };
    default:
      return fail(`unknown frame type ${JSON.stringify(String(frame.type)).slice(0, 40)}`);
  }
}

/** True for a terminal dimension the gateway accepts. */
export function isSize(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= MIN_SIZE && value <= MAX_SIZE;
}

function fail(message: string): ParseResult {
  return { ok: false, message };
}
