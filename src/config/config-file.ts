import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { MCP_NAME_PART } from "../mcp/servers.js";
import { ConfigError } from "./config-error.js";

/** The optional YAML file (GATEWAY_CONFIG): its schema, and its reading with messages that name the bad entry. */

const agentSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "lower-case letters, digits, - and _, at most 32"),
  label: z.string().min(1).max(64).optional(),
  command: z.string().min(1).max(4096),
  args: z.array(z.string().max(4096)).max(64).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(65536)).default({}),
});

const namePart = z.string().regex(MCP_NAME_PART, "letters, digits, - and _");
const schemaRef = z.strictObject({ catalog: namePart, schema: namePart });
const mcpSchema = z
  .strictObject({
    sql: z.boolean().optional(),
    functions: z.array(schemaRef).max(32).optional(),
    vectorSearch: z.array(schemaRef).max(32).optional(),
    genie: z.array(namePart).max(32).optional(),
  })
  .default({});

const fileSchema = z.strictObject({
  agents: z.array(agentSchema).max(64).default([]),
  mcp: mcpSchema,
  limits: z
    .strictObject({
      maxSessions: z.number().int().min(1).max(1000),
      maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024),
      maxUploadBytes: z.number().int().min(1).max(1024 * 1024 * 1024),
      scrollbackBytes: z.number().int().min(0).max(256 * 1024 * 1024),
      scrollbackLines: z.number().int().min(0).max(1_000_000),
    })
    .partial()
    .default({}),
});

/** What the YAML file holds once validated. */
export type FileSettings = z.output<typeof fileSchema>;

/** A named file the YAML catalogue was read from, or nothing. */
export interface ConfigFile {
  readonly path: string;
  readonly text: string;
}

/** The file's settings; throws ConfigError naming the file and the first bad entry. */
export function parseFile(file: ConfigFile): FileSettings {
  let data: unknown;
  try {
    data = parseYaml(file.text, { maxAliasCount: 100, logLevel: "error" }) ?? {};
  } catch (error) {
    throw new ConfigError(`GATEWAY_CONFIG (${file.path})`, `not valid YAML: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new ConfigError(`${file.path}: ${where}`, issue.message);
  }
  const ids = new Set<string>();
  for (const agent of result.data.agents) {
    if (ids.has(agent.id)) throw new ConfigError(`${file.path}: agents`, `duplicate id "${agent.id}"`);
    ids.add(agent.id);
  }
  return result.data;
}
