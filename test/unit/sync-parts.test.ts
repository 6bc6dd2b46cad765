import { describe, expect, it } from "vitest";
import { Backoff } from "../../src/sync/backoff.js";
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

describe("Backoff", () => {
  it("doubles from the base to the cap with at most 20% jitter, and resets", () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 8000 });
    const delays = Array.from({ length: 6 }, () => backoff.failed("r", 0));
    const expected = [1000, 2000, 4000, 8000, 8000, 8000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(expected[i]! * 0.8);
      expect(d).toBeLessThanOrEqual(expected[i]! * 1.2);
    });
    expect(backoff.due("r", 0)).toBe(false);
    expect(backoff.nextDue(["r", "other"])).toBe(delays.at(-1));
    backoff.reset();
    expect(backoff.due("r", 0)).toBe(true);
    backoff.succeeded("r");
    expect(backoff.nextDue(["r"])).toBeUndefined();
    expect(backoff.failed("r", 0)).toBeLessThanOrEqual(1200);
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
