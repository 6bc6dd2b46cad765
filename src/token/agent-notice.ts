import type { TokenSource } from "./types.js";

/** A session as the notice needs it (Session fits). */
export interface NoticeTarget {
  readonly agent: string;
  notice(message: string): void;
}

/** What the agent-tab notice watches: session starts and the token source. */
export interface AgentNoticeOptions {
  readonly sessions: { subscribe(listener: (event: "created" | "exited" | "removed", session: NoticeTarget) => void): () => void };
  readonly tokens: TokenSource;
  /** True when no workspace is configured: agent tabs then run with each CLI's own configuration. */
  readonly ownConfig: boolean;
}

/**
 * Tells an agent tab, in its terminal, when it starts without a usable token: the agent cannot reach the
 * workspace's models until the owner pastes one (the page asks for it when GET /api/token says so). With no
 * workspace it says that the agent runs on its own CLI configuration; a gateway that takes no token (its
 * model calls signed with the app's credentials) says nothing.
 */
export function createAgentNotice({ sessions, tokens, ownConfig }: AgentNoticeOptions): { close(): void } {
  const unsubscribe = sessions.subscribe((event, session) => {
    if (event !== "created" || session.agent === "shell" || tokens.current() !== undefined) return;
    const { state, disabled } = tokens.status();
    if (disabled && !ownConfig) return;
    session.notice(
      disabled
        ? "No workspace is configured: the agent runs with its own CLI configuration (its own login or API keys). Set DATABRICKS_HOST to use the workspace's models."
        : state === "expired"
        ? "The Databricks token expired. Paste a new personal access token in the page; the agent cannot reach the models until then."
        : "No Databricks token yet. Paste a personal access token in the page; the agent cannot reach the models until then.",
    );
  });
  return { close: unsubscribe };
}
