import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { BACKUP_OWNER, startBackupGateway, syncEntry, tempDir } from "../helpers/backup-fixture.js";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import type { TestGateway } from "../helpers/gateway.js";
import { TestRepo } from "../helpers/git-repo.js";

// The status bar's sync item shows a restore under way after a redeploy, then what was restored.
describe("restore progress in the status bar", { timeout: 90_000 }, () => {
  let fake: FakeDatabricks | undefined;
  let browser: TestBrowser | undefined;
  const gateways: TestGateway[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await browser?.close();
    for (const gw of gateways.splice(0)) await gw.dispose().catch(() => undefined);
    await fake?.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads 'Restoring 1 repository: demo …' while a restore runs, then names the outcome", async () => {
    fake = await startFakeDatabricks();
    const token = fake.issueToken(BACKUP_OWNER);
    const projects = tempDir("bk-projects-");
    const home1 = tempDir("bk-home1-");
    const home2 = tempDir("bk-home2-");
    dirs.push(projects, home1, home2);
    const a = await startBackupGateway({ fake, home: home1, projectsDir: projects, token });
    gateways.push(a);
    const repo = await TestRepo.init(home1, path.join(projects, "demo"));
    await repo.commit({ "a.txt": "a\n" }, "a");
    await syncEntry(a, "demo", (e) => e.backup?.links === 1, "saved");
    await a.dispose();
    gateways.splice(0);
    rmSync(repo.dir, { recursive: true, force: true });

    // The history's download answers only when the test says so.
    fake.fault({ method: "GET", path: "/api/2.0/workspace/export", query: /\.part/ }, { status: 503 }, 1_000_000);
    const b = await startBackupGateway({ fake, home: home2, projectsDir: projects, token });
    gateways.push(b);
    browser = await launchBrowser({ ignoreConsole: [/status of 404 .*\/api\/(me|ide|models)\)$/] });
    const page = await browser.context.newPage();
    await page.goto(b.url);
    const item = page.locator("#status-sync");
    await expect.poll(() => item.innerText(), { timeout: 30_000 }).toMatch(/Restoring 1 repository: demo/);

    fake.clearFaults();
    await expect.poll(() => item.getAttribute("title"), { timeout: 30_000 }).toMatch(/Restored after a redeploy:\s+demo: restored/);
    await expect.poll(() => item.innerText(), { timeout: 10_000 }).not.toMatch(/Restoring/);
  });
});

