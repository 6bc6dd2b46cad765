import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { TerminalClient, TestGateway } from "./gateway.js";
import { ScreenMirror } from "./screen.js";


/** Every agent CLI shows one of these once its prompt is drawn (Claude Code on a model with auto mode: the mode line). */
export const READY = /\? for shortcuts|shift\+tab to cycle/;
export const CLI_TIMEOUT_MS = 60_000;

/** The three built-in agents and the wire format each speaks (as the model-serving fake names it). */
export const AGENT_FORMATS = [
  { id: "claude", format: "anthropic" },
  { id: "codex", format: "openai" },
  { id: "gemini", format: "gemini" },
] as const;

/**
 * Types a prompt, retyping until the CLI shows it (Gemini draws its input box before it accepts keys), then sends
 * it. With `sent`, Enter is pressed again until it holds: a CLI still settling (Gemini loading a resumed
 * conversation) can drop the first one, and an Enter on an empty input box does nothing.
 */
export async function ask(client: TerminalClient, screen: ScreenMirror, prompt: string, sent?: () => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    client.input(prompt);
    try {
      await screen.waitFor(prompt, 5_000);
      break;
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
  // Let the TUI settle its input state before Enter: a paste-like burst ending in \r can be taken as a newline.
  await new Promise((resolve) => setTimeout(resolve, 300));
  client.input("\r");
  for (let attempt = 1; sent && !sent() && attempt <= 3; attempt++) {
    const end = Date.now() + 5_000;
    while (!sent() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!sent()) client.input("\r");
  }
}

/** Opens an agent tab, waits for its prompt, asks "say ping-<word>" and waits for "pong-<word>"; returns the screen. */
export async function askAgent(
  gw: TestGateway,
  body: Record<string, unknown>,
  word: string,
): Promise<{ screen: ScreenMirror; id: string; client: TerminalClient }> {
  const id = await gw.createSession({ cols: 120, rows: 40, ...body });
  const client = await gw.connect(id);
  const screen = new ScreenMirror(client, 120, 40);
  try {
    await screen.waitFor(READY, CLI_TIMEOUT_MS);
    await ask(client, screen, `say ping-${word}`);
    await screen.waitFor(`pong-${word}`, CLI_TIMEOUT_MS);
  } catch (error) {
    screen.dispose();
    throw error;
  }
  return { screen, id, client };
}

/** The owner's own CLI files: written before the gateway starts, compared byte for byte after it stopped. */
export const OWNER_FILES = [".claude/settings.json", ".claude.json", ".codex/config.toml", ".codex/.env", ".gemini/.env", ".gemini/settings.json"];

/** path -> sha256 of every file under the CLIs' folders in HOME (new files show up too). */
export function ownerFileHashes(home: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  const walk = (entry: string) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
    else hashes[path.relative(home, entry)] = createHash("sha256").update(readFileSync(entry)).digest("hex");
  };
  for (const name of [".claude", ".claude.json", ".codex", ".gemini"]) walk(path.join(home, name));
  return hashes;
}
