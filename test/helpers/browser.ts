import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium: the house rules drive the real browser, not a downloaded one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where e2e tests leave screenshots (gitignored). */
export const OUTPUT_DIR = path.resolve("test-output");

/** A headless Chromium with a throwaway profile, for e2e tests (the IDE and CSP tests reuse it). */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new page; its console errors and uncaught exceptions are collected in `errors`. */
  newPage(): Promise<Page>;
  /** Uncaught page errors and console.error lines from every page. */
  readonly errors: string[];
  /** Saves a full-page screenshot as test-output/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** How launchBrowser() sets the browser up. */
export interface LaunchOptions {
  /** Viewport of new pages. */
  readonly viewport?: { width: number; height: number };
  /** Origins granted clipboard access (copy on select, Ctrl+Shift+C/V). */
  readonly clipboardOrigin?: string;
  /** Phone emulation: touch events and a mobile viewport (meta viewport honoured). */
  readonly mobile?: boolean;
  /** console.error lines to leave out of `errors` (e.g. 404s of endpoints a later issue builds). */
  readonly ignoreConsole?: readonly RegExp[];
}

/** Launches Debian's Chromium headless with a fresh profile; close() removes the profile. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    ...(options.mobile ? { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : {}),
  });
  if (options.clipboardOrigin) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: options.clipboardOrigin });
  }
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const line = `console: ${msg.text()} (${msg.location().url})`;
      if (!(options.ignoreConsole ?? []).some((pattern) => pattern.test(line))) errors.push(line);
    });
  };
  for (const page of context.pages()) watch(page);
  context.on("page", watch);
  return {
    context,
    errors,
    async newPage() {
      const existing = context.pages().find((p) => p.url() === "about:blank");
      return existing ?? (await context.newPage());
    },
    async screenshot(page, name) {
      mkdirSync(OUTPUT_DIR, { recursive: true });
      const file = path.join(OUTPUT_DIR, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
