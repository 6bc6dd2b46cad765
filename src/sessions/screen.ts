import headless from "@xterm/headless";
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

/**
 * Replays raw output into a headless xterm and serializes its screen and scrollback, modes included, as the
 * escape sequences that draw it again in the browser's xterm.
 */
export async function renderScreen(source: ScreenSource): Promise<string> {
  const terminal = new Terminal({
    cols: source.cols,
    rows: source.rows,
    scrollback: source.scrollbackLines,
    allowProposedApi: true,
  });
  try {
    for (const chunk of source.chunks) terminal.write(chunk);
    await new Promise<void>((resolve) => terminal.write("", resolve));
    return serializeTerminal(terminal, source.scrollbackLines);
  } finally {
    terminal.dispose();
  }
}
