import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catalogueEnv } from "../../src/agents/agent-launch-config.js";
import { loadConfig } from "../../src/config.js";
import { startFakeModelServing } from "../fakes/model-serving.js";
import { startGateway } from "../helpers/gateway.js";

/** The README's Hermes pattern: an agent from the YAML catalogue, wired to the model proxy by variables only. */
const catalogue = (script: string) => `agents:
  - id: hermes
    label: Hermes
    command: ${process.execPath}
    args: [${JSON.stringify(script)}]
    env:
      ANTHROPIC_BASE_URL: "\${GATEWAY_ANTHROPIC_BASE_URL}"
      ANTHROPIC_API_KEY: "\${GATEWAY_LOCAL_KEY}"
      AGENT_MODEL: "\${GATEWAY_ANTHROPIC_MODEL}"
      OPENAI_BASE_URL: "\${GATEWAY_OPENAI_BASE_URL}"
`;

describe("a YAML catalogue agent (the Hermes pattern)", () => {
  it("reaches the models through the proxy with the variables its entry names, and no PAT", async () => {
    const fake = await startFakeModelServing();
    const script = path.resolve("test/fixtures/catalogue-agent.mjs");
    const gw = await startGateway({
      env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: "dapi-catalogue-test" },
      file: { path: "gateway.yaml", text: catalogue(script) },
    });
    try {
      const listed = (await gw.api("GET", "/api/agents")).body.find((a: { id: string }) => a.id === "hermes");
      expect(listed).toMatchObject({ label: "Hermes", available: true, source: "path" });
      const client = await gw.connect(await gw.createSession({ agent: "hermes" }));
      await client.waitFor(/openai at \S+/, 30_000);
      expect(client.text).toContain("status 200: pong-hermes");
      const proxy = gw.gateway.models.proxy;
      expect(client.text).toContain(`openai at ${proxy.url}/openai`);
      const call = fake.calls.find((c) => c.method === "POST" && c.format === "anthropic");
      expect(call?.authorization).toBe("Bearer dapi-catalogue-test");
      // The workspace's Claude model as the model service chose it (a served one).
      const model = /model (\S+)/.exec(client.text)?.[1];
      expect(model).toMatch(/claude/);
      expect(call?.body.model).toBe(model);
      // The tab returns to a shell without the filled-in values (the entry's env as written, the key nowhere).
      client.input("echo KEY=${GATEWAY_LOCAL_KEY:-none}; env | grep -c " + proxy.localKey + " | sed s/^/COUNT-/\r");
      await client.waitFor("KEY=none");
      await client.waitFor(/COUNT-0/);
    } finally {
      await gw.dispose();
      await fake.close();
    }
  });
});

describe("the README's Hermes entry", () => {
  it("is a valid catalogue whose variables are filled in for its command", async () => {
    const readme = readFileSync(path.resolve("README.md"), "utf8");
    const yaml = /```yaml\n(agents:\n  - id: hermes[\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const config = loadConfig({ HOME: "/home/u" }, { path: "README.md", text: yaml! });
    const hermes = config.agents.find((a) => a.id === "hermes")!;
    expect(hermes).toMatchObject({ command: "hermes", args: ["chat"] });
    const env = catalogueEnv(hermes, { proxyUrl: "http://127.0.0.1:4000", localKey: "k".repeat(64), models: { anthropic: "a", codex: "c", gemini: "g" }, mcp: [] });
    expect(env.OPENAI_BASE_URL).toBe("http://127.0.0.1:4000/openai");
    expect(env.OPENAI_API_KEY).toBe("k".repeat(64));
  });
});
