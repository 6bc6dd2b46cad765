import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { readMemory } from "../../src/memory/memory-info.js";
import { FakeCgroup } from "../helpers/fake-cgroup.js";

const MIB = 2 ** 20;
let fake: FakeCgroup;
afterEach(() => fake.dispose());

describe("readMemory", () => {
  it("reads cgroup v2's memory.max and memory.current, without the inactive page cache", () => {
    fake = new FakeCgroup().machine(32_768, 30_000).v2(6144, 5000, 1000);
    expect(readMemory(fake.paths)).toEqual({ source: "cgroup2", limitBytes: 6144 * MIB, usedBytes: 4000 * MIB, availableBytes: 2144 * MIB });
  });

  it("reads the process's own cgroup v2 folder when /proc/self/cgroup names one", () => {
    fake = new FakeCgroup().machine(32_768, 30_000).v2(2048, 1500, 0, "/apps/gw");
    expect(readMemory(fake.paths)).toMatchObject({ source: "cgroup2", limitBytes: 2048 * MIB, usedBytes: 1500 * MIB });
  });

  it("takes the machine's figures when cgroup v2 sets no limit, or one above the machine's memory", () => {
    fake = new FakeCgroup().machine(8192, 3000).v2("max", 100);
    expect(readMemory(fake.paths)).toEqual({ source: "meminfo", limitBytes: 8192 * MIB, usedBytes: 5192 * MIB, availableBytes: 3000 * MIB });
    fake.v2(65_536, 100);
    expect(readMemory(fake.paths).source).toBe("meminfo");
  });

  it("falls back to cgroup v1's memory controller", () => {
    fake = new FakeCgroup().machine(32_768, 30_000).v1(6144, 3000, 500, "/docker/abc");
    expect(readMemory(fake.paths)).toEqual({ source: "cgroup1", limitBytes: 6144 * MIB, usedBytes: 2500 * MIB, availableBytes: 3644 * MIB });
  });

  it("treats cgroup v1's huge 'unlimited' value as no limit", () => {
    fake = new FakeCgroup().machine(16_384, 10_000).v1("none", 3000);
    expect(readMemory(fake.paths)).toMatchObject({ source: "meminfo", limitBytes: 16_384 * MIB, availableBytes: 10_000 * MIB });
  });

  it("never counts less than zero free, and says 'unknown' (limit 0) when nothing is readable", () => {
    fake = new FakeCgroup().machine(32_768, 30_000).v2(1024, 1500);
    expect(readMemory(fake.paths)).toMatchObject({ limitBytes: 1024 * MIB, availableBytes: 0 });
    const nothing = new FakeCgroup();
    try {
      expect(readMemory(nothing.paths)).toEqual({ source: "meminfo", limitBytes: 0, usedBytes: 0, availableBytes: 0 });
    } finally {
      nothing.dispose();
    }
  });

  it("ignores garbage in the files rather than throwing", () => {
    fake = new FakeCgroup().machine(4096, 2048).v2(1024, 10);
    writeFileSync(`${fake.paths.cgroupRoot}/memory.current`, "not a number\n");
    expect(readMemory(fake.paths)).toMatchObject({ source: "meminfo", limitBytes: 4096 * MIB });
  });

  it("reads this machine without throwing", () => {
    fake = new FakeCgroup();
    const real = readMemory();
    expect(real.limitBytes).toBeGreaterThan(0);
    expect(real.usedBytes + real.availableBytes).toBeLessThanOrEqual(real.limitBytes);
  });
});
