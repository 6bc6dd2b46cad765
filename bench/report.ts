import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";

/** One row of the results table. */
export interface Row {
  readonly measure: string;
  readonly gateway: string;
  readonly reference?: string;
  readonly ratio?: string;
  readonly target?: string;
  /** Whether the target was met; undefined when the row has no target. */
  readonly met?: boolean;
}

const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

/** The table as Markdown. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = ["| Measure | Gateway | Reference (same run) | Ratio | Target | Met |", "|---|---|---|---|---|---|"];
  for (const row of rows) {
    const met = row.met === undefined ? "" : row.met ? "yes" : "**no**";
    lines.push(`| ${row.measure} | ${row.gateway} | ${row.reference ?? ""} | ${row.ratio ?? ""} | ${row.target ?? ""} | ${met} |`);
  }
  return lines.join("\n");
}

/** The table as plain text for the console, columns aligned. */
export function textTable(rows: readonly Row[]): string {
  const cells = [["Measure", "Gateway", "Reference (same run)", "Ratio", "Target", "Met"]];
  for (const row of rows) {
    cells.push([row.measure, row.gateway, row.reference ?? "", row.ratio ?? "", row.target ?? "", row.met === undefined ? "" : row.met ? "yes" : "NO"]);
  }
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** The machine, the date and the load: a table means little without them. */
export function machineLine(loadAtStart: number): string {
  const cpu = cpus();
  const model = cpu[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  return (
    `Measured ${date} UTC on ${model}, ${cpu.length} cores, Linux ${release()}, Node ${process.version}; ` +
    `load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (1-minute averages, the bench's own processes included).`
  );
}

/** Replaces the generated part of the README's Performance section (between its markers) with the new table. */
export function updateReadme(file: string, body: string): void {
  const text = readFileSync(file, "utf8");
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no ${BEGIN} ... ${END} block to replace`);
  writeFileSync(file, text.slice(0, begin + BEGIN.length) + "\n" + body.trim() + "\n" + text.slice(end));
}
