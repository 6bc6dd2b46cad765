/** Which Databricks MCP servers the agents get (config.mcp). */
export interface McpSettings {
  /** Databricks SQL (<host>/api/2.0/mcp/sql); on unless turned off. */
  readonly sql: boolean;
  /** Unity Catalog functions of these schemas. */
  readonly functions: readonly SchemaRef[];
  /** Vector Search indexes of these schemas. */
  readonly vectorSearch: readonly SchemaRef[];
  /** Genie spaces by id. */
  readonly genie: readonly string[];
}

export interface SchemaRef {
  readonly catalog: string;
  readonly schema: string;
}

/** One Databricks MCP server: the name agents see and its path under <host>/api/2.0/mcp/. */
export interface McpServerSpec {
  readonly name: string;
  readonly path: string;
}

/** A catalog, schema or Genie space id as Databricks names them (no "/", "." or spaces): safe in a URL path. */
export const MCP_NAME_PART = /^[A-Za-z0-9_-]{1,255}$/;

/** The configured servers, named for the agents (letters, digits, "-" and "_", as every CLI accepts). */
export function mcpServers(settings: McpSettings): McpServerSpec[] {
  const servers: McpServerSpec[] = [];
  if (settings.sql) servers.push({ name: "databricks-sql", path: "sql" });
  for (const { catalog, schema } of settings.functions) {
    servers.push({ name: `uc-functions-${catalog}-${schema}`, path: `functions/${catalog}/${schema}` });
  }
  for (const { catalog, schema } of settings.vectorSearch) {
    servers.push({ name: `vector-search-${catalog}-${schema}`, path: `vector-search/${catalog}/${schema}` });
  }
  for (const id of settings.genie) servers.push({ name: `genie-${id}`, path: `genie/${id}` });
  return servers;
}
