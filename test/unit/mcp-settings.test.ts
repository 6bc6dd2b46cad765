import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { mcpServers } from "../../src/mcp/servers.js";

const base = { HOME: "/home/u" };

describe("MCP settings", () => {
  it("Databricks SQL by default; UC functions, Vector Search and Genie from YAML, the environment winning", () => {
    expect(mcpServers(loadConfig(base).mcp)).toEqual([{ name: "databricks-sql", path: "sql" }]);
    const file = {
      path: "/etc/gw.yaml",
      text: "mcp:\n  sql: false\n  functions: [{catalog: main, schema: tools}]\n  vectorSearch: [{catalog: main, schema: docs}]\n  genie: [01f0abc]\n",
    };
    expect(mcpServers(loadConfig(base, file).mcp)).toEqual([
      { name: "uc-functions-main-tools", path: "functions/main/tools" },
      { name: "vector-search-main-docs", path: "vector-search/main/docs" },
      { name: "genie-01f0abc", path: "genie/01f0abc" },
    ]);
    const env = { ...base, DATABRICKS_MCP_SQL: "true", DATABRICKS_MCP_FUNCTIONS: "a.b, c.d", DATABRICKS_MCP_GENIE: "g1" };
    expect(mcpServers(loadConfig(env, file).mcp).map((s) => s.path)).toEqual([
      "sql",
      "functions/a/b",
      "functions/c/d",
      "vector-search/main/docs",
      "genie/g1",
    ]);
  });

  it("refuses names that would change the upstream path, and bad switches", () => {
    for (const [name, value] of [
      ["DATABRICKS_MCP_FUNCTIONS", "main"],
      ["DATABRICKS_MCP_FUNCTIONS", "a.b.c"],
      ["DATABRICKS_MCP_FUNCTIONS", "../x.y"],
      ["DATABRICKS_MCP_VECTOR_SEARCH", "a/b.c"],
      ["DATABRICKS_MCP_GENIE", "a?b"],
      ["DATABRICKS_MCP_SQL", "maybe"],
    ]) {
      expect(() => loadConfig({ ...base, [name!]: value }), `${name}=${value}`).toThrow(ConfigError);
    }
    expect(() => loadConfig(base, { path: "/f.yaml", text: "mcp:\n  genie: ['a/../b']\n" })).toThrow(/mcp\.genie/);
    expect(() => loadConfig(base, { path: "/f.yaml", text: "mcp:\n  other: 1\n" })).toThrow(ConfigError);
  });
});
