// `xsm flow`'s questions over a FlowGraph (flow.ts), and their answers as seinfoflow prints them
// (text byte for byte for one source and one target type) or as JSON, with what seinfoflow does
// not say: each rule's source lines, and sets of types for -s/-t: an attribute, or an SVP
// platform's name (its domains and devices, from the attributes the `platform` block generates).
import { compile } from "../policy/index.js";
import { PolicyError, type Span } from "../diagnostics/diagnostic.js";
import { lowerPolicy } from "../binary/lower.js";
import { readPolicy } from "../binary/read.js";
import { BinaryFormatError } from "../binary/bytes.js";
import { binaryError } from "../binary/load.js";
import type { KernelPolicy } from "../binary/model.js";
import { CondOp, type Symbols } from "../policy/symbols.js";
import { byCodePoint } from "../policy/matrix.js";
import { FlowGraph, type FlowOptions, type FlowRule, type FlowStep } from "./flow.js";
import { kernelRules } from "./terules.js";
import { locationText, ruleText, sourceLocation, type Locate } from "./load.js";
import { QueryError, unknownName } from "./names.js";
import { mapCoverage, type PermMap } from "./permmap.js";

export interface RuleOrigin {
  file: string;
  line: number;
  text: string;
  /** A policy tree: the macro call that wrote it ("in expansion of `m` at modules/x.te:5"). */
  expansion?: string;
}

/** A policy for flow analysis: its kernel form and, from source, where each rule came from. */
export interface FlowInput {
  readonly file: string;
  readonly kernel: KernelPolicy;
  /** The source rules behind a kernel allow rule (policy.conf input; a binary has none). */
  readonly origins?: (graph: FlowGraph, rule: FlowRule) => RuleOrigin[];
}

/** policy.conf -> FlowInput (the kernel policy checkpolicy -t Xen -c 30 writes), or PolicyError. */
export function flowInputFromSource(text: string, file: string, options: { mls?: boolean; locate?: Locate } = {}): FlowInput {
  const run = compile(text, { file, mls: options.mls === true });
  if (!run.ok) throw new PolicyError(run.error);
  const { ast, symbols: sym, expanded: ex, rules: resolved } = run.value;
  const kernel = lowerPolicy(ast, sym, { version: 30 });
  // a kernel rule's source rules: same names, and for a conditional one the same truth table
  // (indexed when first asked: only --origins and --json ask)
  let bySym: Map<string, Span[]> | undefined;
  const index = (): Map<string, Span[]> => {
    const out = new Map<string, Span[]>();
    for (const r of kernelRules(sym, resolved, ex)) {
      if (r.kind !== "allow") continue;
      const cond = r.cond ? truthKey(sym.conds[r.cond.node]!.program, (b) => sym.bools[b]!.name, r.cond.branch) : "";
      const key = `${keyName(sym, r.source)} ${keyName(sym, r.target)} ${sym.classes[r.tclass]!.name} ${cond}`;
      const list = out.get(key);
      if (list) list.push(...r.origins);
      else out.set(key, [...r.origins]);
    }
    return out;
  };
  return {
    file,
    kernel,
    origins: (g, rule) => {
      const cond = rule.cond ? truthKey(g.condProgram(rule.cond.node), (b) => g.boolName(b), rule.cond.branch) : "";
      const spans = (bySym ??= index()).get(`${g.typeName[rule.source]} ${g.typeName[rule.target]} ${g.className(rule.tclass)} ${cond}`) ?? [];
      return spans.map((s) => {
        const at = sourceLocation(options, s);
        return { file: at.span.file, line: at.span.line, text: ruleText(text, s), ...(at.expansion ? { expansion: at.expansion } : {}) };
      });
    },
  };
}

/** A binary policy -> FlowInput, or PolicyError (one diagnostic) if it cannot be read. */
export function flowInputFromBinary(data: Uint8Array, file: string): FlowInput {
  try {
    return { file, kernel: readPolicy(data).policy };
  } catch (err) {
    if (err instanceof BinaryFormatError) throw new PolicyError([binaryError(err, file)]);
    throw err;
  }
}

function keyName(sym: Symbols, id: number): string {
  const nt = sym.types.length;
  return id < nt ? sym.types[id]!.name : sym.attrs[id - nt]!.name;
}

/** When a rule in `branch` of this expression is enabled: its booleans' names and the truth
 *  table (2^n rows), which names a conditional the same way however checkpolicy rewrote it. */
