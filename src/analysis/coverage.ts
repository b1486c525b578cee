// `xsm test --coverage`: which allow rules of a policy the tests exercised (a rule that granted a
// permission some test asked about) and which none did, as `opa test --coverage` reports covered and
// uncovered lines. A site is an allow rule's location (file:line:col after `#line` mapping): the
// rules one m4 macro call writes share it and count as one, since the source has one line for them.
import { ruleText, type AnalysisPolicy } from "./load.js";

export interface CoverageSite {
  file: string;
  line: number;
  col: number;
  /** The rule as written (the first, when several share the site). */
  text: string;
}

export const siteKey = (s: { file: string; line: number; col: number }): string => `${s.file}:${s.line}:${s.col}`;

/** A policy's allow rules as coverage sites, in source order. */
export function allowSites(ap: AnalysisPolicy): CoverageSite[] {
  const out = new Map<string, CoverageSite>();
  for (const r of ap.ex.rules) {
    if (r.kind !== "allow") continue;
    const site = { file: r.span.file, line: r.span.line, col: r.span.col, text: ruleText(ap.text, r.span) };
    const key = siteKey(site);
    if (!out.has(key)) out.set(key, site);
  }
  return [...out.values()];
}

export interface PolicyCoverage {
  /** The policy file as the tests name it. */
  policy: string;
  total: number;
  covered: number;
  /** covered / total in percent, one decimal (100 for a policy without allow rules). */
  percent: number;
  /** Sites no test exercised, in source order. */
  uncovered: CoverageSite[];
}

/** Accumulates the sites the decisions of every test against one policy exercised. */
export class CoverageTracker {
  private readonly hits = new Set<string>();

  constructor(
    readonly policy: string,
    readonly sites: readonly CoverageSite[],
  ) {}

  hit(site: { file: string; line: number; col: number }): void {
    this.hits.add(siteKey(site));
  }

  report(): PolicyCoverage {
    const uncovered = this.sites.filter((s) => !this.hits.has(siteKey(s)));
    const total = this.sites.length;
    const covered = total - uncovered.length;
    return { policy: this.policy, total, covered, percent: percent(covered, total), uncovered };
  }
}

export function percent(covered: number, total: number): number {
  return total === 0 ? 100 : Math.round((covered / total) * 1000) / 10;
}
