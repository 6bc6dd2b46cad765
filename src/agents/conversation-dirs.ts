import path from "node:path";

/**
 * Per built-in agent, the directories holding its conversations and memory: the shape of agentDataDirs(config)
 * in src/agents/homes.ts (the model-routing work), which replaces this function at the merge. Until then the
 * defaults of the coupling note: the owner's own folders.
 */
function dataDirs(config: { home: string }): Readonly<Record<"claude" | "codex" | "gemini", readonly string[]>> {
  return {
    claude: [path.join(config.home, ".claude"), path.join(config.home, ".claude.json")],
    codex: [path.join(config.home, ".codex")],
    gemini: [path.join(config.home, ".gemini")],
  };
}

/**
 * Where each agent keeps its conversations, as the gateway's tabs use them: the ONE list the resume menu reads.
 * Claude Code, Codex and Gemini CLI under their data folders (projects/, sessions/, tmp/); Pi and Copilot CLI in
 * the gateway's own folder for them (PI_CODING_AGENT_DIR, COPILOT_HOME).
 */
export function conversationDirs(config: { home: string; stateDir: string }): Readonly<Record<string, string>> {
  const data = dataDirs(config);
  const agents = path.join(config.stateDir, "agents");
  return {
    claude: path.join(data.claude[0]!, "projects"),
    codex: path.join(data.codex[0]!, "sessions"),
    gemini: path.join(data.gemini[0]!, "tmp"),
    pi: path.join(agents, "pi", "sessions"),
    copilot: path.join(agents, "copilot", "session-state"),
  };
}
