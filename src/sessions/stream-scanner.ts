/**
 * Finds what a program says to its terminal emulator about itself in its output stream: the bell (BEL),
 * desktop notifications (OSC 9, OSC 777;notify, OSC 99 from kitty, OSC 7501 agent state) with their text, and window titles
 * (OSC 0 and OSC 2).
 *
 * It sits on the session's hot path, so a chunk with nothing of interest costs three native searches
 * (memchr for BEL, memchr for "]" to find ESC ], and a backward look for the last ESC) and no JavaScript loop. Only a
 * chunk holding a BEL or an OSC, or one that continues a string begun in an earlier read, is walked byte by
 * byte. It follows the VT500 parser's rules that matter here: any ESC ends a control string, BEL ends an
 * OSC (xterm) but is only data inside DCS, SOS, PM and APC strings, and CAN or SUB abort an OSC.
 */

/** What the scanner reports. */
export type StreamSignal =
  | { readonly kind: "bell" }
  | { readonly kind: "notify"; readonly text: string }
  | { readonly kind: "title"; readonly text: string };

/** Longest OSC payload kept: a notification's text is a line; anything longer is dropped unread. */
export const MAX_OSC_BYTES = 4096;
/** Text handed on is cut to this many characters. */
export const MAX_TEXT_CHARS = 200;

const BEL = 0x07;
const ESC = 0x1b;
const CAN = 0x18;
const SUB = 0x1a;

const enum State {
  Ground,
  /** The previous byte was ESC. */
  Escape,
  /** Inside an OSC, collecting its payload. */
  Osc,
  /** Inside DCS, SOS, PM or APC: BEL there is data, not a bell. */
  String,
}

/**
 * Whether ESC ] occurs. Searching for the two-byte needle is 40 times slower than memchr on coloured output
 * (an ESC every few bytes): look for "]", rare in terminal output, and check the byte before it. Plain text
 * (a build log, a file) has no ESC at all, and one memchr for it settles that, where text with many "]"
 * would cost a search per "]".
 */
function hasOscIntro(chunk: Buffer): boolean {
  if (chunk.indexOf(ESC) < 0) return false;
  for (let at = chunk.indexOf(0x5d); at >= 0; at = chunk.indexOf(0x5d, at + 1)) if (at > 0 && chunk[at - 1] === ESC) return true;
  return false;
}

/** A byte that, after ESC, opens a string other than OSC: DCS (P), SOS (X), PM (^), APC (_). */
const isStringIntro = (byte: number): boolean => byte === 0x50 || byte === 0x58 || byte === 0x5e || byte === 0x5f;

/** A scanner per stream: feed it every chunk in order. */
export class StreamScanner {
  private state = State.Ground;
  private osc: Buffer[] = [];
  private oscBytes = 0;

  constructor(private readonly onSignal: (signal: StreamSignal) => void) {}

  scan(chunk: Buffer): void {
    if (this.state === State.Ground && chunk.indexOf(BEL) < 0 && !hasOscIntro(chunk)) {
      // Nothing to report here; only whether a string (or an escape) is left open at the end matters.
      const last = chunk.lastIndexOf(ESC);
      if (last < 0) return;
      if (last === chunk.length - 1) this.state = State.Escape;
      else if (isStringIntro(chunk[last + 1]!)) this.state = State.String;
      return;
    }
    this.walk(chunk);
  }

