// Section 1's process tables: `xsm` as a user runs it from the shell or a Makefile, one fresh
// process per run (bin/xsm.cjs on the build `npm run build` made), beside checkpolicy on the same file
// and `node -e 0` for start-up, run in turn with it (one run each per round); medians after one
// warm-up round, peak RSS from GNU time. Then the
// one-attribute policy at N types (does the compiler scale in types?), with its decision figures.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Budget, type Timed, have, interleavedMs, measureNs, memoryOfRun } from "../lib/measure.js";
import { type CompilePolicy, ROOT } from "../lib/ours.js";
import { fmtBytes, fmtMs, fmtNs, fmtRatio, target } from "../lib/report.js";
import { oneAttributePolicy } from "../gen/one-attribute.js";
import { mulberry32 } from "../gen/prng.js";
import { wantRow } from "../lib/rows.js";
import { caCertsCost, nodeEnv } from "../lib/node-env.js";

const XSM = [`${ROOT}bin/xsm.cjs`];
const CHECKPOLICY = (file: string) => ["-t", "Xen", "-c", "30", file, "-o", "/dev/null"];

interface Table {
  caption: string;
  columns: string[];
  rows: string[][];
}

export interface ProcessResult {
  tables: Table[];
  notes: string[];
  data: Record<string, unknown>;
}

interface Figures {
  ms?: number;
  rssKb?: number;
  /** Minor page faults of one run (GNU time's %R). */
  faults?: number;
  error?: string;
}

/** The figures of `xsm` and its peer on one row, their runs in turn (interleavedMs): a row's ratio
 *  then does not move with a change of the machine's load between the two. No peer (checkpolicy
 *  not installed): xsm alone. */
function pair(ours: Timed, peer: Timed | undefined, reps: number): [Figures, Figures | undefined] {
  const times = interleavedMs(peer ? [ours, peer] : [ours], reps);
  const figures = (c: Timed, t: (typeof times)[number]): Figures => {
    if ("error" in t) return { error: t.error };
    const memory = memoryOfRun(c.cmd, c.args, c.env);
    return { ms: t.ms, rssKb: memory?.rssKb, faults: memory?.minorFaults };
  };
  return [figures(ours, times[0]!), peer ? figures(peer, times[1]!) : undefined];
}

// node's rows run without NODE_EXTRA_CA_CERTS unless --keep-env (bench/lib/node-env.ts says why)
const xsm = (args: readonly string[]): Timed => ({ cmd: process.execPath, args: [...XSM, ...args], env: nodeEnv() });
const checkpolicyOf = (file: string): Timed => ({ cmd: "checkpolicy", args: CHECKPOLICY(file) });

export interface ProcessInputs {
  /** Files to compile as `xsm compile FILE` beside checkpolicy, with their row names. */
  policies: { name: string; file: string; large?: boolean }[];
  quick: boolean;
  dir: string;
}

