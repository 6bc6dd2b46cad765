import type { AgentSetup } from "../agents.js";
import type { AgentSpec, Config } from "../config.js";
import type { AgentModels } from "../models/families.js";
import type { ModelService } from "../models.js";
import type { AgentLaunchConfig } from "./agent-launch-config.js";
import { gatewayConfiguresAgents } from "./homes.js";

/** The models per wire format that OpenCode, Pi, Copilot CLI and catalogue agents are written with. */
export function perWire(models: AgentModels): { anthropic: string; codex: string; gemini: string } {
  return { anthropic: models.claude.default, codex: models.codex.default, gemini: models.gemini.default };
}

/**
 * How any agent's tab starts: Claude Code, Codex and Gemini CLI through the model service (their files, the
 * chosen model) plus their MCP servers; OpenCode, Pi and Copilot CLI through their gateway-own files, on the
 * workspace's default models (no model choice in the page for them yet); catalogue agents with the proxies'
 * variables. Without a workspace, the first six run with the owner's own configuration.
 */
export async function agentSetup(options: {
  agent: AgentSpec;
  cwd: string;
  model: string | undefined;
  models: ModelService;
  launchConfig: AgentLaunchConfig;
  config: Config;
}): Promise<AgentSetup> {
  const { agent, cwd, model, models, launchConfig, config } = options;
  const failed = (): AgentSetup => ({ ok: false, status: 500, message: `${agent.label}'s configuration could not be written; see the gateway's log.` });
  if (!launchConfig.ownsConfig(agent) && launchConfig.isBuiltin(agent)) {
    const setup = await models.setup(agent.id, cwd, model);
    if (!setup.ok || !setup.launch) return setup;
    // The Databricks MCP servers, in a file or flag of the gateway's own next to the CLI's.
    const mcp = launchConfig.prepare(agent, cwd, { models: perWire((await models.endpoints()).models) });
    if (!mcp) return setup;
    return { ...setup, launch: { ...setup.launch, args: [...setup.launch.args, ...(mcp.args ?? [])], env: { ...setup.launch.env, ...mcp.env } } };
  }
  if (model !== undefined) return { ok: false, status: 400, message: `${agent.label} has no model choice in the page.` };
  if (launchConfig.isBuiltin(agent) && !gatewayConfiguresAgents(config)) return { ok: true, launch: undefined, model: undefined };
  const extras = launchConfig.prepare(agent, cwd, { models: perWire((await models.endpoints()).models) });
  if (!extras) return launchConfig.isBuiltin(agent) ? failed() : { ok: true, launch: undefined, model: undefined };
  return { ok: true, launch: { env: {}, args: extras.args ?? [], commandEnv: extras.env ?? {} }, model: undefined };
}
