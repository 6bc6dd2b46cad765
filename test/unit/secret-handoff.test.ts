import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HANDOFF_VARIABLE, reexecWithoutSecrets, splitSecrets, takeHandedSecrets, type Execve } from "../../src/secret-handoff.js";

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
    const target = { env: { HOME: "/h", DATABRICKS_TOKEN: "dapi-1" }, execPath: "/node", execArgv: ["--import", "tsx"], argv: ["/node", "/app/main.ts", "x"], execve };
    expect(reexecWithoutSecrets(target)).toBe("failed");
    expect(call!.args).toEqual(["/node", "--import", "tsx", "/app/main.ts", "x"]);
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
