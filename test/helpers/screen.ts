import headless from "@xterm/headless";
import type { TerminalClient } from "./gateway.js";

// A CommonJS bundle: take the class from its default export.
const { Terminal } = headless;

/**
 * What a terminal client's screen shows, rendered by a headless xterm fed with the same bytes: TUIs (the agent
 * CLIs) move the cursor around, so the raw byte stream does not hold their text in reading order.
 */
export class ScreenMirror {
  private readonly terminal: InstanceType<typeof Terminal>;
  private pending = Promise.resolve();

  constructor(
    client: TerminalClient,
    readonly cols = 120,
    readonly rows = 40,
  ) {
    this.terminal = new Terminal({ cols, rows, scrollback: 2000, allowProposedApi: true });
    const feed = (data: Buffer) => {
      this.pending = new Promise((resolve) => this.terminal.write(data, resolve));
    };
    feed(Buffer.from(client.text, "utf8"));
    client.ws.on("message", (data, isBinary) => {
      if (isBinary) feed(data as Buffer);
    });
  }

  /** The visible screen and scrollback as plain text, one line per row. */
  async text(): Promise<string> {
    await this.pending;
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
    return lines.join("\n");
  }

  /** Waits until the rendered screen matches, polling; the error carries the screen. */
  async waitFor(pattern: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await this.text();
      if (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`screen never showed ${String(pattern)}; screen:\n${text.split("\n").slice(-this.rows).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  dispose(): void {
    this.terminal.dispose();
  }
}
