import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { until } from "../helpers/until.js";

const OWNER = "owner@example.com";

describe("git identity from SCIM Me", () => {
  let db: FakeDatabricks | undefined;
  let gw: TestGateway | undefined;
  let home: string | undefined;

  afterEach(async () => {
    await gw?.dispose();
    await db?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    gw = db = home = undefined;
  });

  const start = async (gitconfig?: string) => {
    db = await startFakeDatabricks();
    home = mkdtempSync(path.join(tmpdir(), "gw-home-"));
    if (gitconfig !== undefined) writeFileSync(path.join(home, ".gitconfig"), gitconfig);
    gw = await startGateway({ home, env: { DATABRICKS_HOST: db.url, DATABRICKS_TOKEN: db.issueToken(OWNER) } });
    // A token given at start is checked (SCIM Me) by the rotation that the first session starts: then git learns who.
    await gw.createSession({ agent: "shell" });
    return gw;
  };

  /** Commits in a shell tab and prints the commit's author. */
  const commitInShell = async (gateway: TestGateway) => {
    const shell = await gateway.connect(await gateway.createSession({ agent: "shell" }));
    shell.input(
      "cd $(mktemp -d) && git init -q && echo x > f && git add f && git commit -qm first && git log -1 --format='AUTH''OR=%an <%ae>'\r",
    );
    await shell.waitFor(/AUTHOR=[^\r\n]*>/, 20_000);
    return /AUTHOR=([^\r\n]*>)/.exec(shell.text)![1];
  };

  it("a commit in a shell tab carries the owner's name and email", async () => {
    const gateway = await start();
    await until(() => readGitconfig(gateway.home).includes("email"), "the git identity", 15_000);
    // (The quotes in AUTH''OR keep the echoed command line from matching.) The fake's SCIM Me: displayName "owner", the primary email the user name.
    expect(await commitInShell(gateway)).toBe("owner <owner@example.com>");
  });

  it("never overwrites what the owner set; fills in only what is unset", async () => {
    const gateway = await start("[user]\n\tname = Jo Owner\n");
    await until(() => readGitconfig(gateway.home).includes("email"), "the git email", 15_000);
    expect(await commitInShell(gateway)).toBe("Jo Owner <owner@example.com>");
    expect(readGitconfig(gateway.home)).not.toMatch(/name = owner/);
  });
});

function readGitconfig(home: string): string {
  try {
    return readFileSync(path.join(home, ".gitconfig"), "utf8");
  } catch {
    return "";
  }
}
