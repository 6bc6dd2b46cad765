import { escapeHtml } from "../http-error.js";
import type { IdeStatus } from "./ide-manager.js";

/**
 * The page a browser gets under /ide/ while code-server is not serving: "Starting the IDE", or the offer to
 * install it. /ide.js (from public/) polls GET /api/ide and reloads once the IDE runs; without scripts a meta
 * refresh continues. No inline script, so a strict Content-Security-Policy holds.
 */
export function idePage(status: IdeStatus, options: { configuredBin: string | undefined }): string {
  const absent = status.state === "absent";
  const title = absent ? "The IDE is not installed" : "Starting the IDE";
  const body = absent
    ? options.configuredBin
      ? `<p>CODE_SERVER_BIN is set to <code>${escapeHtml(options.configuredBin)}</code>, which is not an executable file.
Fix the setting and restart the gateway.</p>`
      : `<p>VS Code in the browser (code-server) is not installed on this machine yet. Installing takes 1-3 minutes
and about 800 MB; it runs <code>scripts/install-code-server.sh</code>.</p>
<p><button id="ide-install" type="button">Install code-server</button></p>`
    : `<p class="spin" aria-live="polite">code-server is starting on your projects folder; this page continues by itself.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${absent ? "" : '<noscript><meta http-equiv="refresh" content="2"></noscript>'}
<link rel="stylesheet" href="/ide.css"><script type="module" src="/ide.js"></script></head>
<body><main id="ide" data-state="${status.state}"><h1>${escapeHtml(title)}</h1>${body}
<p id="ide-message" role="status"></p><pre id="ide-log" hidden></pre></main></body></html>`;
}

/** Headers for the gateway's own IDE pages: /ide/ is exempt from the page's CSP (the workbench brings its own), so they set theirs. */
export const IDE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};