export function processTables(budget: Budget, compilePolicy: CompilePolicy | undefined, inputs: ProcessInputs): ProcessResult {
  const reps = Math.max(budget.reps, 3);
  const checkpolicy = have("checkpolicy");
  const notes: string[] = [];
  const data: Record<string, unknown> = {};
  const rows: string[][] = [];
  const rss = (f: Figures) => (f.rssKb !== undefined ? fmtBytes(f.rssKb * 1024) : "n/a");
  const faults = (f: Figures | undefined) => (f?.faults !== undefined ? String(f.faults) : "n/a");
  const ms = (f: Figures | undefined) => (f === undefined ? "n/a" : f.error ? "error" : fmtMs(f.ms));
  const ratio = (a?: Figures, b?: Figures) => (a?.ms !== undefined && b?.ms !== undefined ? a.ms / b.ms : undefined);
  const fail = (what: string, f: Figures | undefined) => f?.error && notes.push(`${what}: ${f.error}`);

  const ca = caCertsCost(reps * 2);
  notes.push(ca.note);
  data["NODE_EXTRA_CA_CERTS"] = { file: ca.file, kept: ca.kept, nodeWithMs: ca.withMs, nodeWithoutMs: ca.withoutMs };
  const nodeStart: Timed = { cmd: process.execPath, args: ["-e", "0"], env: nodeEnv() };
  // (node -e 0 is also the one-attribute rows' start-up allowance: measured without the --help row too)
  const [help, nodeFigures] = wantRow("xsm --help") ? pair(xsm(["--help"]), nodeStart, reps * 2) : [undefined, pair(nodeStart, undefined, reps * 2)[0]];
  const node = nodeFigures!;
  if (help) {
    fail("xsm --help", help);
    const r = ratio(help, node);
    rows.push(["xsm --help", ms(help), ms(node), "node -e 0", fmtRatio(r), rss(help), rss(node), faults(help), faults(node), target("≤ 1.5x", r === undefined ? undefined : r <= 1.5)]);
    data["xsm --help"] = { ms: help.ms, nodeMs: node.ms, ratio: r, rssKb: help.rssKb, faults: help.faults, nodeFaults: node.faults };
  }

  for (const p of inputs.policies) {
    if (!wantRow(`xsm compile ${p.name}`)) continue;
    const [ours, cp] = pair(xsm(["compile", p.file]), checkpolicy ? checkpolicyOf(p.file) : undefined, p.large ? Math.min(reps, 3) : reps * 2);
    fail(`xsm compile ${p.name}`, ours);
    fail(`checkpolicy ${p.name}`, cp);
    const q = ratio(ours, cp);
    const rssRatio = ours.rssKb !== undefined && cp?.rssKb !== undefined ? ours.rssKb / cp.rssKb : undefined;
    const aim = p.large
      ? target("≤ 0.5x, RSS ≤ 4x", q === undefined || rssRatio === undefined ? undefined : q <= 0.5 && rssRatio <= 4)
      : target("≤ 1x", q === undefined ? undefined : q <= 1);
    rows.push([`xsm compile ${p.name}`, ms(ours), ms(cp), "checkpolicy", fmtRatio(q), rss(ours), cp ? rss(cp) : "n/a", faults(ours), faults(cp), aim]);
    data[`xsm compile ${p.name}`] = { ms: ours.ms, checkpolicyMs: cp?.ms, ratio: q, rssKb: ours.rssKb, checkpolicyRssKb: cp?.rssKb, rssRatio, faults: ours.faults, checkpolicyFaults: cp?.faults };
  }
  if (!checkpolicy) notes.push("checkpolicy is not installed: its columns are n/a (apt-get install checkpolicy)");

  // the one-attribute policy: compile as a process, then decisions in this process
  const sizes = inputs.quick ? [1000, 10000] : [1000, 10000, 20000];
  const attrRows: string[][] = [];
  for (const n of sizes) {
    if (!wantRow(`one attribute ${n}`)) continue;
    const file = join(inputs.dir, `one-attribute-${n}.conf`);
    const text = oneAttributePolicy(n);
    writeFileSync(file, text);
    const few = Math.min(reps, 3);
    const [ours, cp] = pair(xsm(["compile", file]), checkpolicy ? checkpolicyOf(file) : undefined, few);
    fail(`xsm compile one-attribute ${n}`, ours);
    fail(`checkpolicy one-attribute ${n}`, cp);
    const aimMs = cp?.ms !== undefined && node.ms !== undefined ? cp.ms + node.ms : undefined;
    const timeOk = ours.ms !== undefined && aimMs !== undefined ? ours.ms <= aimMs : undefined;
    const rssOk = n === 20000 && ours.rssKb !== undefined ? ours.rssKb <= 200 * 1024 : undefined;
    let allowsNs: number | undefined;
    let idsNs: number | undefined;
    if (compilePolicy) [allowsNs, idsNs] = decisions(compilePolicy, text, n, budget);
    const aim = n === 20000 ? target("≤ cp + node, RSS ≤ 200 MB", timeOk === undefined || rssOk === undefined ? undefined : timeOk && rssOk) : target("≤ cp + node", timeOk);
    attrRows.push([`${n} types`, ms(ours), ms(cp), fmtRatio(ratio(ours, cp)), rss(ours), cp ? rss(cp) : "n/a", fmtNs(allowsNs), fmtNs(idsNs), aim]);
    data[`one attribute ${n}`] = { ms: ours.ms, checkpolicyMs: cp?.ms, nodeMs: node.ms, rssKb: ours.rssKb, checkpolicyRssKb: cp?.rssKb, allowsNs, allowsIdsNs: idsNs };
  }
  notes.push(
    "process rows: a fresh process per run (`node bin/xsm.cjs ...`, the built CLI; checkpolicy -t Xen -c 30 FILE -o /dev/null), " +
      `xsm and its peer in turn (one run of each per round, so load changes hit both alike), one warm-up round then the median of ${reps * 2} (3 for large files, ${Math.min(reps, 3)} for the one-attribute policy); peak RSS and minor page faults: GNU time's %M and %R of one more run ` +
      "(faults do not move with the machine's load; each is a first touch of fresh memory, ~20 µs on the project's VM).",
    "one attribute: N types in one attribute and `allow attr attr:resource *;` (bench/gen/one-attribute.ts); aim: " +
      "at most checkpolicy's time plus node's start-up (node -e 0), and at most 200 MB at 20,000 types. Decisions: allows(names) " +
      "and allowsIds on 16,384 different (source, target, perm) questions, in this process after one compile.",
  );
  return {
    tables: [
      { caption: "As a process (what a shell or a Makefile runs)", columns: ["case", "xsm", "peer", "peer is", "xsm/peer", "xsm peak RSS", "peer peak RSS", "xsm faults", "peer faults", "target"], rows },
      {
        caption: "One attribute, N types (linear in types?)",
        columns: ["policy", "xsm compile", "checkpolicy", "xsm/cp", "xsm peak RSS", "cp peak RSS", "allows(names)", "allowsIds", "target"],
        rows: attrRows,
      },
    ],
    notes,
    data,
  };
}

