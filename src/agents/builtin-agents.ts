import type { AgentSpec } from "../config.js";

/** The built-in agents; the YAML catalogue may add others or override these by id. */
export const BUILTIN_AGENTS: readonly AgentSpec[] = [
  { id: "shell", label: "Shell", command: "", args: [], env: {} },
  { id: "claude", label: "Claude", command: "claude", args: [], env: {} },
  { id: "codex", label: "Codex", command: "codex", args: [], env: {} },
  // GEMINI_CLI_NO_RELAUNCH comes with every terminal's environment (terminal-env.ts): its relaunch wrapper
  // ignores SIGHUP/SIGTERM and would outlive the tab.
  { id: "gemini", label: "Gemini", command: "gemini", args: [], env: {} },
  // Configured through their own config switches at launch (see src/agents/agent-launch-config.ts).
  { id: "opencode", label: "OpenCode", command: "opencode", args: [], env: {} },
  { id: "pi", label: "Pi", command: "pi", args: [], env: {} },
  { id: "copilot", label: "Copilot", command: "copilot", args: [], env: {} },
];
