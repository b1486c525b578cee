// Section 1: compile time of gen-policy small/medium/large and of an m4-expanded Xen FLASK example,
// ours (a fresh child process per file, warm, median) beside `checkpolicy -t Xen -c 30 FILE -o /dev/null` (a fresh
// process per run, as a user runs it, median), plus the memory of one compile in a fresh child.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Budget, commandMs, have, median } from "../lib/measure.js";
import { isMissing, loadCompiler, ROOT } from "../lib/ours.js";
import { fmtBytes, fmtMs, fmtRatio, type SectionResult, target } from "../lib/report.js";
import { svpPolicyWithTypes } from "../gen/svp-policy.js";
import { cliProblem, processTables } from "./process.js";
import { wantRow } from "../lib/rows.js";

interface Input {
  name: string;
  file: string | undefined;
  why?: string;
}

const GEN = `${ROOT}test/oracle/tools/gen-policy`;
const PYTHON = "/usr/bin/python3";

/** gen-policy --seed 1 --size S into `dir`; the committed copy of small/medium when python is missing. */
function genPolicy(size: string, dir: string): Input {
  const file = join(dir, `gen-seed1-${size}.conf`);
  if (existsSync(PYTHON)) {
    const r = spawnSync(PYTHON, [GEN, "--seed", "1", "--size", size], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status === 0) {
      writeFileSync(file, r.stdout);
      return { name: `gen-policy ${size}`, file };
    }
  }
  const committed = `${ROOT}bench/data/gen-seed1-${size}.conf`;
  if (existsSync(committed)) return { name: `gen-policy ${size}`, file: committed };
  return { name: `gen-policy ${size}`, file: undefined, why: `${PYTHON} is missing and no committed copy` };
}

/** The policies of the section (with --rows, the wanted ones and those a wanted process row compiles). */
function inputs(quick: boolean, dir: string): Input[] {
  const list: Input[] = [];
  const want = (name: string) => wantRow(name) || wantRow(`xsm compile ${name}`);
  for (const size of quick ? ["small", "medium"] : ["small", "medium", "large"]) if (want(`gen-policy ${size}`)) list.push(genPolicy(size, dir));
  if (want("svp 3005 types")) {
    const svp = join(dir, "svp-3005-types.conf");
    writeFileSync(svp, svpPolicyWithTypes(3000).text);
    list.push({ name: "svp 3005 types", file: svp });
  }
  const xen = `${ROOT}examples/xen-flask/policy.conf`;
  if (want("xen-flask example"))
    list.push(existsSync(xen) ? { name: "xen-flask example", file: xen } : { name: "xen-flask example", file: undefined, why: "examples/xen-flask/policy.conf is not there yet" });
  return list;
}

/** Peak RSS of checkpolicy via GNU time, when it is installed. */
function checkpolicyRssKb(file: string): number | undefined {
  if (!existsSync("/usr/bin/time")) return undefined;
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "checkpolicy", "-t", "Xen", "-c", "30", file, "-o", "/dev/null"], { encoding: "utf8" });
  const kb = Number((r.stderr ?? "").trim().split("\n").pop());
  return r.status === 0 && Number.isFinite(kb) ? kb : undefined;
}

interface ChildFigures { ms?: number; maxRssKb?: number; baseRssKb?: number; heapDelta?: number; runs?: number[]; error?: string }

function compileInChild(file: string, ...mode: string[]): ChildFigures {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", `${ROOT}bench/compile-child.ts`, file, ...mode], {
    encoding: "utf8",
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as ChildFigures;
  } catch {
    return { error: `child exited ${r.status}: ${(r.stderr ?? "").trim().split("\n")[0]}` };
  }
}

