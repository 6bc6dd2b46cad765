import { MCP_NAME_PART, type McpSettings, type SchemaRef } from "../mcp/servers.js";
import { ConfigError } from "./config-error.js";
import type { FileSettings } from "./config-file.js";
import { nonEmpty, type Env } from "./env-values.js";

/**
 * The MCP servers: the YAML file's `mcp:` block, where the environment wins when set: DATABRICKS_MCP_SQL
 * (true/false), DATABRICKS_MCP_FUNCTIONS and DATABRICKS_MCP_VECTOR_SEARCH (comma-separated catalog.schema),
 * DATABRICKS_MCP_GENIE (comma-separated space ids).
 */
export function mcpSettings(env: Env, file: FileSettings["mcp"]): McpSettings {
  const sqlRaw = nonEmpty(env.DATABRICKS_MCP_SQL);
  if (sqlRaw !== undefined && !/^(true|false|1|0)$/i.test(sqlRaw)) {
    throw new ConfigError("DATABRICKS_MCP_SQL", `expected true or false, got "${sqlRaw}"`);
  }
  const list = (name: string) => nonEmpty(env[name])?.split(",").map((item) => item.trim()).filter(Boolean);
  const part = (name: string, value: string) => {
    if (!MCP_NAME_PART.test(value)) throw new ConfigError(name, `"${value}" may hold only letters, digits, - and _`);
    return value;
  };
  const schemas = (name: string): SchemaRef[] | undefined =>
    list(name)?.map((item) => {
      const [catalog = "", schema = "", ...rest] = item.split(".");
      if (rest.length > 0 || !schema) throw new ConfigError(name, `expected catalog.schema, got "${item}"`);
      return { catalog: part(name, catalog), schema: part(name, schema) };
    });
  return {
    sql: sqlRaw !== undefined ? /^(true|1)$/i.test(sqlRaw) : (file.sql ?? true),
    functions: schemas("DATABRICKS_MCP_FUNCTIONS") ?? file.functions ?? [],
    vectorSearch: schemas("DATABRICKS_MCP_VECTOR_SEARCH") ?? file.vectorSearch ?? [],
    genie: list("DATABRICKS_MCP_GENIE")?.map((id) => part("DATABRICKS_MCP_GENIE", id)) ?? file.genie ?? [],
  };
}