export function truthKey(program: ArrayLike<number>, name: (id: number) => string, branch: boolean): string {
  const ids = [...new Set(Array.from(program).filter((op) => op >= 0))].sort((a, b) => byCodePoint(name(a), name(b)));
  if (ids.length > 16) return `${Array.from(program).join(",")}:${branch}`;
  let bits = "";
  const value = new Map<number, boolean>();
  for (let row = 0; row < 1 << ids.length; row++) {
    ids.forEach((id, i) => value.set(id, ((row >> i) & 1) === 1));
    const stack: boolean[] = [];
    for (let k = 0; k < program.length; k++) {
      const op = program[k]!;
      if (op >= 0) stack.push(value.get(op)!);
      else if (op === CondOp.Not) stack.push(!stack.pop());
      else {
        const a = stack.pop()!;
        const b = stack.pop()!;
        stack.push(op === CondOp.And ? a && b : op === CondOp.Or ? a || b : op === CondOp.Eq ? a === b : a !== b);
      }
    }
    bits += stack[0] === branch ? "1" : "0";
  }
  return `${ids.map(name).join(",")}|${bits}`;
}

// ---- the question

export type FlowMode = { kind: "out" } | { kind: "shortest" } | { kind: "all"; maxSteps: number };

export interface FlowQuery extends Omit<FlowOptions, "exclude"> {
  source: string;
  target?: string;
  mode: FlowMode;
  exclude?: readonly string[];
  /** seinfoflow -l: stop after this many flows (0: no limit). */
  limit?: number;
}

/** What a name given to -s, -t or as an excluded type stands for. */
export interface NamedTypes {
  name: string;
  /** "type" (or an alias of one), "attribute" or "platform". */
  kind: "type" | "attribute" | "platform";
  types: number[];
}

export interface FlowAnswer {
  source: NamedTypes;
  target?: NamedTypes;
  mode: FlowMode;
  /** Each flow: its steps (one for flows out of a type; none for a path from a type to itself). */
  flows: { source: number; target: number; steps: FlowStep[] }[];
  /** Stopped at the -l limit. */
  limited: boolean;
}

/** Resolves a name: a type or alias (as seinfoflow), else an attribute or a platform's name. */
export function resolveTypes(g: FlowGraph, name: string, option: string): NamedTypes {
  const t = g.typeByName.get(name);
  if (t !== undefined) return { name, kind: "type", types: [t] };
  const a = g.attributeByName.get(name);
  if (a !== undefined) return { name, kind: "attribute", types: [...g.expand(a)] };
  const dom = g.attributeByName.get(`${name}_platform_domain`);
  if (dom !== undefined) {
    const dev = g.attributeByName.get(`${name}_devices`);
    const types = new Set([...g.expand(dom), ...(dev === undefined ? [] : g.expand(dev))]);
    return { name, kind: "platform", types: [...types].sort((x, y) => x - y) };
  }
  const platforms = [...g.attributeByName.keys()].filter((n) => n.endsWith("_platform_domain")).map((n) => n.slice(0, -"_platform_domain".length));
  throw unknownName("type, attribute or platform", name, [...g.typeByName.keys(), ...g.attributeByName.keys(), ...platforms], option);
}

/** Runs the question on the graph (the subgraph is built for it). */
export function runFlowQuery(g: FlowGraph, q: FlowQuery): FlowAnswer {
  if (!Number.isInteger(q.minWeight) || q.minWeight < 1 || q.minWeight > 10) throw new QueryError("the minimum weight must be an integer 1-10", "-w");
  if (q.booleans) {
    for (const b of Object.keys(q.booleans)) {
      if (!g.boolDefaults.has(b)) throw unknownName("boolean", b, g.boolDefaults.keys(), "-b");
    }
  }
  const exclude = (q.exclude ?? []).flatMap((n) => resolveTypes(g, n, "excluded type").types);
  const source = resolveTypes(g, q.source, "-s");
  const target = q.target === undefined ? undefined : resolveTypes(g, q.target, "-t");
  const sub = g.subgraph({ minWeight: q.minWeight, booleans: q.booleans, exclude });
  const byName = (x: number, y: number): number => byCodePoint(g.typeName[x]!, g.typeName[y]!);
  const sources = source.kind === "type" ? source.types : [...source.types].sort(byName);
  const targets = target === undefined ? [] : target.kind === "type" ? target.types : [...target.types].sort(byName);
  const single = source.kind === "type" && (target === undefined || target.kind === "type");
  const flows: FlowAnswer["flows"] = [];
  const limit = q.limit ?? 0;
  const full = (): boolean => limit > 0 && flows.length >= limit;
  outer: for (const s of sources) {
    if (q.mode.kind === "out") {
      for (const step of sub.flowsOut(s)) {
        flows.push({ source: s, target: step.target, steps: [step] });
        if (full()) break outer;
      }
      continue;
    }
    for (const t of targets) {
      // a set's member is no path to itself (seinfoflow's one flow of no steps is for -s X -t X)
      if (!single && s === t) continue;
      const paths = q.mode.kind === "shortest" ? sub.shortestPaths(s, t) : sub.allPaths(s, t, q.mode.maxSteps);
      for (const steps of paths) {
        flows.push({ source: s, target: t, steps });
        if (full()) break outer;
      }
    }
  }
  return { source, target, mode: q.mode, flows, limited: full() };
}

