import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CHILD_OOM_SCORE_ADJ, EXPECTED_BYTES } from "../../src/memory.js";
import { FakeCgroup } from "../helpers/fake-cgroup.js";
import { codeServerBin } from "../helpers/code-server.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const MIB = 2 ** 20;
let gw: TestGateway | undefined;
let cgroup: FakeCgroup;
afterEach(async () => {
  await gw?.dispose();
  gw = undefined;
  cgroup.dispose();
});

/** A gateway reading a fake 6 GiB container with `usedMib` in use, 512 MiB headroom (the default). */
async function gatewayWith(usedMib: number, env: Record<string, string> = {}): Promise<TestGateway> {
  cgroup = new FakeCgroup().machine(32_768, 30_000).v2(6144, usedMib);
  gw = await startGateway({ env, overrides: { memoryPaths: cgroup.paths } });
  return gw;
}

describe("memory-aware admission", () => {
  it("GET /api/memory reports the container's limit and use", async () => {
    const tg = await gatewayWith(2000);
    const res = await tg.api("GET", "/api/memory");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ source: "cgroup2", limitBytes: 6144 * MIB, usedBytes: 2000 * MIB, availableBytes: 4144 * MIB, headroomBytes: 512 * MIB });
  });

  it("refuses an agent session with 503 naming the numbers, yet admits a shell, and admits the agent once memory is freed", async () => {
    // 6144 - 5400 = 744 MiB free: enough for a shell (32 + 512), not for an agent (512 + 512).
    const tg = await gatewayWith(5400, { PATH: `/nonexistent:${process.env.PATH}` });
    const refused = await tg.api("POST", "/api/sessions", { agent: "claude" });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("low_memory");
    expect(refused.body.error.message).toBe(
      "Not enough memory to start an agent session (claude): 5.3 GiB of 6.0 GiB in use (container limit, cgroup v2), 744 MiB free; " +
        "it needs about 512 MiB and 512 MiB is kept free (MEMORY_HEADROOM_MB). Close a session or stop the IDE first.",
    );
    expect(tg.gateway.sessions.list()).toHaveLength(0);

    const shell = await tg.api("POST", "/api/sessions", { agent: "shell" });
    expect(shell.status).toBe(201);
    // Every session's process group is the kernel's first choice, not the gateway.
    expect(readFileSync(`/proc/${shell.body.pid}/oom_score_adj`, "utf8").trim()).toBe(String(CHILD_OOM_SCORE_ADJ));
    expect(readFileSync("/proc/self/oom_score_adj", "utf8").trim()).toBe("0");

    cgroup.v2(6144, 6144 - 1024 - EXPECTED_BYTES.agent / MIB);
    const admitted = await tg.api("POST", "/api/sessions", { agent: "claude" });
    expect(admitted.status, JSON.stringify(admitted.body)).not.toBe(503);
  });

  it("MEMORY_HEADROOM_MB sets the headroom", async () => {
    const tg = await gatewayWith(5400, { MEMORY_HEADROOM_MB: "800" });
    const refused = await tg.api("POST", "/api/sessions", { agent: "shell" });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toContain("800 MiB is kept free");
  });

  it("refuses to start the IDE when it would leave less than the headroom, and starts it when memory allows", async () => {
    const tg = await gatewayWith(4800, { CODE_SERVER_BIN: codeServerBin() });
    const refused = await tg.api("POST", "/api/ide/start?wait=1");
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/^Not enough memory to start the IDE: 4\.7 GiB of 6\.0 GiB in use .*1\.3 GiB free; it needs about 1\.0 GiB/);
    expect(tg.gateway.ide.manager.pid).toBeUndefined();
    // A visit to /ide/ starts code-server too: admitted the same way (a browser gets the message as a page).
    const visit = await fetch(`${tg.url}/ide/`, { headers: { accept: "text/html" } });
    expect(visit.status).toBe(503);
    expect(await visit.text()).toContain("Not enough memory to start the IDE: 4.7 GiB of 6.0 GiB in use");
    expect(tg.gateway.ide.manager.current).toBe("stopped");

    cgroup.v2(6144, 3000);
    const started = await tg.api("POST", "/api/ide/start?wait=1");
    expect(started.status).toBe(200);
    const pid = tg.gateway.ide.manager.pid!;
    expect(readFileSync(`/proc/${pid}/oom_score_adj`, "utf8").trim()).toBe(String(CHILD_OOM_SCORE_ADJ));
    // Already running: asking again adds nothing, so low memory does not refuse it.
    cgroup.v2(6144, 6000);
    expect((await tg.api("POST", "/api/ide/start?wait=1")).status).toBe(200);
  });
});
