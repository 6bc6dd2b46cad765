import { chmodSync, writeFileSync } from "node:fs";

/** What the scanner reports: where each secret showed up, and what it could read (so a blind scan fails). */
export interface ScanReport {
  readonly findings: { readonly name: string; readonly where: string }[];
  readonly ancestors: { readonly pid: number; readonly comm: string; readonly environ: boolean; readonly cmdline: boolean }[];
  readonly processes: number;
  readonly environsRead: number;
  readonly files: number;
}

/**
 * Writes a plain-node scanner (no dependencies: it runs as another user, from a terminal) that looks for the
 * given secret values in /proc/<every ancestor and every readable process>/environ and cmdline, and in every
 * file it can open under its HOME and the shared temporary directories (files of its own user there), then
 * writes a ScanReport as JSON to the path given as its argument. The values are stored reversed and base64'd,
 * so the scanner's own file does not contain them.
 */
export function writeScanner(file: string, secrets: Record<string, string>, roots: readonly string[]): void {
  const encoded = Buffer.from(
    JSON.stringify(Object.entries(secrets).map(([name, value]) => [name, [...value].reverse().join("")])),
  ).toString("base64");
  writeFileSync(file, SCANNER.replace("@NEEDLES@", encoded).replace("@ROOTS@", JSON.stringify(roots)));
  chmodSync(file, 0o644);
}

const SCANNER = String.raw`"use strict";
const fs = require("node:fs");
const path = require("node:path");
const needles = JSON.parse(Buffer.from("@NEEDLES@", "base64").toString()).map(([n, r]) => [n, Buffer.from([...r].reverse().join(""))]);
const roots = @ROOTS@;
const uid = process.getuid();
const report = { findings: [], ancestors: [], processes: 0, environsRead: 0, files: 0 };
const look = (buf, where) => { for (const [name, value] of needles) if (buf.indexOf(value) !== -1) report.findings.push({ name, where }); };
const read = (file) => { try { return fs.readFileSync(file); } catch { return undefined; } };

const ancestors = new Set();
for (let pid = process.pid; pid > 1; ) {
  const stat = read("/proc/" + pid + "/stat");
  if (!stat) break;
  const text = stat.toString();
  const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
  const environ = read("/proc/" + pid + "/environ");
  const cmdline = read("/proc/" + pid + "/cmdline");
  report.ancestors.push({ pid, comm, environ: environ !== undefined, cmdline: cmdline !== undefined });
  ancestors.add(pid);
  pid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
}
for (const entry of fs.readdirSync("/proc")) {
  if (!/^\d+$/.test(entry)) continue;
  report.processes++;
  for (const part of ["environ", "cmdline"]) {
    const buf = read("/proc/" + entry + "/" + part);
    if (buf === undefined) continue;
    if (part === "environ") report.environsRead++;
    look(buf, "/proc/" + entry + "/" + part + (ancestors.has(Number(entry)) ? " (ancestor)" : ""));
  }
}
const home = process.env.HOME;
const seen = new Set();
const walk = (dir, depth) => {
  if (depth > 30 || seen.has(dir)) return;
  seen.add(dir);
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    let stat;
    try { stat = fs.lstatSync(file); } catch { continue; }
    if (stat.isDirectory()) walk(file, depth + 1);
    else if (stat.isFile() && stat.size <= 64 * 1024 * 1024 && (stat.uid === uid || file.startsWith(home + "/"))) {
      const buf = read(file);
      if (buf === undefined) continue;
      report.files++;
      look(buf, file);
    }
  }
};
for (const root of roots) walk(root, 0);
fs.writeFileSync(process.argv[2], JSON.stringify(report));
`;
