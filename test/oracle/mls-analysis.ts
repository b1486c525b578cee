// seinfo and sesearch questions on MLS policies (and plain ones with validatetrans), shared by
// the live test (test/oracle/mls-analysis.test.ts) and the fixture recorder
// (scripts/gen-mls-analysis-fixtures.ts): the statistics block, sensitivities, categories,
// users with their levels and ranges, constraints and validatetrans as setools names them, and
// range_transition searches by source, target and class.
import type { AnalysisPolicy } from "../../src/analysis/load.js";

export interface MlsAnalysisCase {
  tool: "seinfo" | "sesearch";
  /** xsm's arguments after `info`/`search POLICY` (seinfo's and sesearch's too). */
  args: string[];
}

/** One recorded answer in test/fixtures/analysis/mls.json: a case, the policy it was asked of and
 *  the binary checkpolicy made of it, and what setools printed. */
export interface MlsAnalysisFixture extends MlsAnalysisCase {
  policy: string;
  binary: string;
  mls: boolean;
  stdout: string;
}

export function mlsAnalysisCases(ap: AnalysisPolicy, seed: number): MlsAnalysisCase[] {
  const sym = ap.sym;
  const info = (...args: string[]): MlsAnalysisCase => ({ tool: "seinfo", args });
  const search = (...args: string[]): MlsAnalysisCase => ({ tool: "sesearch", args });
  const cases = [info(), info("--constrain"), info("--validatetrans"), info("-c", sym.classes[seed % sym.classes.length]!.name, "-x")];
  if (!sym.mls) return cases;
  cases.push(info("--sensitivity"), info("--sensitivity", "-x"), info("--category"), info("--category", "-x"), info("-u", "-x"));
  const s = sym.mls.sens[seed % sym.mls.sens.length]!;
  cases.push(info("--sensitivity", s.name, "-x"));
  const ranges = sym.mls.rangeTransitions;
  cases.push(search("--range_trans"), search("-T", "--range_trans"));
  if (ranges.length > 0) {
    const r = ranges[seed % ranges.length]!;
    const name = (ids: number[]) => sym.types[ids[0]!]?.name;
    const src = name(r.sources.types);
    const tgt = name(r.targets.types);
    if (src) cases.push(search("--range_trans", "-s", src));
    if (tgt) cases.push(search("--range_trans", "-t", tgt));
    cases.push(search("--range_trans", "-c", sym.classes[r.classes[0]!]!.name));
  }
  return cases;
}

/** setools prints a name set in Python's set order, which varies; xsm sorts it. Both sides are
 *  compared with each set's names sorted, and without the statistics' file line. */
export function normalise(text: string): string {
  return text
    .replace(/^Statistics for policy file: .*\n/, "")
    .replace(/\{ ([^{}]*?) \}/g, (_, names: string) => `{ ${names.split(" ").filter(Boolean).sort().join(" ")} }`);
}

/** sediff's options for every section xsm diff prints for MLS policies, in its order. */
export const SEDIFF_MLS_SECTIONS = ["--common", "-c", "-b", "-r", "-t", "-a", "-u", "--category", "--sensitivity", "--level", "--allow", "--auditallow", "--dontaudit", "-T", "--type_change", "--type_member", "--role_allow", "--range_trans", "--constrain", "--mlsconstrain", "--validatetrans", "--mlsvalidatetrans", "--initialsid"];

/** sediff's options for a pair: the MLS sections only when one of them is MLS. */
export function sediffFlags(mls: boolean): string[] {
  return mls ? SEDIFF_MLS_SECTIONS : SEDIFF_MLS_SECTIONS.filter((f) => !["--category", "--sensitivity", "--level", "--range_trans", "--mlsconstrain"].includes(f));
}

/** A diff report as both sides can print it: the Xen ocontext sections (sediff reads them as
 *  SELinux ones) and initial SID names (setools guesses them) left out, set-ordered lists of
 *  constraints and validatetrans sorted. */
export function diffComparable(report: string): string {
  const text = report
    .replace(/^(Pirqcons|Ioportcons|Iomemcons|Pcidevicecons|Devicetreecons) \(.*\n(?:.+\n)*\n/gm, "")
    .replace(/^( {6}[+-] sid )\S+/gm, "$1?")
    .replace(/^( {6}\* )\S+( \+\[)/gm, "$1?$2");
  // constraints in set order; initial SIDs, whose names are masked, in sediff's order of its names
  const statement = /^ {6}([+-] (mls)?(constrain|validatetrans) |[+-] sid \? |\* \? \+\[)/;
  const lines = text.split("\n").map((l) => {
    const m = /^( {6}\* \S+ \S+ \S+ \{ )(.*)( \};.*)$/.exec(l);
    if (m) return `${m[1]}${m[2]!.split(" ").sort().join(" ")}${m[3]}`;
    return statement.test(l) ? l.replace(/\{ ([^{}]*?) \}/g, (_, body: string) => `{ ${body.split(" ").filter(Boolean).sort().join(" ")} }`) : l;
  });
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (j < lines.length && statement.test(lines[j]!)) j++;
    if (j > i + 1) lines.splice(i, j - i, ...lines.slice(i, j).sort());
    i = j;
  }
  return lines.join("\n");
}
