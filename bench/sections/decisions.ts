// Section 2: ns per TE decision, by names (policy.allows) and on interned ids (policy.allowsIds),
// beside a bare typed-array lookup on a dense [stype][ttype][tclass] table of the same answers, on
// SVP-shaped policies of 101 and 3005 types. The dense table is the floor a lookup can reach; at
// 3005 types it takes ~145 MB, which is why the compiled policy does not use one.
//
// Each policy is measured in a child process of its own (bench/decisions-child.ts), as a program
// that decides on one policy runs: allows() is one function for every policy, and the 101-type
// run before it in the same process left it polymorphic (its call sites had seen two images and
// two decision forms: 3005 types 40-47 ns a question there, against 36-40 alone; docs/performance.md).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { type Budget, measureNs, nowNs } from "../lib/measure.js";
import { assertAgree } from "../lib/agree.js";
import { isMissing, loadCompiler, ROOT } from "../lib/ours.js";
import { fmtBytes, fmtMs, fmtNs, fmtRatio, type SectionResult, target } from "../lib/report.js";
import { modelAllows, type SvpPolicy, svpPolicyWithTypes } from "../gen/svp-policy.js";
import { sampleQuestions } from "../gen/questions.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import type { Question } from "../peers/question.js";
import { rowFilterWords, wantRow } from "../lib/rows.js";
import { type Interned, MIXED } from "./decision-loops.js";

function intern(policy: CompiledPolicy, qs: readonly Question[]): Interned {
  const out = { s: new Int32Array(qs.length), t: new Int32Array(qs.length), c: new Int32Array(qs.length), m: new Int32Array(qs.length) };
  qs.forEach((q, i) => {
    out.s[i] = policy.typeId(q.stype);
    out.t[i] = policy.typeId(q.ttype);
    out.c[i] = policy.classId(q.tclass);
    out.m[i] = policy.permMask(out.c[i]!, q.perm);
  });
  return out;
}

/** The baseline: a dense Uint32Array of allowed masks indexed by our own ids, filled from the rules
 *  as written (attributes expanded, `self` resolved). */
class DenseTable {
  readonly table: Uint32Array;
  constructor(readonly nTypes: number, readonly nClasses: number, p: SvpPolicy, policy: CompiledPolicy) {
    this.table = new Uint32Array(nTypes * nTypes * nClasses);
    const names = [...p.types.keys()];
    const members = (set: string) => names.filter((t) => t === set || p.types.get(t)!.includes(set));
    for (const r of p.rules) {
      const c = policy.classId(r.tclass);
      let mask = 0;
      for (const perm of r.perms) mask |= policy.permMask(c, perm);
      for (const s of members(r.source))
        for (const t of r.target === "self" ? [s] : members(r.target))
          this.table[(policy.typeId(s) * nTypes + policy.typeId(t)) * nClasses + c]! |= mask;
    }
  }
}

/** What one child (bench/decisions-child.ts) measures: one policy's rows, data and notes. */
export interface PartResult {
  rows: string[][];
  data: Record<string, unknown>;
  notes: string[];
}

/** The rows of one policy, in this process: `size` types of the SVP generator, or "example" for
 *  examples/svp/svp.conf. */
