import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

// A timeout signal Node holds only weakly, combined with AbortSignal.any(), was garbage-collected and never
// fired: a hung Databricks call with a signal then hung forever. Forced GC in a process of its own proves
// the deadline now fires.
it("a deadline with an outer signal fires even when the garbage collector runs meanwhile", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "deadline-gc-"));
  try {
    const script = path.join(dir, "check.mts");
    const client = path.resolve("src/databricks.ts");
    writeFileSync(
      script,
      `import { deadline } from ${JSON.stringify(client)};
const token = deadline(200, new AbortController().signal).cancellationToken;
let fired = false;
token.onCancellationRequested(() => { fired = true; });
const end = Date.now() + 3000;
while (Date.now() < end && !fired) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
console.log(fired ? "fired" : "never fired");
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("fired");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
