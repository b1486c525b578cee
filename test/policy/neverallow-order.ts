// The neverallow-order corpus (test/fixtures/neverallow-order): checkpolicy's recorded runs, its
// report lines read back, and xsm's neverallow errors in the same terms. Shared by
// test/policy/neverallow-order.test.ts and the live test/oracle/neverallow-order.test.ts (the
// record itself: checkpolicy-runs.ts).
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

export const dir = "test/fixtures/neverallow-order";

/** One report: the neverallow's physical line and the violation as checkpolicy words it. */
export interface Report {
  line: number;
  violation: string;
}

/** report_failure's lines ("neverallow on line N of F (or line M of P) violated by allow S T:C { p };"),
 *  by physical line M, and check_assertions' total ("N neverallow failures occurred"). */
export function checkpolicyReports(stderr: string): { reports: Report[]; total: number } {
  const reports: Report[] = [];
  for (const m of stderr.matchAll(/neverallow on line \d+ of .*? \(or line (\d+) of .*?\) violated by (allow \S+ \S+:\S+ \{.*\});/g)) {
    reports.push({ line: Number(m[1]), violation: m[2]! });
  }
  const total = /(\d+) neverallow failures occurred/.exec(stderr);
  return { reports, total: total ? Number(total[1]) : 0 };
}

/** xsm's neverallow errors in checkpolicy's terms: each shown report, and the total a "violated N
 *  more time(s)" error adds. */
export function xsmReports(text: string, diagnostics: readonly Diagnostic[]): { reports: Report[]; total: number } {
  const reports: Report[] = [];
  let total = 0;
  for (const d of diagnostics) {
    if (d.code !== "neverallow" || d.severity !== "error") continue;
    const more = /violated (\d+) more time/.exec(d.message);
    if (more) {
      total += Number(more[1]);
      continue;
    }
    const line = text.slice(0, d.span!.offset).split("\n").length;
    // ours has "{ p q }", libsepol's sepol_av_to_string "{ p q }" too: one space each side
    reports.push({ line, violation: d.message.replace(/^neverallow violated by /, "") });
    total++;
  }
  return { reports, total };
}

/** Reports by neverallow, in order: [physical line, its violations]. */
export function byNeverallow(reports: readonly Report[]): [number, string[]][] {
  const out: [number, string[]][] = [];
  for (const r of reports) {
    const last = out[out.length - 1];
    if (last && last[0] === r.line) last[1].push(r.violation);
    else out.push([r.line, [r.violation]]);
  }
  return out;
}
