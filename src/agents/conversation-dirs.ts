import path from "node:path";

/**
 * Where each agent keeps its conversations, as the gateway configures it: the ONE list the resume menu reads
 * (and that backup can share). Claude Code, Codex and Gemini CLI keep theirs in the owner's own folders; Pi and
 * Copilot CLI in the gateway's own folder for them (PI_CODING_AGENT_DIR, COPILOT_HOME). At the merge with the
 * model-routing work this follows agentDataDirs(config) in src/agents/homes.ts.
 */
export function conversationDirs(config: { home: string; stateDir: string }): Readonly<Record<string, string>> {
  const agents = path.join(config.stateDir, "agents");
  return {
    claude: path.join(config.home, ".claude", "projects"),
    codex: path.join(config.home, ".codex", "sessions"),
    gemini: path.join(config.home, ".gemini", "tmp"),
    pi: path.join(agents, "pi", "sessions"),
    copilot: path.join(agents, "copilot", "session-state"),
  };
}
