import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collectHome, putHomeFile, sanitize } from "../../src/backup/home-files.js";
import { homeItems, itemFor } from "../../src/backup/home-items.js";
import { repoKey } from "../../src/backup/manifest.js";
import { secretIn } from "../../src/backup/secrets.js";

describe("backup: HOME's files", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const home = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bk-unit-"));
    dirs.push(dir);
    return dir;
  };
  const items = (h: string) => homeItems({ home: h, stateDir: path.join(h, ".local/state/agent-terminal-gateway") });

  it("writes only what the list names, never through a symlink, never over a local file", () => {
    const h = home();
    const outside = home();
    const list = items(h);
    const transcript = itemFor(list, ".claude/projects/-p/a.jsonl")!;
    expect(putHomeFile(h, ".claude/projects/-p/a.jsonl", transcript, Buffer.from("one\n"))).toBe("restored");
    expect(readFileSync(path.join(h, ".claude/projects/-p/a.jsonl"), "utf8")).toBe("one\n");
    expect(putHomeFile(h, ".claude/projects/-p/a.jsonl", transcript, Buffer.from("two\n"))).toBe("kept");
    expect(readFileSync(path.join(h, ".claude/projects/-p/a.jsonl"), "utf8")).toBe("one\n");
    // A folder on the way that is a symlink (to outside HOME): refused, nothing written there.
    symlinkSync(outside, path.join(h, ".claude/projects/-q"));
    expect(putHomeFile(h, ".claude/projects/-q/b.jsonl", transcript, Buffer.from("x"))).toBe("refused");
    expect(existsSync(path.join(outside, "b.jsonl"))).toBe(false);
    expect(putHomeFile(h, ".claude/projects/../../x", transcript, Buffer.from("x"))).toBe("refused");
    // Outside the list: no item, so restore never gets to write it.
    for (const rel of [".bashrc", ".databrickscfg", ".ssh/authorized_keys", ".codex/.env", ".claude/projectsX/a", ".gemini/tmp/h/other.txt"]) {
      expect(itemFor(list, rel), rel).toBeUndefined();
    }
  });

  it("merges JSON settings: local keys win, stored ones fill in; the gateway's key is dropped before saving", () => {
    const h = home();
    const list = items(h);
    const settings = itemFor(list, ".claude/settings.json")!;
    const saved = sanitize(Buffer.from(JSON.stringify({ env: { ANTHROPIC_AUTH_TOKEN: "k".repeat(64), MY_VAR: "1" }, permissions: { allow: ["Bash(ls)"] } })), settings);
    expect(JSON.parse(saved.toString())).toEqual({ env: { MY_VAR: "1" }, permissions: { allow: ["Bash(ls)"] } });
    mkdirSync(path.join(h, ".claude"));
    writeFileSync(path.join(h, ".claude/settings.json"), JSON.stringify({ env: { ANTHROPIC_AUTH_TOKEN: "new", MY_VAR: "local" } }));
    expect(putHomeFile(h, ".claude/settings.json", settings, saved)).toBe("merged");
    expect(JSON.parse(readFileSync(path.join(h, ".claude/settings.json"), "utf8"))).toEqual({
      env: { ANTHROPIC_AUTH_TOKEN: "new", MY_VAR: "local" },
      permissions: { allow: ["Bash(ls)"] },
    });
  });

  it("lists newest first, skips symlinks and the never-saved files", () => {
    const h = home();
    mkdirSync(path.join(h, ".codex/sessions/2026"), { recursive: true });
    writeFileSync(path.join(h, ".codex/sessions/2026/old.jsonl"), "old");
    writeFileSync(path.join(h, ".codex/sessions/2026/new.jsonl"), "new");
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(h, ".codex/sessions/2026/old.jsonl"), past, past);
    symlinkSync("/etc/passwd", path.join(h, ".codex/sessions/2026/link.jsonl"));
    writeFileSync(path.join(h, ".databrickscfg"), "[DEFAULT]\ntoken = x\n");
    expect(collectHome(h, items(h)).map((f) => f.rel)).toEqual([".codex/sessions/2026/new.jsonl", ".codex/sessions/2026/old.jsonl"]);
  });

  it("finds tokens anywhere in the bytes; repository keys are reversible and safe", () => {
    expect(secretIn(Buffer.from(`\0\xffx dapi${"0123456789abcdef".repeat(2)} y`, "latin1"))).toMatch(/token/);
    expect(secretIn(Buffer.from("dapi-not-a-token"))).toBeUndefined();
    expect(secretIn(Buffer.from("the proxy key abcdefgh123"), () => ["abcdefgh123"])).toMatch(/live secret/);
    expect(repoKey("my_repo@2")).toBe("my_5frepo_402");
    expect(repoKey("a/../b")).not.toContain("/");
  });
});
