import headless from "@xterm/headless";
import serialize from "@xterm/addon-serialize";

// Both packages are CommonJS bundles: take the classes from their default export.
const { Terminal } = headless;
const { SerializeAddon } = serialize;

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
    const serializer = new SerializeAddon();
    terminal.loadAddon(serializer);
    for (const chunk of source.chunks) terminal.write(chunk);
    await new Promise<void>((resolve) => terminal.write("", resolve));
    return serializer.serialize({ scrollback: source.scrollbackLines });
  } finally {
    terminal.dispose();
  }
}
