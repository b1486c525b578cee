// What every benchmark section hands back: a table for people and the raw figures for --json.

export interface SectionResult {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  /** Printed under the table: how the figures were made, what was skipped and why. */
  notes: string[];
  /** Further tables of the section (other columns), printed after the notes. */
  tables?: { caption: string; columns: string[]; rows: string[][] }[];
  /** Raw numbers (ns, ms, ops/s, bytes) keyed by case, for --json. */
  data: Record<string, unknown>;
}

export function skipped(id: string, title: string, why: string): SectionResult {
  return { id, title, columns: [], rows: [], notes: [`skipped: ${why}`], data: { skipped: why } };
}

export function fmtNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return "n/a";
  if (ns < 1000) return `${ns.toFixed(ns < 10 ? 2 : 1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtRate(perSec: number | undefined): string {
  if (perSec === undefined || !Number.isFinite(perSec)) return "n/a";
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k/s`;
  return `${perSec.toFixed(0)} /s`;
}

export function fmtBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return "n/a";
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "n/a";
  return `${x.toFixed(x < 10 ? 2 : 0)}x`;
}

/** A target cell: "≤ 40 ns ok" / "≤ 40 ns MISSED". */
export function target(text: string, met: boolean | undefined): string {
  return met === undefined ? text : `${text} ${met ? "ok" : "MISSED"}`;
}

function textTable(columns: readonly string[], rows: readonly string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

export function renderSection(s: SectionResult): string {
  const out: string[] = [`## ${s.title}`, ...textTable(s.columns, s.rows)];
  for (const n of s.notes) out.push(`  ${n}`);
  for (const t of s.tables ?? []) out.push("", t.caption, ...textTable(t.columns, t.rows));
  return out.join("\n");
}

/** The same table as GitHub markdown (`--markdown`), for pasting into README. */
function markdownTable(columns: readonly string[], rows: readonly string[][]): string[] {
  if (rows.length === 0) return [];
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  return [
    `| ${columns.map(esc).join(" | ")} |`,
    `|${columns.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
    "",
  ];
}

export function renderMarkdown(s: SectionResult): string {
  const out: string[] = [`#### ${s.title}`, "", ...markdownTable(s.columns, s.rows)];
  for (const n of s.notes) out.push(`- ${n}`);
  for (const t of s.tables ?? []) out.push("", t.caption, "", ...markdownTable(t.columns, t.rows));
  return out.join("\n");
}
