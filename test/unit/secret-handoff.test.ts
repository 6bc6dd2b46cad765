import { chmodSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HANDOFF_VARIABLE, reexecWithoutSecrets, splitSecrets, sweepStaleHandoffs, takeHandedSecrets, type Execve } from "../../src/secret-handoff.js";

describe("secret handoff across the re-exec", () => {
  it("splits the secrets the gateway reads from the rest, and drops other credentials", () => {
    const { clean, carried, dropped } = splitSecrets({
      HOME: "/h",
      DATABRICKS_HOST: "https://x",
      DATABRICKS_CLIENT_ID: "id",
      DATABRICKS_CLIENT_SECRET: "s",
      DATABRICKS_TOKEN: "t",
      GATEWAY_TOKEN: "k",
      GITHUB_TOKEN: "g",
      AWS_SECRET_ACCESS_KEY: "a",
      OPENAI_API_KEY: "o",
      [HANDOFF_VARIABLE]: "/elsewhere",
    });
    expect(clean).toEqual({ HOME: "/h", DATABRICKS_HOST: "https://x", DATABRICKS_CLIENT_ID: "id" });
    expect(carried).toEqual({ DATABRICKS_CLIENT_SECRET: "s", DATABRICKS_TOKEN: "t", GATEWAY_TOKEN: "k" });
    expect(dropped.sort()).toEqual(["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", HANDOFF_VARIABLE, "OPENAI_API_KEY"].sort());
  });

  it("re-executes with a clean environment and a private file the new image reads once and deletes", () => {
    let call: { file: string; args: string[]; env: Record<string, string> } | undefined;
    const execve = ((file: string, args: string[], env: Record<string, string>) => {
      call = { file, args, env };
      throw new Error("stop here");
    }) as Execve;
    // execve "failing" here lets the test look at what it was given; the real one does not return.
    const target = { env: { HOME: "/h", DATABRICKS_TOKEN: "dapi-1" }, execPath: process.execPath, execArgv: ["--import", "tsx"], argv: [process.execPath, __filename, "x"], execve };
    expect(reexecWithoutSecrets(target)).toBe("failed");
    expect(call!.args).toEqual([process.execPath, "--import", "tsx", __filename, "x"]);
    expect(Object.keys(call!.env).sort()).toEqual(["HOME", HANDOFF_VARIABLE].sort());
    // A failed execve removes the file again.
    expect(existsSync(call!.env[HANDOFF_VARIABLE]!)).toBe(false);

    const ok = ((file: string, args: string[], env: Record<string, string>) => {
      call = { file, args, env };
      return undefined as never;
    }) as Execve;
    reexecWithoutSecrets({ ...target, execve: ok });
    const handed = call!.env[HANDOFF_VARIABLE]!;
    expect(existsSync(handed)).toBe(true);
    const env: Record<string, string | undefined> = { ...call!.env };
    expect(takeHandedSecrets(env)).toEqual({ DATABRICKS_TOKEN: "dapi-1" });
    expect(env[HANDOFF_VARIABLE]).toBeUndefined();
    expect(existsSync(handed)).toBe(false);
    expect(existsSync(path.dirname(handed))).toBe(false);
  });

  it("does not write the handoff when the exec would fail (process.execve aborts instead of throwing)", () => {
    let called = false;
    const execve = (() => {
      called = true;
      return undefined as never;
    }) as Execve;
    const env = { DATABRICKS_TOKEN: "t" };
    expect(reexecWithoutSecrets({ env, execPath: "/nonexistent/node", execArgv: [], argv: ["/nonexistent/node", __filename], execve })).toBe("failed");
    expect(reexecWithoutSecrets({ env, execPath: process.execPath, execArgv: [], argv: [process.execPath, "/nonexistent/main.js"], execve })).toBe("failed");
    expect(called).toBe(false);
  });

  it("sweeps a leftover handoff of this user older than a minute, and leaves a fresh one", () => {
    const old = mkdtempSync(path.join(tmpdir(), "agent-terminal-gateway-"));
    const fresh = mkdtempSync(path.join(tmpdir(), "agent-terminal-gateway-"));
    writeFileSync(path.join(old, "secrets.json"), "{}", { mode: 0o600 });
    writeFileSync(path.join(fresh, "secrets.json"), "{}", { mode: 0o600 });
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    sweepStaleHandoffs();
    expect(existsSync(old)).toBe(false);
    expect(existsSync(path.join(fresh, "secrets.json"))).toBe(true);
    rmSync(fresh, { recursive: true, force: true });
  });

  it("does nothing without secrets, and says so when this Node cannot re-execute", () => {
    expect(reexecWithoutSecrets({ env: { HOME: "/h" }, execPath: "/n", execArgv: [], argv: [], execve: () => { throw new Error("no"); } })).toBe("clean");
    expect(reexecWithoutSecrets({ env: { DATABRICKS_TOKEN: "t" }, execPath: "/n", execArgv: [], argv: [], execve: undefined })).toBe("unsupported");
  });

  it("reads no file that is not a private one of its own shape, and deletes nothing else", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "agent-terminal-gateway-"));
    try {
      const open = path.join(dir, "secrets.json");
      writeFileSync(open, JSON.stringify({ DATABRICKS_TOKEN: "planted" }));
      chmodSync(open, 0o644);
      expect(takeHandedSecrets({ [HANDOFF_VARIABLE]: open })).toEqual({});
      // A file of the handoff's own shape is deleted even when refused; anything else is left alone.
      expect(existsSync(open)).toBe(false);
      const other = path.join(tmpdir(), `keep-${process.pid}.txt`);
      writeFileSync(other, "{}", { mode: 0o600 });
      expect(takeHandedSecrets({ [HANDOFF_VARIABLE]: other })).toEqual({});
      expect(existsSync(other)).toBe(true);
      rmSync(other);
      expect(takeHandedSecrets({ [HANDOFF_VARIABLE]: "/nonexistent/secrets.json" })).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
