import headless from "@xterm/headless";
import { withDefaultTiering } from "../jit-tiering.js";
import { serializeTerminal } from "./serialize.js";

// A CommonJS bundle: take the class from its default export.
const { Terminal } = headless;

/** What a screen is rebuilt from. */
export interface ScreenSource {
  readonly cols: number;
  readonly rows: number;
  readonly scrollbackLines: number;
  readonly chunks: readonly Buffer[];
}

/** Scrollback beyond the line feeds counted, for lines that wrap or scroll without one. */
const SCROLLBACK_SLACK = 64;

/**
 * Replays raw output into a headless xterm and serializes its screen and scrollback, modes included, as the
 * escape sequences that draw it again in the browser's xterm.
 *
 * The terminal's scrollback is sized to the output's line feeds rather than the full limit: a 10,000-line
 * buffer allocates its ring up front, and a quiet shell's restore would make 160 KB of garbage instead of
 * 80 KB, which V8 keeps as resident memory for a while. Should the smaller buffer fill up (lines that wrapped,
 * or scrolled by escape sequences), lines may have been dropped: it replays again with the full limit.
 * It runs with V8's own JIT thresholds, not the gateway's delayed ones (jit-tiering.ts).
 */
export function renderScreen(source: ScreenSource): Promise<string> {
  return withDefaultTiering(() => render(source));
}

async function render(source: ScreenSource): Promise<string> {
  let lineFeeds = 0;
  for (const chunk of source.chunks) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lineFeeds++;
  }
  const sized = Math.min(source.scrollbackLines, lineFeeds + SCROLLBACK_SLACK);
  const screen = await replay(source, sized);
  return screen ?? (await replay(source, source.scrollbackLines))!;
}

/** The serialized screen, or undefined when the buffer filled up with a scrollback below the limit. */
async function replay(source: ScreenSource, scrollback: number): Promise<string | undefined> {
  const terminal = new Terminal({ cols: source.cols, rows: source.rows, scrollback, allowProposedApi: true });
  try {
    for (const chunk of source.chunks) terminal.write(chunk);
    await new Promise<void>((resolve) => terminal.write("", resolve));
    const full = terminal.buffer.normal.length >= scrollback + source.rows;
    if (full && scrollback < source.scrollbackLines) return undefined;
    return serializeTerminal(terminal, source.scrollbackLines);
  } finally {
    terminal.dispose();
  }
}
