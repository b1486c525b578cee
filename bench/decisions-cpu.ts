// CPU time per decision on the decisions section's questions, for comparing two trees on a shared
// machine (process CPU time, not wall time: waiting for a core does not count):
//
//   node --import tsx bench/decisions-cpu.ts [--root DIR] [--types 3000[,100]] [--one-attribute N]
//
// For each SVP policy size (bench/gen/svp-policy.ts) it times, on the 16,384 questions of
// bench/gen/questions.ts: allowsIds on the interned questions, the four name -> id probes alone (typeDict, classDict, perms),
// the three allows() makes (typeDict twice, permDict) and
// allows(names), each 7 runs of 2^21 calls after a warm-up, and prints least / median ns. With
// --one-attribute N, the same on N types in one attribute (bench/gen/one-attribute.ts), with the
// time of the first decision (which builds the lookup's tables). --root DIR loads src/ and bench/gen/
// of another checkout (e.g. `git worktree add /tmp/before main`), so both run these same loops.
// Sizes run in one process share these loops (and their type feedback): time one size per process
// for figures comparable to the bench's, which gives each size its own copy.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CompiledPolicy } from "../src/policy/types.js";

const { values } = parseArgs({ options: { root: { type: "string" }, types: { type: "string" }, "one-attribute": { type: "string" } } });
const root = resolve(values.root ?? new URL("..", import.meta.url).pathname);
const { compilePolicy } = (await import(`${root}/src/policy/index.ts`)) as { compilePolicy: (text: string, o?: { file?: string }) => CompiledPolicy };
const MIXED = 16384;
const k = MIXED - 1;
let sink = 0;

function cpuNs(loop: (n: number) => number): string {
  for (let w = 0; w < 10; w++) sink += loop(1 << 17);
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.cpuUsage();
    sink += loop(1 << 21);
    const d = process.cpuUsage(t0);
    runs.push(((d.user + d.system) * 1000) / (1 << 21));
  }
  runs.sort((a, b) => a - b);
  return `${runs[0]!.toFixed(1)} / ${runs[3]!.toFixed(1)} ns`;
}

interface Stream {
  S: string[];
  T: string[];
  C: string[];
  P: string[];
}

function time(label: string, policy: CompiledPolicy, q: Stream): void {
  const s = Int32Array.from(q.S, (n) => policy.typeId(n));
  const t = Int32Array.from(q.T, (n) => policy.typeId(n));
  const c = Int32Array.from(q.C, (n) => policy.classId(n));
  const m = Int32Array.from(q.P, (n, i) => policy.permMask(c[i]!, n));
  const { typeDict, classDict } = (policy as unknown as { image: { typeDict: Record<string, number>; classDict: Record<string, { id: number; perms: Record<string, number> }> } }).image;
  const { S, T, C, P } = q;
  const first = process.hrtime.bigint();
  policy.allowsIds(s[0]!, t[0]!, c[0]!, m[0]!);
  const firstMs = Number(process.hrtime.bigint() - first) / 1e6;
  const ids = cpuNs((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const j = i & k;
      if (policy.allowsIds(s[j]!, t[j]!, c[j]!, m[j]!)) acc++;
    }
    return acc;
  });
  const probes = cpuNs((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const j = i & k;
      const cl = classDict[C[j]!]!;
      acc += typeDict[S[j]!]! + typeDict[T[j]!]! + cl.id + cl.perms[P[j]!]!;
    }
    return acc;
  });
  // the lookups allows() makes now (src/policy/view.ts permDict), where the tree has them
  const { permDict } = (policy as unknown as { image: { permDict?: Record<string, { className: string; classId: number; mask: number; next: unknown }> } }).image;
  type E = { className: string; classId: number; mask: number; next: E | undefined } | undefined;
  const probes3 = permDict === undefined ? "-" : cpuNs((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const j = i & k;
      const cl = C[j]!;
      let e = permDict[P[j]!] as E;
      while (e !== undefined && e.className !== cl) e = e.next;
      acc += typeDict[S[j]!]! + typeDict[T[j]!]! + e!.classId + e!.mask;
    }
    return acc;
  });
  const names = cpuNs((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const j = i & k;
      if (policy.allows(S[j]!, T[j]!, C[j]!, P[j]!)) acc++;
    }
    return acc;
  });
  console.log(`${label}: first decision ${firstMs.toFixed(1)} ms; allowsIds ${ids}; 4 probes ${probes}; 3 probes ${probes3}; allows(names) ${names} (least / median of 7, CPU)`);
}

for (const size of (values.types ?? (values["one-attribute"] ? "" : "3000")).split(",").filter(Boolean).map(Number)) {
  const { svpPolicyWithTypes } = await import(`${root}/bench/gen/svp-policy.ts`);
  const { sampleQuestions } = await import(`${root}/bench/gen/questions.ts`);
  const p = svpPolicyWithTypes(size);
  const policy = compilePolicy(p.text, { file: `svp-${size}.conf` });
  const qs = sampleQuestions(p, MIXED, size) as { stype: string; ttype: string; tclass: string; perm: string }[];
  time(`svp ${p.types.size} types`, policy, { S: qs.map((x) => x.stype), T: qs.map((x) => x.ttype), C: qs.map((x) => x.tclass), P: qs.map((x) => x.perm) });
}
if (values["one-attribute"]) {
  const n = Number(values["one-attribute"]);
  const { oneAttributePolicy } = await import(`${root}/bench/gen/one-attribute.ts`);
  const policy = compilePolicy(oneAttributePolicy(n), { file: `one-attribute-${n}.conf` });
  let x = 7;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296;
  const perms = ["use", "plug", "unplug"];
  const q: Stream = { S: [], T: [], C: [], P: [] };
  for (let i = 0; i < MIXED; i++) {
    q.S.push(`d${Math.floor(rnd() * n)}_t`);
    q.T.push(`d${Math.floor(rnd() * n)}_t`);
    q.C.push("resource");
    q.P.push(perms[i % 3]!);
  }
  time(`one attribute, ${n} types`, policy, q);
}
console.log(`(root ${root}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; sink ${sink & 1})`);