// ---- output

export interface RenderOptions {
  full?: boolean;
  /** Under each rule, its source rules (implies full). */
  origins?: FlowInput["origins"];
  stats?: boolean;
}

/** seinfoflow's text: `Flow N: a -> b` (flows out) or `Flow N:` and `  Step M: a -> b` (paths),
 *  --full's sorted rule lists indented by four, the count, --stats. */
export function renderFlowText(g: FlowGraph, a: FlowAnswer, o: RenderOptions = {}): string {
  const full = o.full === true || o.origins !== undefined;
  let out = "";
  const ruleLines = (rules: number[]): string => {
    let text = "";
    const sorted = rules.map((r) => g.rules[r]!).sort((x, y) => byCodePoint(x.text, y.text));
    for (const r of sorted) {
      text += `    ${r.text}\n`;
      if (o.origins) for (const origin of o.origins(g, r)) text += `        ${locationText(origin)}: ${origin.text}\n`;
    }
    return text;
  };
  const sets = a.source.kind !== "type" || (a.target !== undefined && a.target.kind !== "type");
  if (sets) {
    for (const n of [a.source, a.target]) {
      if (n && n.kind !== "type") out += `# ${n.kind} ${n.name}: ${n.types.map((t) => g.typeName[t]!).sort(byCodePoint).join(" ") || "(no types)"}\n`;
    }
  }
  a.flows.forEach((f, i) => {
    const n = i + 1;
    const last = a.limited && n === a.flows.length;
    if (a.mode.kind === "out") {
      const step = f.steps[0]!;
      out += `Flow ${n}: ${g.typeName[step.source]} -> ${g.typeName[step.target]}\n`;
      if (full) out += `${ruleLines(step.rules)}\n`;
      return;
    }
    out += `Flow ${n}:\n`;
    f.steps.forEach((step, j) => {
      out += `  Step ${j + 1}: ${g.typeName[step.source]} -> ${g.typeName[step.target]}\n`;
      if (full) out += `${ruleLines(step.rules)}\n`;
    });
    // seinfoflow breaks out at the limit before the flow's closing blank line
    if (!last) out += "\n";
  });
  out += `\n${a.flows.length} information flow(s) found.\n`;
  if (o.stats) {
    const s = g.stats();
    out += `\nGraph statistics:\nGraph nodes: ${s.nodes}\nGraph edges: ${s.edges}\n`;
  }
  return out;
}

export interface FlowJson {
  policy: string;
  map: string;
  source: { name: string; kind: string; types: string[] };
  target?: { name: string; kind: string; types: string[] };
  mode: "out" | "shortest" | "all";
  maxSteps?: number;
  minWeight: number;
  booleans: Record<string, boolean> | null;
  exclude: string[];
  flows: {
    source: string;
    target: string;
    steps: { source: string; target: string; weight: number; rules: { rule: string; read: number; write: number; origins?: RuleOrigin[] }[] }[];
  }[];
  count: number;
  limited: boolean;
  stats: { nodes: number; edges: number };
  /** Permissions of the policy the map does not map (no flow through them). */
  unmapped: string[];
}

export function flowJson(g: FlowGraph, a: FlowAnswer, q: FlowQuery, ctx: { policy: string; map: PermMap; origins?: FlowInput["origins"] }): FlowJson {
  const named = (n: NamedTypes) => ({ name: n.name, kind: n.kind, types: n.types.map((t) => g.typeName[t]!) });
  return {
    policy: ctx.policy,
    map: ctx.map.file,
    source: named(a.source),
    ...(a.target ? { target: named(a.target) } : {}),
    mode: a.mode.kind,
    ...(a.mode.kind === "all" ? { maxSteps: a.mode.maxSteps } : {}),
    minWeight: q.minWeight,
    booleans: q.booleans ? { ...q.booleans } : null,
    exclude: [...(q.exclude ?? [])],
    flows: a.flows.map((f) => ({
      source: g.typeName[f.source]!,
      target: g.typeName[f.target]!,
      steps: f.steps.map((s) => ({
        source: g.typeName[s.source]!,
        target: g.typeName[s.target]!,
        weight: s.weight,
        rules: s.rules
          .map((r) => g.rules[r]!)
          .sort((x, y) => byCodePoint(x.text, y.text))
          .map((r) => ({ rule: r.text, read: r.read, write: r.write, ...(ctx.origins ? { origins: ctx.origins(g, r) } : {}) })),
      })),
    })),
    count: a.flows.length,
    limited: a.limited,
    stats: g.stats(),
    unmapped: unmappedPerms(g, ctx.map),
  };
}

/** The policy's class:perm pairs the map leaves unmapped. */
export function unmappedPerms(g: FlowGraph, map: PermMap): string[] {
  return mapCoverage(map, g.classPerms()).unmapped;
}