  private walk(chunk: Buffer): void {
    // The state in a local: a property write per byte made this loop four times slower.
    let state = this.state;
    let oscStart = state === State.Osc ? 0 : -1;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const byte = chunk[i]!;
      if (state === State.Ground) {
        if (byte === ESC) state = State.Escape;
        else if (byte === BEL) this.onSignal({ kind: "bell" });
      } else if (state === State.Escape) {
        if (byte === 0x5d) {
          state = State.Osc;
          oscStart = i + 1;
        } else if (isStringIntro(byte)) state = State.String;
        else if (byte !== ESC) state = State.Ground;
      } else if (state === State.Osc) {
        if (byte === BEL || byte === ESC || byte === CAN || byte === SUB) {
          if (byte === CAN || byte === SUB) this.resetOsc();
          else if (oscStart > 0 && this.oscBytes === 0) this.endOsc(chunk, oscStart, i); // all in this read: no copy
          else {
            this.collect(chunk, oscStart, i);
            this.endOsc();
          }
          oscStart = -1;
          state = byte === ESC ? State.Escape : State.Ground;
        }
      } else {
        // DCS, SOS, PM, APC data can be long (sixel images): jump to the ESC that ends it.
        const end = chunk.indexOf(ESC, i);
        if (end < 0) i = length;
        else {
          i = end;
          state = State.Escape;
        }
      }
    }
    this.state = state;
    if (state === State.Osc && oscStart >= 0) this.collect(chunk, oscStart, length);
  }

  private collect(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.oscBytes += end - start;
    // Past the limit the payload is only counted (and dropped at its end): a hostile length costs no memory.
    if (this.oscBytes <= MAX_OSC_BYTES) this.osc.push(Buffer.from(chunk.subarray(start, end)));
  }

  /** Ends the OSC collected so far, or the one at chunk[start, end) when given. */
  private endOsc(chunk?: Buffer, start = 0, end = 0): void {
    const whole = chunk ?? (this.oscBytes <= MAX_OSC_BYTES ? Buffer.concat(this.osc) : undefined);
    if (!chunk) this.resetOsc();
    if (whole === undefined || (chunk !== undefined && end - start > MAX_OSC_BYTES)) return;
    const from = chunk ? start : 0;
    const to = chunk ? end : whole.length;
    // Only OSC 0, 2, 9, 99 and 777 say anything here; hyperlinks (8) and colours (4, 10-19) are skipped undecoded.
    const first = whole[from];
    if (first !== 0x30 && first !== 0x32 && first !== 0x39 && first !== 0x37) return;
    const signal = interpretOsc(whole.toString("utf8", from, to));
    if (signal) this.onSignal(signal);
  }

  private resetOsc(): void {
    this.osc = [];
    this.oscBytes = 0;
  }
}

/** The signal an OSC payload ("9;text", "0;title", …) carries, if any. */
export function interpretOsc(payload: string): StreamSignal | undefined {
  const semi = payload.indexOf(";");
  const code = semi < 0 ? payload : payload.slice(0, semi);
  const rest = semi < 0 ? "" : payload.slice(semi + 1);
  switch (code) {
    case "0":
    case "2":
      return { kind: "title", text: clean(rest) };
    case "9":
      // ConEmu's OSC 9;<n>;… commands (progress bars: 9;4;st;pr) are not notifications.
      if (/^\d+(;|$)/.test(rest)) return undefined;
      return { kind: "notify", text: clean(rest) };
    case "777": {
      // rxvt-unicode / foot / ghostty: 777;notify;<title>;<body>
      const [kind, title = "", ...body] = rest.split(";");
      if (kind !== "notify") return undefined;
      return { kind: "notify", text: clean([title, body.join(";")].filter(Boolean).join(": ")) };
    }
    case "7501": {
      // Agent state reports (Codex sends state=idle|working|done:app=codex; Claude Code queries with "?").
      const fields = new Map(rest.split(":").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
      const app = clean(fields.get("app") ?? "") || "The agent";
      const label = app.charAt(0).toUpperCase() + app.slice(1);
      const state = fields.get("state");
      if (state === "done") return { kind: "notify", text: `${label} finished` };
      if (state === "waiting" || state === "input" || state === "approval") return { kind: "notify", text: `${label} needs you` };
      return undefined;
    }
    case "99": {
      // kitty: 99;<key=value:…>;<payload>; payloads of p=title or p=body; base64 when e=1. Queries (p=?) say nothing.
      const split = rest.indexOf(";");
      const meta = split < 0 ? rest : rest.slice(0, split);
      let text = split < 0 ? "" : rest.slice(split + 1);
      const fields = new Map(meta.split(":").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
      const part = fields.get("p") ?? "title";
      if (part !== "title" && part !== "body") return undefined;
      if (fields.get("e") === "1") text = Buffer.from(text, "base64").toString("utf8");
      return { kind: "notify", text: clean(text) };
    }
    default:
      return undefined;
  }
}

/** Printable text only, trimmed and cut: it goes into JSON events and browser notifications. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\x00-\x1f\x7f-\x9f]+/g, " ").trim();
  return flat.length > MAX_TEXT_CHARS ? `${flat.slice(0, MAX_TEXT_CHARS - 1)}…` : flat;
}
