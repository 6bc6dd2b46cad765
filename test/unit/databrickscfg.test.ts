import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProfileWriter, withDefaultProfile } from "../../src/token/databrickscfg.js";

const HOST = "https://example.cloud.databricks.com";

describe("~/.databrickscfg", () => {
  it("writes a DEFAULT profile into an empty file", () => {
    expect(withDefaultProfile("", HOST, "dapi-1")).toBe(`[DEFAULT]\nhost  = ${HOST}\ntoken = dapi-1\n`);
    expect(withDefaultProfile("", HOST, undefined)).toBe(`[DEFAULT]\nhost  = ${HOST}\n`);
  });

  it("replaces only the DEFAULT profile, keeping other profiles and comments", () => {
    const before = [
      "; my profiles",
      "host = https://stray.example.com",
      "[DEFAULT]",
      "host = https://old.example.com",
      "token = dapi-old",
      "auth_type = pat",
      "",
      "[staging]",
      "host = https://staging.example.com",
      "token = dapi-staging",
      "",
    ].join("\n");
    const after = withDefaultProfile(before, HOST, "dapi-new");
    expect(after).toBe(
      [
        "[DEFAULT]",
        `host  = ${HOST}`,
        "token = dapi-new",
        "",
        "; my profiles",
        "[staging]",
        "host = https://staging.example.com",
        "token = dapi-staging",
        "",
      ].join("\n"),
    );
    expect(withDefaultProfile(after, HOST, "dapi-newer")).toBe(after.replace("dapi-new\n", "dapi-newer\n"));
  });

  it("refuses a value that would add lines of its own", () => {
    expect(() => withDefaultProfile("", HOST, "dapi\n[evil]")).toThrow(/one line/);
  });

  describe("the file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "cfg-"));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("is written with mode 0600, replaced atomically, and leaves no temp file", async () => {
      const file = path.join(dir, ".databrickscfg");
      writeFileSync(file, "[other]\nhost = https://x\n", { mode: 0o644 });
      const writer = createProfileWriter({ file, host: HOST });
      await Promise.all([writer.write("dapi-a"), writer.write("dapi-b"), writer.write("dapi-c")]);
      expect(readFileSync(file, "utf8")).toBe(`[DEFAULT]\nhost  = ${HOST}\ntoken = dapi-c\n\n[other]\nhost = https://x\n`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual([".databrickscfg"]);
      await writer.write(undefined);
      expect(readFileSync(file, "utf8")).not.toContain("token");
    });
  });
});