const QUESTIONS = 16384;

/** ns per allows(names) and allowsIds over 16,384 different questions on the one-attribute policy. */
function decisions(compilePolicy: CompilePolicy, text: string, n: number, budget: Budget): [number, number] {
  const policy = compilePolicy(text, { file: `one-attribute-${n}.conf` });
  const rnd = mulberry32(n);
  const perms = ["use", "plug", "unplug"];
  const S: string[] = [], T: string[] = [], P: string[] = [];
  const s = new Int32Array(QUESTIONS), t = new Int32Array(QUESTIONS), m = new Int32Array(QUESTIONS);
  const c = policy.classId("resource");
  for (let i = 0; i < QUESTIONS; i++) {
    S.push(`d${Math.floor(rnd() * n)}_t`);
    T.push(`d${Math.floor(rnd() * n)}_t`);
    P.push(perms[i % 3]!);
    s[i] = policy.typeId(S[i]!);
    t[i] = policy.typeId(T[i]!);
    m[i] = policy.permMask(c, P[i]!);
    if (!policy.allows(S[i]!, T[i]!, "resource", P[i]!)) throw new Error(`one attribute ${n}: ${S[i]} ${T[i]} ${P[i]} denied`);
  }
  const k = QUESTIONS - 1;
  const names = measureNs((iters) => {
    let acc = 0;
    for (let i = 0; i < iters; i++) {
      const j = i & k;
      if (policy.allows(S[j]!, T[j]!, "resource", P[j]!)) acc++;
    }
    return acc;
  }, budget).nsPerOp;
  const ids = measureNs((iters) => {
    let acc = 0;
    for (let i = 0; i < iters; i++) {
      const j = i & k;
      if (policy.allowsIds(s[j]!, t[j]!, c, m[j]!)) acc++;
    }
    return acc;
  }, budget).nsPerOp;
  return [names, ids];
}

/** Is the built CLI there and current? (bin/xsm.cjs says why not.) */
export function cliProblem(): string | undefined {
  const r = spawnSync(process.execPath, [...XSM, "--version"], { encoding: "utf8" });
  return r.status === 0 ? undefined : (r.stderr || `exit ${r.status}`).trim();
}
