import { describe, expect, it } from "vitest";
import { AgentCatalogue } from "../../src/agents.js";

const catalogue = (shell: string) =>
  new AgentCatalogue({
    agents: [{ id: "tool", label: "Tool", command: "/usr/bin/true", args: ["--flag"], env: {} }],
    shell,
    searchPath: ["/usr/bin"],
    pathFirst: ["/opt/gw/node_modules/.bin"],
    nodeModules: "/nonexistent",
  });

describe("agent launch", () => {
  it("a POSIX shell: a login shell that puts the gateway's folders back in front of PATH, then the interactive shell", () => {
    const shell = catalogue("/bin/bash").launch(catalogue("/bin/bash").get("shell")!, "/tmp", {});
    expect(shell.file).toBe("/bin/bash");
    expect(shell.args).toEqual([
      "-l",
      "-c",
      'case "$PATH" in /opt/gw/node_modules/.bin|/opt/gw/node_modules/.bin:*) ;; *) PATH=/opt/gw/node_modules/.bin:"$PATH"; export PATH ;; esac; exec /bin/bash',
    ]);
    const tool = catalogue("/bin/zsh").launch(catalogue("/bin/zsh").get("tool")!, "/tmp", {});
    expect(tool.args[2]).toMatch(/^trap : INT; \/usr\/bin\/true --flag; trap - INT; case "\$PATH" in .* exec \/bin\/zsh$/);
  });

  it("another shell (fish) starts as a plain login shell, with no POSIX code", () => {
    const fish = catalogue("/usr/bin/fish");
    expect(fish.launch(fish.get("shell")!, "/tmp", {}).args).toEqual(["-l"]);
    expect(fish.launch(fish.get("tool")!, "/tmp", {}).args[2]).toMatch(/; exec \/usr\/bin\/fish -l$/);
  });
});

describe("launch extras", () => {
  it("adds the gateway's arguments before the catalogue's, and command-only variables, quoted", () => {
    const extras = new AgentCatalogue({
      agents: [{ id: "tool", label: "Tool", command: "/usr/bin/true", args: ["--flag"], env: {} }],
      shell: "/bin/bash",
      searchPath: ["/usr/bin"],
      nodeModules: "/nonexistent",
    });
    const launch = extras.launch(extras.get("tool")!, "/tmp", { PATH: "/usr/bin" }, {
      env: {},
      args: ["--config", "/a b/c.json", "--resume", "abc"],
      commandEnv: { TOOL_HOME: "/state/agents/tool", ODD: "it's" },
    });
    expect(launch.args[2]).toBe(
      `trap : INT; TOOL_HOME=/state/agents/tool ODD='it'\\''s' /usr/bin/true --config '/a b/c.json' --resume abc --flag; trap - INT; exec /bin/bash`,
    );
    // The shell the tab returns to does not carry the command-only variables.
    expect(launch.env).toEqual({ PATH: "/usr/bin" });
  });
});
