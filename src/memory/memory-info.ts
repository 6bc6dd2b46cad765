import { readFileSync } from "node:fs";
import path from "node:path";

/** How much memory the gateway and everything it starts may use, and how much is in use. */
export interface MemoryInfo {
  /** Where the figures come from: the container's cgroup (v2 or v1), else the machine's /proc/meminfo. */
  readonly source: "cgroup2" | "cgroup1" | "meminfo";
  readonly limitBytes: number;
  /** In use, without the page cache the kernel can drop (inactive file pages), as the OOM killer sees it. */
  readonly usedBytes: number;
  readonly availableBytes: number;
}

/** Where to read; tests point these at a fake cgroup directory. */
export interface MemoryPaths {
  /** The cgroup file system's mount point (/sys/fs/cgroup). */
  readonly cgroupRoot: string;
  /** This process's cgroup membership (/proc/self/cgroup). */
  readonly selfCgroup: string;
  readonly meminfo: string;
}

export const SYSTEM_PATHS: MemoryPaths = { cgroupRoot: "/sys/fs/cgroup", selfCgroup: "/proc/self/cgroup", meminfo: "/proc/meminfo" };

/** cgroup v1 reports "no limit" as a huge number (the page-rounded maximum of a signed 64-bit value). */
const V1_UNLIMITED = 2 ** 60;

/**
 * Reads the memory limit and use: cgroup v2 memory.max / memory.current, else cgroup v1
 * memory.limit_in_bytes / memory.usage_in_bytes, else /proc/meminfo. A cgroup without a limit ("max"), or with
 * one above the machine's memory, gives the machine's figures. Never throws: with nothing readable, every
 * figure is 0 (limitBytes 0 means "unknown", and admission then lets everything in).
 */
export function readMemory(paths: MemoryPaths = SYSTEM_PATHS): MemoryInfo {
  const machine = readMeminfo(paths.meminfo);
  const cgroup = readCgroup2(paths) ?? readCgroup1(paths);
  if (!cgroup || cgroup.limit === undefined || (machine.total > 0 && cgroup.limit >= machine.total)) {
    // No limit of its own: the machine's memory is the limit, and everything on the machine competes for it.
    return { source: "meminfo", limitBytes: machine.total, usedBytes: machine.total - machine.available, availableBytes: machine.available };
  }
  return { source: cgroup.source, limitBytes: cgroup.limit, usedBytes: cgroup.used, availableBytes: Math.max(0, cgroup.limit - cgroup.used) };
}

interface CgroupFigures {
  readonly source: "cgroup2" | "cgroup1";
  readonly limit: number | undefined;
  readonly used: number;
}

function readCgroup2(paths: MemoryPaths): CgroupFigures | undefined {
  // "0::/some/path" is the v2 line; inside a container's cgroup namespace it is usually "0::/".
  const line = read(paths.selfCgroup)?.split("\n").find((l) => l.startsWith("0::"));
  if (line === undefined) return undefined;
  for (const dir of candidates(paths.cgroupRoot, line.slice(3))) {
    const max = read(path.join(dir, "memory.max"))?.trim();
    const current = number(read(path.join(dir, "memory.current")));
    if (max === undefined || current === undefined) continue;
    const inactive = statField(read(path.join(dir, "memory.stat")), "inactive_file");
    return { source: "cgroup2", limit: max === "max" ? undefined : number(max), used: Math.max(0, current - inactive) };
  }
  return undefined;
}

function readCgroup1(paths: MemoryPaths): CgroupFigures | undefined {
  const line = read(paths.selfCgroup)
    ?.split("\n")
    .find((l) => l.split(":")[1]?.split(",").includes("memory"));
  const rel = line === undefined ? "/" : line.split(":").slice(2).join(":");
  for (const dir of candidates(path.join(paths.cgroupRoot, "memory"), rel)) {
    const limit = number(read(path.join(dir, "memory.limit_in_bytes")));
    const usage = number(read(path.join(dir, "memory.usage_in_bytes")));
    if (limit === undefined || usage === undefined) continue;
    const inactive = statField(read(path.join(dir, "memory.stat")), "total_inactive_file");
    return { source: "cgroup1", limit: limit >= V1_UNLIMITED ? undefined : limit, used: Math.max(0, usage - inactive) };
  }
  return undefined;
}

/** The process's own cgroup directory, then the mount's root (a container that sees only its own cgroup). */
function candidates(root: string, rel: string): string[] {
  const own = path.join(root, rel.trim() || "/");
  return own === root ? [root] : [own, root];
}

function readMeminfo(file: string): { total: number; available: number } {
  const text = read(file) ?? "";
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  const total = kb("MemTotal");
  const available = text.includes("MemAvailable:") ? kb("MemAvailable") : kb("MemFree") + kb("Cached");
  return { total, available: Math.min(available, total) };
}

function statField(text: string | undefined, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text ?? "")?.[1] ?? 0);
}

function number(text: string | undefined): number | undefined {
  const value = Number(text?.trim());
  return text !== undefined && text.trim() !== "" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
