import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The benchmark is not part of npm test; this runs it once with tiny sizes so it cannot rot. No figure is
// judged against a target here: timings belong to the benchmark, on a quiet machine.
describe("npm run bench --smoke", () => {
  it("measures every section and loses no byte", { timeout: 600_000 }, async () => {
    const out = path.join(dir, "bench.json");
    await run("npm", ["run", "--silent", "bench", "--", "--smoke", `--json=${out}`], { timeout: 590_000, maxBuffer: 16 * 2 ** 20 });
    const { samples, rows } = JSON.parse(readFileSync(out, "utf8"));

    for (const kind of ["python", "nodePty", "fast", "parse"]) {
      expect(samples.throughput[kind], kind).toHaveLength(1);
      expect(samples.throughput[kind][0].mbps, kind).toBeGreaterThan(0);
    }
    for (const gatewayRun of [samples.throughput.fast[0], samples.throughput.parse[0]]) {
      expect(gatewayRun.lost).toBe(0);
      expect(gatewayRun.corrupt).toBe(false);
      expect(gatewayRun.cpuMs).toBeGreaterThanOrEqual(0);
      expect(gatewayRun.peakRss).toBeGreaterThan(0);
    }
    expect(samples.echoIdle[0]).toHaveLength(20);
    expect(samples.echoCeiling[0]).toHaveLength(20);
    // The compiled reference is optional: measured when Debian's websocketd is installed, skipped otherwise.
    const websocketd = spawnSync("sh", ["-c", "command -v websocketd"]).status === 0;
    expect(samples.echoWebsocketd).toHaveLength(websocketd ? 1 : 0);
    if (websocketd) expect(samples.echoWebsocketd[0]).toHaveLength(20);
    expect(samples.echoFlood[0]).toHaveLength(20);
    // The same keystrokes typed by the Python client (echo-client.py), beside the Node client's.
    expect(samples.echoPython.gateway[0]).toHaveLength(20);
    expect(samples.echoPython.ceiling[0]).toHaveLength(20);
    expect(samples.echoPython.websocketd).toHaveLength(websocketd ? 1 : 0);
    expect(samples.echoPython.flood[0]).toHaveLength(20);
    expect(samples.echoPython.floodMbps[0]).toBeGreaterThan(0);
    expect(samples.floodMbps[0]).toBeGreaterThan(0);
    expect(samples.interrupt[0].ms).toBeGreaterThan(0);
    expect(samples.many[0].echo).toHaveLength(20);
    expect(samples.memoryIdle[0].perSession).toEqual(expect.any(Number));
    expect(samples.memory1k[0].perSessionViewed).toEqual(expect.any(Number));
    expect(samples.reattach[0]).toBeGreaterThan(0);
    expect(samples.npmStart[0]).toBeGreaterThan(0);
    expect(samples.prompt[0]).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThanOrEqual(16);
    for (const row of rows) expect(row.gateway, row.measure).not.toMatch(/n\/a/);
  });
});
