import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MemoryPaths } from "../../src/memory/memory-info.js";

const MIB = 2 ** 20;

/** A fake /sys/fs/cgroup, /proc/self/cgroup and /proc/meminfo in a temp folder, in the kernel's file formats. */
export class FakeCgroup {
  readonly dir = mkdtempSync(path.join(tmpdir(), "gw-cgroup-"));
  readonly paths: MemoryPaths = {
    cgroupRoot: path.join(this.dir, "sys/fs/cgroup"),
    selfCgroup: path.join(this.dir, "proc/self/cgroup"),
    meminfo: path.join(this.dir, "proc/meminfo"),
  };

  /** The machine: MemTotal and MemAvailable, in MiB. */
  machine(totalMib: number, availableMib: number): this {
    this.write(this.paths.meminfo, `MemTotal:       ${totalMib * 1024} kB\nMemFree:        1024 kB\nMemAvailable:   ${availableMib * 1024} kB\nCached:         2048 kB\n`);
    return this;
  }

  /** cgroup v2 at `rel` (as /proc/self/cgroup names it): memory.max ("max" or MiB), memory.current, inactive_file. */
  v2(max: number | "max", currentMib: number, inactiveFileMib = 0, rel = "/"): this {
    this.write(this.paths.selfCgroup, `0::${rel}\n`);
    const dir = path.join(this.paths.cgroupRoot, rel);
    this.write(path.join(dir, "memory.max"), max === "max" ? "max\n" : `${max * MIB}\n`);
    this.write(path.join(dir, "memory.current"), `${currentMib * MIB}\n`);
    this.write(path.join(dir, "memory.stat"), `anon ${currentMib * MIB}\nfile 0\nactive_file 0\ninactive_file ${inactiveFileMib * MIB}\n`);
    return this;
  }

  /** cgroup v1's memory controller at `rel`: a limit (MiB, or "none" for the kernel's unlimited value) and usage. */
  v1(limit: number | "none", usageMib: number, inactiveFileMib = 0, rel = "/"): this {
    this.write(this.paths.selfCgroup, `5:devices:/\n4:memory:${rel}\n0::/\n`);
    const dir = path.join(this.paths.cgroupRoot, "memory", rel);
    this.write(path.join(dir, "memory.limit_in_bytes"), limit === "none" ? "9223372036854771712\n" : `${limit * MIB}\n`);
    this.write(path.join(dir, "memory.usage_in_bytes"), `${usageMib * MIB}\n`);
    this.write(path.join(dir, "memory.stat"), `cache 0\nrss ${usageMib * MIB}\ntotal_inactive_file ${inactiveFileMib * MIB}\n`);
    return this;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private write(file: string, text: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}
