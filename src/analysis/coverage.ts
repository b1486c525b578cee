// `xsm test --coverage`: which allow rules of a policy the tests exercised (a rule that granted a
// permission some test asked about) and which none did, as `opa test --coverage` reports covered and
// uncovered lines. A site is an allow rule's location (file:line:col after `#line` mapping): the
// rules one m4 macro call writes share it and count as one, since the source has one line for them.
// A policy tree's sites are the same ones (so its counts are its policy.conf's), each shown where
// its first rule came from in the tree's files (AnalysisPolicy.locate).
import { ruleText, sourceLocation, type AnalysisPolicy } from "./load.js";

export interface CoverageSite {
  file: string;
  line: number;
  col: number;
  /** The rule as written (the first, when several share the site). */
  text: string;
  /** A policy tree: the macro call that wrote it ("in expansion of `m` at modules/x.te:5"). */
  expansion?: string;
}

/** A site and the key the decisions' rule spans (file:line:col after `#line`) hit it by. */
export interface AllowSite {
  key: string;
  site: CoverageSite;
  /** A policy tree: each of the site's rules where it came from (file:line:col and the macro
   *  call, `locatedKey`), as the simulator's reasons name them. */
  located?: string[];
}

/** A rule's key as a tree's located reasons give it (a body line of a macro is told apart by the
 *  call that expanded it). */
export const locatedKey = (s: { file: string; line: number; col: number; expansion?: string }): string => `${siteKey(s)}|${s.expansion ?? ""}`;

export const siteKey = (s: { file: string; line: number; col: number }): string => `${s.file}:${s.line}:${s.col}`;

/** A policy's allow rules as coverage sites, in source order. */
export function allowSites(ap: AnalysisPolicy): AllowSite[] {
  const out = new Map<string, AllowSite>();
  for (const r of ap.ex.rules) {
    if (r.kind !== "allow") continue;
    const key = siteKey(r.span);
    const at = sourceLocation(ap, r.span);
    const known = out.get(key);
    if (known) {
      if (ap.locate) known.located!.push(locatedKey({ ...at.span, expansion: at.expansion }));
      continue;
    }
    const site: CoverageSite = { file: at.span.file, line: at.span.line, col: at.span.col, text: ruleText(ap.text, r.span) };
    if (at.expansion) site.expansion = at.expansion;
    out.set(key, { key, site, ...(ap.locate ? { located: [locatedKey(site)] } : {}) });
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
  /** A tree's located rule keys -> their sites' keys (empty for a policy.conf: its rules are
   *  named by their spans). */
  private readonly byLocation = new Map<string, string>();

  constructor(
    readonly policy: string,
    readonly sites: readonly AllowSite[],
  ) {
    for (const s of sites) for (const k of s.located ?? []) if (!this.byLocation.has(k)) this.byLocation.set(k, s.key);
  }

  /** A rule span (file:line:col after `#line`) that granted a permission. */
  hit(span: { file: string; line: number; col: number }): void {
    this.hits.add(siteKey(span));
  }

  /** A rule as a reason names it (the simulator's JSON): for a tree, where it came from. */
  hitAt(rule: { file: string; line: number; col: number; expansion?: string }): void {
    this.hits.add(this.byLocation.get(locatedKey(rule)) ?? siteKey(rule));
  }

  report(): PolicyCoverage {
    const uncovered = this.sites.filter((s) => !this.hits.has(s.key)).map((s) => s.site);
    const total = this.sites.length;
    const covered = total - uncovered.length;
    return { policy: this.policy, total, covered, percent: percent(covered, total), uncovered };
  }
}

export function percent(covered: number, total: number): number {
  return total === 0 ? 100 : Math.round((covered / total) * 1000) / 10;
}
