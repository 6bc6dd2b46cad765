import { describe, expect, it } from "vitest";
import { runPool } from "../../src/sync/pool.js";
import { parentDirs, remoteName } from "../../src/sync/remote-names.js";

describe("remoteName", () => {
  const header = (comment: string) => Buffer.from(`${comment} Databricks notebook source\nx = 1\n`);

  it("drops the extension of files the workspace imports as notebooks", () => {
    expect(remoteName("jobs/etl.py", header("#"))).toBe("jobs/etl");
    expect(remoteName("q.sql", header("--"))).toBe("q");
    expect(remoteName("s.scala", header("//"))).toBe("s");
    expect(remoteName("r.R", header("#"))).toBe("r");
    expect(remoteName("lab/exp.ipynb", Buffer.from("{}"))).toBe("lab/exp");
  });

  it("keeps every other name", () => {
    expect(remoteName("etl.py", Buffer.from("print(1)\n# Databricks notebook source\n"))).toBe("etl.py");
    expect(remoteName("notes.md", header("#"))).toBe("notes.md");
    expect(remoteName("Makefile", header("#"))).toBe("Makefile");
    expect(remoteName(".py", header("#"))).toBe(".py");
    expect(remoteName("dir.v2/README", Buffer.from(""))).toBe("dir.v2/README");
  });

  it("lists a path's folders outermost first", () => {
    expect(parentDirs("a/b/c.txt")).toEqual(["a", "a/b"]);
    expect(parentDirs("top.txt")).toEqual([]);
  });
});

describe("runPool", () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it("never runs more than the limit at once and runs everything", async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await runPool([...Array(50).keys()], 6, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      inFlight--;
      done.push(n);
    });
    expect(most).toBe(6);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  });

  it("starts nothing new after a failure and rethrows the first error", async () => {
    const started: number[] = [];
    const error = await runPool([...Array(20).keys()], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 3) throw new Error("boom 3");
      if (n === 4) throw new Error("boom 4");
    }).catch((e: Error) => e);
    expect((error as Error).message).toBe("boom 3");
    expect(started.length).toBeLessThan(8);
  });
});
