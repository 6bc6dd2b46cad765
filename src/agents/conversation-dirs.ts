import path from "node:path";
import type { Config } from "../config.js";
import { agentDataDirs } from "./homes.js";

/**
 * Where each agent keeps its conversations, as the gateway's tabs use them: the ONE list the resume menu reads.
 * Claude Code, Codex and Gemini CLI under their data folders (projects/, sessions/, tmp/); Pi and Copilot CLI in
 * the gateway's own folder for them (PI_CODING_AGENT_DIR, COPILOT_HOME).
 */
export function conversationDirs(config: Pick<Config, "stateDir" | "home" | "databricks">): Readonly<Record<string, string>> {
  const data = agentDataDirs(config);
  const agents = path.join(config.stateDir, "agents");
  return {
    claude: path.join(data.claude[0]!, "projects"),
    codex: path.join(data.codex[0]!, "sessions"),
    gemini: path.join(data.gemini[0]!, "tmp"),
    pi: path.join(agents, "pi", "sessions"),
    copilot: path.join(agents, "copilot", "session-state"),
  };
}
