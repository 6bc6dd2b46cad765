import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Every live process whose environment has HOME=home: a test gateway's terminals, their children and any daemon. */
export function processesWithHome(home: string): number[] {
  const needle = Buffer.from(`\0HOME=${home}\0`);
  const pids: number[] = [];
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${entry}/environ`)]);
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      if (environ.includes(needle)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** A process's command line, words joined by spaces. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** A process's environment as an object. */
export function environment(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const at = entry.indexOf("=");
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/**
 * Watches the sockets of a set of processes, sampling /proc: every TCP or UDP peer they are connected to that
 * is not loopback is recorded. Sampling misses a connection that opens and closes between two looks, so the
 * tests also check the fakes saw the traffic and the CLIs' files name no other host.
 */
export class SocketWatch {
  readonly foreignPeers = new Set<string>();
  readonly loopbackPeers = new Set<string>();
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: () => number[],
    intervalMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const inodes = new Set<string>();
    for (const pid of this.pids()) {
      for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
          if (inode) inodes.add(inode);
        } catch {
          // Closed meanwhile.
        }
      }
    }
    for (const table of ["tcp", "tcp6", "udp", "udp6"]) {
      let text: string;
      try {
        text = readFileSync(`/proc/net/${table}`, "latin1");
      } catch {
        continue;
      }
      for (const line of text.split("\n").slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 10 || !inodes.has(fields[9]!)) continue;
        const peer = decodeAddress(fields[2]!);
        if (peer.port === 0) continue; // listening or unconnected
        (isLoopback(peer.ip) ? this.loopbackPeers : this.foreignPeers).add(`${table} ${peer.ip}:${peer.port}`);
      }
    }
    this.samples++;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function decodeAddress(hex: string): { ip: string; port: number } {
  const [addr = "", port = "0"] = hex.split(":");
  const bytes = Buffer.from(addr, "hex");
  // /proc/net stores each 32-bit word of the address in host (little-endian) order.
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  let ip: string;
  if (bytes.length === 4) ip = [...bytes].join(".");
  else if (bytes.subarray(0, 12).equals(Buffer.from("00000000000000000000ffff", "hex"))) ip = [...bytes.subarray(12)].join(".");
  else ip = (bytes.toString("hex").match(/.{4}/g) ?? []).join(":");
  return { ip, port: parseInt(port, 16) };
}

function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "0000:0000:0000:0000:0000:0000:0000:0001";
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
