import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { onGateway, registeredGateways, type KeyedGateway } from "./local-key.js";

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
  /**
   * Local mode's key: by default the browser holds the key cookie of every gateway the helpers start, as if the
   * printed URL had been opened; false leaves it out (tests of the printed URL and of the 401 page).
   */
  readonly key?: boolean;
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
  // The cookie the gateway sets when the printed URL is opened (src/auth/local-key.ts names it by port).
  const addKey = ({ origin, key }: KeyedGateway) => {
    const { hostname, port } = new URL(origin);
    return context.addCookies([
      // With an expiry: Chromium drops session cookies when a test closes the context's last page.
      { name: `agent-terminal-gateway-key-${port || "80"}`, value: key, domain: hostname, path: "/", httpOnly: true, sameSite: "Strict", expires: Math.floor(Date.now() / 1000) + 86_400 },
    ]);
  };
  const stopKeys = options.key === false ? () => {} : onGateway(addKey);
  if (options.key !== false) for (const gateway of registeredGateways()) await addKey(gateway);
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
      stopKeys();
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