/** @param policies more files for the process table (`npm run bench -- --policy FILE`). */
export async function compileSection(budget: Budget, quick: boolean, policies: readonly string[] = []): Promise<SectionResult> {
  const compilePolicy = await loadCompiler();
  const checkpolicy = have("checkpolicy");
  const dir = mkdtempSync(join(tmpdir(), "xsm-bench-"));
  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  const notes: string[] = [];
  const list = inputs(quick, dir);
  for (const input of list) {
    if (!wantRow(input.name)) continue;
    if (!input.file) {
      rows.push([input.name, "n/a", "n/a", "n/a", "n/a", "", "", "", "", ""]);
      notes.push(`${input.name}: ${input.why}`);
      continue;
    }
    const text = readFileSync(input.file, "utf8");
    const big = text.length > 1 << 20;
    const reps = big ? Math.min(budget.reps, 3) : budget.reps;
    let ours: number | undefined;
    let error: string | undefined;
    if (!isMissing(compilePolicy)) {
      const timed = compileInChild(input.file, "time", String(reps));
      if (timed.runs) ours = median(timed.runs);
      else error = timed.error;
    }
    const peer = checkpolicy ? commandMs("checkpolicy", ["-t", "Xen", "-c", "30", input.file, "-o", "/dev/null"], reps) : undefined;
    const peerMs = peer && "ms" in peer ? peer.ms : undefined;
    const child = !isMissing(compilePolicy) && !error ? compileInChild(input.file, "memory") : undefined;
    const cpRss = checkpolicy ? checkpolicyRssKb(input.file) : undefined;
    const ratio = ours !== undefined && peerMs !== undefined ? ours / peerMs : undefined;
    const isLarge = input.name === "gen-policy large";
    // in process, medium policies and the 3005-type SVP should cost no more than checkpolicy's run
    const inProcessAim = input.name === "gen-policy medium" || input.name === "svp 3005 types";
    rows.push([
      input.name,
      `${(text.length / 1024).toFixed(0)} KB`,
      error ? "error" : fmtMs(ours),
      fmtMs(child?.ms),
      peer && "error" in peer ? "error" : fmtMs(peerMs),
      fmtRatio(ratio),
      child?.maxRssKb !== undefined ? fmtBytes(child.maxRssKb * 1024) : "n/a",
      child?.heapDelta !== undefined ? fmtBytes(child.heapDelta) : "n/a",
      cpRss !== undefined ? fmtBytes(cpRss * 1024) : "n/a",
      isLarge ? target("≤ 0.5x", ratio === undefined ? undefined : ratio <= 0.5) : inProcessAim ? target("≤ 1x", ratio === undefined ? undefined : ratio <= 1) : "",
    ]);
    if (error) notes.push(`${input.name}: our compile failed: ${error}`);
    if (peer && "error" in peer) notes.push(`${input.name}: checkpolicy failed: ${peer.error}`);
    if (child?.error) notes.push(`${input.name}: memory child: ${child.error}`);
    data[input.name] = {
      bytes: text.length,
      oursMs: ours,
      oursColdMs: child?.ms,
      checkpolicyMs: peerMs,
      ratio,
      oursMaxRssBytes: child?.maxRssKb !== undefined ? child.maxRssKb * 1024 : undefined,
      oursBaseRssBytes: child?.baseRssKb !== undefined ? child.baseRssKb * 1024 : undefined,
      oursHeapKeptBytes: child?.heapDelta,
      checkpolicyMaxRssBytes: cpRss !== undefined ? cpRss * 1024 : undefined,
      error,
    };
  }
  // the same work as a user's shell runs it: fresh processes of the built CLI
  const processInputs = [
    ...list.filter((i) => i.file !== undefined && (i.name === "xen-flask example" || i.name === "gen-policy large")),
    ...policies.map((file) => ({ name: file, file })),
  ].map((i) => ({ name: i.name, file: i.file!, large: i.name === "gen-policy large" }));
  const problem = cliProblem();
  let tables: SectionResult["tables"];
  if (problem) notes.push(`process tables skipped: ${problem}`);
  else {
    const proc = processTables(budget, isMissing(compilePolicy) ? undefined : compilePolicy, { policies: processInputs, quick, dir });
    tables = proc.tables;
    notes.push(...proc.notes);
    Object.assign(data, proc.data);
  }
  rmSync(dir, { recursive: true, force: true });
  if (isMissing(compilePolicy)) notes.push(`ours: ${compilePolicy.missing}`);
  if (!checkpolicy) notes.push("checkpolicy is not installed: its column is n/a (apt-get install checkpolicy)");
  notes.push(
    `ours: compilePolicy(text) in a fresh node process, one warm-up compile then the median of ${budget.reps} (3 for files over 1 MB); ` +
      "checkpolicy: a fresh process per run, median, after one warm-up run.",
    "ours cold: the one compile in a fresh process (no JIT warm-up; node and module loading not included).",
    "peak RSS: maxRSS of a fresh node process that only loads the compiler and compiles the file once (node itself " +
      "takes ~50 MB of it); heap kept: heap still used by the compiled policy after GC.",
  );
  return {
    id: "compile",
    title: "1. Compile (policy.conf -> decision tables)",
    columns: ["policy", "size", "ours", "ours cold", "checkpolicy", "ours/cp", "ours peak RSS", "heap kept", "cp peak RSS", "target"],
    rows,
    notes,
    tables,
    data,
  };
}