export async function decisionsPart(part: string, budget: Budget): Promise<PartResult> {
  const compilePolicy = await loadCompiler();
  if (isMissing(compilePolicy)) return { rows: [], data: { skipped: compilePolicy.missing }, notes: [`skipped: ${compilePolicy.missing}`] };
  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  const notes: string[] = [];
  if (part !== "example") {
    const size = Number(part);
    const p = svpPolicyWithTypes(size);
    if (!wantRow(`${p.types.size} types`)) return { rows, data, notes };
    const t0 = nowNs();
    const policy = compilePolicy(p.text, { file: `svp-${p.types.size}-types.conf` });
    const compileMs = (nowNs() - t0) / 1e6;
    const names = sampleQuestions(p, MIXED, size);
    const typeIds = [...p.types.keys()].map((t) => policy.typeId(t));
    const nTypes = Math.max(...typeIds) + 1;
    const nClasses = Math.max(...Object.keys(p.classes).map((c) => policy.classId(c))) + 1;
    const dense = new DenseTable(nTypes, nClasses, p, policy);
    const ids = intern(policy, names);
    const byIds = (q: Question) => policy.allowsIds(policy.typeId(q.stype), policy.typeId(q.ttype), policy.classId(q.tclass), policy.permMask(policy.classId(q.tclass), q.perm));
    const byDense = (q: Question) => {
      const cid = policy.classId(q.tclass), mask = policy.permMask(cid, q.perm);
      return (dense.table[(policy.typeId(q.stype) * nTypes + policy.typeId(q.ttype)) * nClasses + cid]! & mask) === mask;
    };
    assertAgree(`decisions at ${p.types.size} types`, names, (q) => modelAllows(p, q.stype, q.ttype, q.tclass, q.perm), [
      { name: "policy.allows", decide: (q) => policy.allows(q.stype, q.ttype, q.tclass, q.perm) === true },
      { name: "policy.allowsIds", decide: byIds },
      { name: "dense table", decide: byDense },
    ]);
    const l = (await import("./decision-loops.js")).loops(policy, names, ids, dense);
    const r = Object.fromEntries(Object.entries(l).map(([k, loop]) => [k, measureNs(loop, budget).nsPerOp])) as Record<keyof typeof l, number>;
    const tag = `${p.types.size} types`;
    rows.push(
      [`${tag}: allows(names), the issue's question`, fmtNs(r.namesConst), "", "", target("≤ 40 ns", r.namesConst <= 40)],
      [`${tag}: allows(names), ${MIXED} mixed`, fmtNs(r.namesMixed), "", "", target("≤ 40 ns", r.namesMixed <= 40)],
      [`${tag}: of which the 3 name -> id probes alone`, fmtNs(r.namesToIds), "", "", ""],
      [`${tag}: of which reading the ${MIXED}-question stream alone`, fmtNs(r.streamOnly), "", "", ""],
      [`${tag}: allowsIds, one question`, fmtNs(r.idsConst), fmtNs(r.baseConst), fmtRatio(r.idsConst / r.baseConst), target("≤ 1.5x", r.idsConst <= 1.5 * r.baseConst)],
      [`${tag}: allowsIds, ${MIXED} mixed`, fmtNs(r.idsMixed), fmtNs(r.baseMixed), fmtRatio(r.idsMixed / r.baseMixed), target("≤ 1.5x", r.idsMixed <= 1.5 * r.baseMixed)],
    );
    data[tag] = { compileMs, denseTableBytes: dense.table.byteLength, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [`${k}Ns`, v])) };
    notes.push(`${tag}: compiled in ${fmtMs(compileMs)}; the dense table takes ${fmtBytes(dense.table.byteLength)}.`);
    return { rows, data, notes };
  }
  // The question on the example a user would start from, when it is there.
  const example = `${ROOT}examples/svp/svp.conf`;
  if (!wantRow("examples/svp/svp.conf")) {
    // left out by --rows
  } else if (existsSync(example)) {
    const policy = compilePolicy(readFileSync(example, "utf8"), { file: "examples/svp/svp.conf" });
    const answer = policy.allows("svp_hwdom_t", "gvp1_pci_t", "resource", "unplug");
    const ns = measureNs((await import("./decision-loops.js")).namesConstLoop(policy), budget).nsPerOp;
    rows.push([`examples/svp/svp.conf (${policy.stats.types} types): allows(names), the issue's question`, fmtNs(ns), "", "", target("≤ 40 ns", ns <= 40)]);
    data["examples/svp/svp.conf"] = { namesConstNs: ns, answer };
  } else notes.push("examples/svp/svp.conf is not there: its row is left out.");
  return { rows, data, notes };
}

/** One part in a fresh node process (bench/decisions-child.ts). */
function partInChild(part: string, budget: Budget): PartResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", `${ROOT}bench/decisions-child.ts`, part, JSON.stringify(budget), JSON.stringify(rowFilterWords() ?? [])], {
    encoding: "utf8",
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as PartResult;
  } catch {
    const why = (r.stderr ?? "").trim().split("\n").slice(-3).join(" / ");
    throw new Error(`decisions child (${part}) exited ${r.status}: ${why}`);
  }
}

export async function decisionsSection(budget: Budget): Promise<SectionResult> {
  const compilePolicy = await loadCompiler();
  const id = "decisions", title = "2. TE decisions (policy.allows / allowsIds)";
  if (isMissing(compilePolicy)) return { id, title, columns: [], rows: [], notes: [`skipped: ${compilePolicy.missing}`], data: { skipped: compilePolicy.missing } };
  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const part of ["example", "100", "3000"]) {
    const r = partInChild(part, budget);
    rows.push(...r.rows);
    Object.assign(data, r.data);
    notes.push(...r.notes);
  }
  return {
    id,
    title,
    columns: ["case", "ours", "dense Uint32Array", "ours/dense", "target"],
    rows,
    notes: [
      ...notes,
      "policies: bench/gen/svp-policy.ts (supervisor + 8 or 250 guest platforms); every engine first answers all " +
        `${MIXED} sample questions (half granted by some rule, half uniform) and must agree with the rules as written.`,
      "ns per call: calibrated loop after warm-up, median of runs, answers summed into a sink; the loop's own cost " +
        "(an index and array reads) is in every figure alike.",
      "each policy in a fresh node process of its own (bench/decisions-child.ts), as a program deciding on one policy runs.",
      "dense baseline: (table[(s*nTypes + t)*nClasses + c] & mask) === mask, filled from the rules as written.",
    ],
    data,
  };
}
