// Asks for a Databricks token when the gateway has none usable: from the status bar, or when an agent
// tab starts (the gateway's own notice is printed before the page attaches, so the page checks itself).

import { toast, tokenDialog } from "./dialogs.js";

/** One token dialog at a time; the token goes to the gateway only, never into the page's storage. */
export function createTokenPrompt({ status, onClosed }) {
  let open = false;
  const ask = (reason) => {
    if (open) return;
    open = true;
    tokenDialog({
      reason,
      onSaved: () => {
        toast("Token accepted.");
        void status.refresh();
      },
      onClosed: () => {
        open = false;
        onClosed();
      },
    });
  };
  return {
    ask,
    /** Looks at GET /api/token again and asks when it is missing or expired. */
    async askIfNeeded(reason) {
      await status.refresh();
      if (status.needsToken()) ask(reason);
    },
  };
}
