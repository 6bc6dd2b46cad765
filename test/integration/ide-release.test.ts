import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultInstallDir } from "../../src/ide/code-server-bin.js";
import { Installer } from "../../src/ide/installer.js";
import { pinnedVersion } from "../helpers/code-server.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { pathWithoutToolchain } from "../helpers/no-toolchain.js";
import { buildReleaseArchive, startReleaseServer, type ReleaseServer } from "../helpers/release-server.js";

const work = mkdtempSync(path.join(tmpdir(), "gw-release-"));
let archive: { file: string; name: string; sha256: string };
let server: ReleaseServer;
let noToolchain: string;
let gw: TestGateway | undefined;

beforeAll(async () => {
  archive = await buildReleaseArchive(path.join(work, "archive"));
  server = await startReleaseServer(archive);
  noToolchain = pathWithoutToolchain(path.join(work, "bin"));
}, 120_000);
afterEach(async () => {
  await gw?.dispose();
  gw = undefined;
  server.mode = "ok";
  server.checksum = undefined;
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A gateway whose Install downloads from the local release server, on a PATH without a toolchain (as in an App). */
async function gateway(): Promise<TestGateway> {
  gw = await startGateway({ env: { CODE_SERVER_RELEASE_URL: `${server.url}/`, PATH: noToolchain }, overrides: { ide: { installStallMs: 1500 } } });
  return gw;
}

/** POST /api/ide/install, then GET /api/ide until it ends; every install status seen on the way. */
async function install(tg: TestGateway): Promise<{ final: any; seen: any[] }> {
  const started = await tg.api("POST", "/api/ide/install");
  expect(started.status).toBe(202);
  const seen: any[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await tg.api("GET", "/api/ide")).body;
    seen.push(status.install);
    if (status.install.state !== "running") return { final: status, seen };
    if (Date.now() > deadline) throw new Error(`install still running: ${JSON.stringify(status.install)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The cache's parent holds nothing of a failed install: no install folder, no staging folder. */
function expectNothingLeft(tg: TestGateway): void {
  const dir = defaultInstallDir(tg.home, pinnedVersion());
  expect(existsSync(dir)).toBe(false);
  const parent = path.dirname(dir);
  expect(existsSync(parent) ? readdirSync(parent) : []).toEqual([]);
}

describe("Install: code-server's release archive", () => {
  it("downloads with progress in bytes, checks the published checksum, unpacks into the cache, and the IDE starts from it", async () => {
    const tg = await gateway();
    server.mode = "slow";
    server.checksum = archive.sha256;
    const { final, seen } = await install(tg);
    const lines = final.install.lines.join("\n");
    expect(final.install, lines).toMatchObject({ state: "done", exitCode: 0, method: "release", progress: null });
    const downloading = seen.filter((s) => s.progress?.phase === "download");
    const size = statSync(archive.file).size;
    expect(downloading.some((s) => s.progress.bytes > 0 && s.progress.bytes < size && s.progress.totalBytes === size)).toBe(true);
    expect(lines).toContain(`==> downloading ${server.url}/v${pinnedVersion()}/${archive.name}`);
    expect(lines).toContain("==> checksum ok (SHA-256)");
    expect(lines.indexOf("==> unpacking")).toBeGreaterThan(lines.indexOf("==> checksum ok"));
    expect(lines).toContain(`==> checking: code-server ${pinnedVersion()}`);
    expect(lines).toMatch(/installed in .* from the release archive \(\d+ s\)/);
    expect(final).toMatchObject({ state: "stopped", version: pinnedVersion() });

    const dir = defaultInstallDir(tg.home, pinnedVersion());
    expect(readdirSync(path.dirname(dir))).toEqual([path.basename(dir)]); // no staging folder left beside it
    const started = await tg.api("POST", "/api/ide/start?wait=1");
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const page = await fetch(`${tg.url}/ide/`, { headers: { accept: "text/html" } });
    expect(await page.text()).toContain("vscode-workbench-web-configuration");
    // A second Install reuses it at once, downloading nothing.
    const before = server.requests.length;
    const again = await install(tg);
    expect(again.final.install).toMatchObject({ state: "done", method: "cached" });
    expect(server.requests.length).toBe(before);
  });

  it("without a published checksum says so and checks the size", async () => {
    const tg = await gateway();
    const { final } = await install(tg);
    expect(final.install.state).toBe("done");
    expect(final.install.lines.join("\n")).toContain("(no checksum published: checking its size only)");
  });

  const failures: [string, () => void, RegExp][] = [
    ["a truncated download", () => (server.mode = "truncated"), /the download was cut short: \d+ of \d+ bytes/],
    ["a wrong checksum", () => (server.checksum = "0".repeat(64)), /the archive's SHA-256 is [0-9a-f]{64}, expected 0{64}/],
    ["a 404", () => (server.mode = "404"), /GET http:\/\/127\.0\.0\.1:\d+\/v[\d.]+\/code-server-.*\.tar\.gz: HTTP 404/],
    ["a server that never answers", () => (server.mode = "hang"), /no answer for 1.5 s while connecting to/],
    ["a server that stops sending", () => (server.mode = "stall"), /no answer for 1.5 s while downloading .* \(\d+ bytes in\)/],
  ];
  for (const [what, arrange, message] of failures) {
    it(`fails cleanly on ${what}: says why, leaves nothing in the cache, and does not try the npm build without a toolchain`, async () => {
      const tg = await gateway();
      arrange();
      const { final } = await install(tg);
      const lines = final.install.lines.join("\n");
      expect(final.install, lines).toMatchObject({ state: "failed", exitCode: 1, method: "release" });
      expect(lines).toMatch(new RegExp(`==> the release archive failed: ${message.source}`));
      expect(lines).toMatch(/==> not falling back to the npm build: it compiles native modules and c\+\+, make, python3 are not on PATH/);
      expect(final.state).toBe("absent");
      expectNothingLeft(tg);
    });
  }

  it("falls back to the npm build when the archive fails and a toolchain is on PATH, and says so", async () => {
    // The npm build itself is the install script's (ide.test.ts runs the real one); here a stand-in records the call.
    const script = path.join(work, "npm-build.sh");
    writeFileSync(script, 'echo "==> npm build ran with PATH=$PATH"\n');
    const toolchain = path.join(work, "toolchain");
    for (const tool of ["c++", "make", "python3"]) writeFileSync(path.join(pathWithoutToolchain(toolchain, ""), tool), "#!/bin/sh\n", { mode: 0o755 });
    const home = path.join(work, "fallback-home");
    server.mode = "404";
    const installer = new Installer({
      script,
      release: { version: pinnedVersion(), baseUrl: server.url, dir: defaultInstallDir(home, pinnedVersion()), stallMs: 1500 },
      env: () => ({ PATH: `${toolchain}:${noToolchain}`, HOME: home }),
      cwd: work,
      logger: pino({ level: "silent" }),
    });
    await installer.run();
    const status = installer.status();
    const lines = status.lines.join("\n");
    expect(status, lines).toMatchObject({ state: "done", exitCode: 0, method: "npm" });
    expect(lines).toMatch(/==> the release archive failed: GET .*: HTTP 404\n==> falling back to the npm build \(a C\/C\+\+ toolchain, make and python3 are on PATH\)\n==> npm build ran/);
  });
});
