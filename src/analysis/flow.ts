// Information flow analysis as setools 4.4.1 does it (infoflow.py InfoFlowAnalysis, seinfoflow),
// over the kernel policy a binary holds (src/binary's KernelPolicy: what checkpolicy -t Xen writes,
// or a binary read back), so that every list comes out in the order seinfoflow prints it.
//
// The graph (InfoFlowAnalysis._build_graph): nodes are types; for each allow rule, in the order
// setools' policyrep yields them (the unconditional avtab in the hash order libsepol's reader gives
// it, then each conditional's true list and false list), its read and write weights are the
// largest weights of its permissions mapped r or b, and w or b (permmap.py rule_weight); for each
// (s, t) of source x target with attributes expanded to their types (ascending value) and s != t,
// a write weight adds the edge s -> t and a read weight the edge t -> s, the rule appended to the
// edge's rule list (so a rule that gives both directions between two types of one attribute is
// listed twice on each edge) and the edge's weight the largest it has been given.
//
// The subgraph (_build_subgraph): excluded types removed; then edges under the minimum weight;
// then, with booleans given, each edge's disabled rules removed, but each rule only once however
// often it is listed, and the edge dropped if no rule is left. Edge weights are not recomputed, so
// an edge kept at -w 3 by a disabled rule of weight 10 stays with enabled rules of weight 1.
//
// The questions: flows out of a type (its out-edges, in insertion order), all shortest paths
// (networkx 2.8.8 predecessor BFS and _build_paths_from_predecessors), all simple paths up to N
// steps (_all_simple_paths_graph). A type that is not a node (no flow, or excluded) has no flows;
// a shortest path from a type to itself is one flow of no steps, an all-paths one none.
import { avtabAllocMask, avtabHash } from "../policy/hashtab.js";
import { AVTAB_ALLOWED, COND_OP_OF_EXPR_TYPE, CondExprType, TYPE_ATTRIBUTE, TYPE_PRIMARY, type AvEntry, type KernelPolicy } from "../binary/model.js";
import { evalCond } from "../policy/cond.js";
import { byCodePoint } from "../policy/matrix.js";
import { condTextOf } from "./condtext.js";
import { mappingOf, type PermMap } from "./permmap.js";

/** One allow rule as setools lists it (an avtab entry; attributes kept as keys). */
export interface FlowRule {
  /** Type values (1-based) of the key: a type or an attribute. */
  source: number;
  target: number;
  tclass: number;
  /** Permission names, sorted. */
  readonly perms: string[];
  /** The conditional node (index in the binary's list) and branch, if conditional. */
  cond?: { node: number; branch: boolean };
  /** setools' statement(): `allow s t:c { p q }; [ expr ]:True`. */
  readonly text: string;
  read: number;
  write: number;
}

export interface FlowEdge {
  weight: number;
  /** Rule indices, in the order they were appended (duplicates kept, as setools keeps them). */
  rules: number[];
}

export interface FlowStep {
  source: number;
  target: number;
  weight: number;
  rules: number[];
}

export interface FlowOptions {
  /** seinfoflow -w: 1-10 (default 3 in seinfoflow, 1 in InfoFlowAnalysis). */
  minWeight: number;
  /** Type values to leave out. */
  exclude?: readonly number[];
  /** seinfoflow -b: undefined keeps every rule (both branches); an object (maybe empty: -b
   *  default) keeps the rules enabled with these values, the others at their defaults. */
  booleans?: Readonly<Record<string, boolean>>;
}

/** The types, rules and flow graph of one policy under one permission map. */
export class FlowGraph {
  readonly kernel: KernelPolicy;
  /** Type value -> name (types and attributes); aliases are not here. */
  readonly typeName: string[] = [];
  readonly isAttribute: boolean[] = [];
  /** Attribute value -> its types' values, ascending. */
  readonly members = new Map<number, number[]>();
  /** Name or alias -> type value (attributes not included). */
  readonly typeByName = new Map<string, number>();
  readonly attributeByName = new Map<string, number>();
  readonly boolDefaults = new Map<string, boolean>();
  readonly rules: FlowRule[] = [];
  /** The full graph: node -> successor -> edge, each map in insertion order. */
  readonly succ = new Map<number, Map<number, FlowEdge>>();
  /** Nodes, in the order they entered the graph. */
  readonly nodes = new Set<number>();
  private edgeCount = 0;
  private readonly condExprs: { program: Int32Array; text: string }[] = [];
  /** Class value -> name, and -> permission names by bit (its own and its common's). */
  private readonly classNames: string[] = [];
  private readonly permNames: string[][] = [];
  private readonly boolNames: string[] = [];

  constructor(kernel: KernelPolicy, map: PermMap) {
    this.kernel = kernel;
    for (const t of kernel.types.entries) {
      if (t.properties & TYPE_PRIMARY) {
        this.typeName[t.value] = t.name;
        const attr = (t.properties & TYPE_ATTRIBUTE) !== 0;
        this.isAttribute[t.value] = attr;
        if (attr) this.attributeByName.set(t.name, t.value);
        else this.typeByName.set(t.name, t.value);
      }
    }
    for (const t of kernel.types.entries) if (!(t.properties & TYPE_PRIMARY) && !this.typeByName.has(t.name)) this.typeByName.set(t.name, t.value);
    // libsepol policydb_read: attr_type_map inverts type_attr_map (a type's own bit left out)
    kernel.typeAttrMap.forEach((bits, i) => {
      if (this.isAttribute[i + 1]) return;
      for (const j of bits) {
        if (j === i || !this.isAttribute[j + 1]) continue;
        let list = this.members.get(j + 1);
        if (!list) this.members.set(j + 1, (list = []));
        list.push(i + 1);
      }
    });
    const boolNames = this.boolNames;
    for (const b of kernel.bools.entries) {
      boolNames[b.value - 1] = b.name;
      this.boolDefaults.set(b.name, b.state !== 0);
    }
    for (const node of kernel.conds) {
      const program = Int32Array.from(node.expr, (e) => (e.type === CondExprType.Bool ? e.bool - 1 : COND_OP_OF_EXPR_TYPE[e.type]!));
      this.condExprs.push({ program, text: condTextOf(program, (b) => boolNames[b]!) });
    }

    const commons = new Map(kernel.commons.entries.map((c) => [c.name, c]));
    const { classNames, permNames } = this;
    for (const c of kernel.classes.entries) {
      classNames[c.value] = c.name;
      const names: string[] = [];
      for (const p of commons.get(c.common)?.perms ?? []) names[p.value - 1] = p.name;
      for (const p of c.perms) names[p.value - 1] = p.name;
      permNames[c.value] = names;
    }

    // a class's read and write weight per permission bit (permmap.py rule_weight reads the map
    // per permission name; the names are fixed per bit, so the weights are too)
    const readW: Uint8Array[] = [];
    const writeW: Uint8Array[] = [];
    permNames.forEach((names, c) => {
      const r = new Uint8Array(32);
      const w = new Uint8Array(32);
      names.forEach((p, bit) => {
        const m = mappingOf(map, classNames[c]!, p);
        if (m && (m.direction === "r" || m.direction === "b")) r[bit] = m.weight;
        if (m && (m.direction === "w" || m.direction === "b")) w[bit] = m.weight;
      });
      readW[c] = r;
      writeW[c] = w;
    });
    const add = (e: AvEntry, cond: FlowRule["cond"]): void => {
      if (!(e.specified & AVTAB_ALLOWED)) return;
      const r = readW[e.tclass];
      const w = writeW[e.tclass];
      let read = 0;
      let write = 0;
      if (r && w) {
        for (let m = e.data >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) {
          const bit = 31 - Math.clz32(m & -m);
          if (r[bit]! > read) read = r[bit]!;
          if (w[bit]! > write) write = w[bit]!;
        }
      }
      // a rule that moves nothing is on no edge: nothing asks for it
      if (read === 0 && write === 0) return;
      this.rules.push(new KernelRule(this, e, cond, read, write));
    };
    // avtab_read re-buckets the entries for avtab_alloc(nel); a chain is sorted by (source,
    // target, class, specified) (avtab_insert); policyrep walks bucket by bucket
    const mask = avtabAllocMask(kernel.avtab.length);
    const keyed = kernel.avtab.map((e, i) => ({ e, i, b: avtabHash(e.source, e.target, e.tclass, mask) }));
    keyed.sort((x, y) => x.b - y.b || x.e.source - y.e.source || x.e.target - y.e.target || x.e.tclass - y.e.tclass || x.e.specified - y.e.specified || x.i - y.i);
    for (const k of keyed) add(k.e, undefined);
    kernel.conds.forEach((node, i) => {
      for (const e of node.trueList) add(e, { node: i, branch: true });
      for (const e of node.falseList) add(e, { node: i, branch: false });
    });

    // edges are found by (s, t) in a matrix of edge ids (a map past 2048 types), and kept in
    // creation order, which is each node's successor order in networkx
    const stride = Math.max(1, this.typeName.length);
    const matrix = stride <= 2048 ? new Int32Array(stride * stride) : undefined;
    const ids = matrix ? undefined : new Map<number, number>();
    const edges: { s: number; t: number; e: FlowEdge }[] = [];
    const addEdge = (s: number, t: number, rule: number, weight: number): void => {
      const key = s * stride + t;
      let id = matrix ? matrix[key]! - 1 : (ids!.get(key) ?? -1);
      if (id < 0) {
        id = edges.length;
        edges.push({ s, t, e: { weight: 0, rules: [] } });
        if (matrix) matrix[key] = id + 1;
        else ids!.set(key, id);
      }
      const e = edges[id]!.e;
      e.rules.push(rule);
      if (weight > e.weight) e.weight = weight;
    };
    this.rules.forEach((r, ri) => {
      const ss = this.expand(r.source);
      const ts = this.expand(r.target);
      for (const s of ss) {
        for (const t of ts) {
          if (s === t) continue;
          if (r.write) addEdge(s, t, ri, r.write);
          if (r.read) addEdge(t, s, ri, r.read);
        }
      }
    });
    for (const { s, t, e } of edges) {
      let out = this.succ.get(s);
      if (!out) this.succ.set(s, (out = new Map()));
      out.set(t, e);
      this.nodes.add(s);
      this.nodes.add(t);
    }
    this.edgeCount = edges.length;
  }

  /** setools' expand(): a type is itself, an attribute its types. */
  expand(value: number): readonly number[] {
    return this.isAttribute[value] ? (this.members.get(value) ?? []) : [value];
  }

  /** seinfoflow --stats: the full graph's size (before exclusions, weights and booleans). */
  stats(): { nodes: number; edges: number } {
    return { nodes: this.nodes.size, edges: this.edgeCount };
  }

  /** Each boolean's value (by id) under these values, the others at their defaults. */
  boolState(booleans: Readonly<Record<string, boolean>>): Uint8Array {
    return Uint8Array.from(this.boolNames, (name) =>
      (Object.prototype.hasOwnProperty.call(booleans, name) ? booleans[name]! : this.boolDefaults.get(name)!) ? 1 : 0,
    );
  }

  /** Is the rule enabled under these boolean values (boolState)? */
  enabled(rule: FlowRule, state: Uint8Array): boolean {
    return !rule.cond || evalCond(this.condExprs[rule.cond.node]!.program, state) === rule.cond.branch;
  }

  /** The permission names of a class's access vector, sorted. */
  permsOf(tclass: number, data: number): string[] {
    const names = this.permNames[tclass] ?? [];
    const perms: string[] = [];
    for (let bit = 0; bit < names.length; bit++) if (names[bit] !== undefined && (data >>> bit) & 1) perms.push(names[bit]!);
    return perms.sort(byCodePoint);
  }

  /** setools' AVRule.statement() (policyrep/terule.pxi). */
  statement(rule: FlowRule): string {
    const perms = rule.perms;
    let text = `allow ${this.typeName[rule.source]} ${this.typeName[rule.target]}:${this.classNames[rule.tclass]} ${perms.length > 1 ? `{ ${perms.join(" ")} }` : perms[0]};`;
    if (rule.cond) text += ` [ ${this.condExprs[rule.cond.node]!.text} ]:${rule.cond.branch ? "True" : "False"}`;
    return text;
  }

  /** A boolean's name by value - 1 (the ids of a conditional's program). */
  boolName(id: number): string {
    return this.boolNames[id]!;
  }

  className(value: number): string {
    return this.classNames[value]!;
  }

  /** A conditional's postfix program (boolean ids value - 1, operators as CondOp). */
  condProgram(node: number): Int32Array {
    return this.condExprs[node]!.program;
  }

  /** Every class with its permissions (the map's coverage is measured against these). */
  classPerms(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const c of [...this.kernel.classes.entries].sort((a, b) => a.value - b.value)) out.set(c.name, (this.permNames[c.value] ?? []).filter((p) => p !== undefined));
    return out;
  }

  /** The subgraph one analysis runs on. */
  subgraph(options: FlowOptions): FlowSubgraph {
    return new FlowSubgraph(this, options);
  }
}

/** A rule's names and text are made when asked for (a large policy has 10^5 rules, few printed). */
class KernelRule implements FlowRule {
  readonly source: number;
  readonly target: number;
  readonly tclass: number;
  private readonly data: number;
  private names?: string[];
  private line?: string;
  constructor(
    private readonly graph: FlowGraph,
    e: AvEntry,
    readonly cond: FlowRule["cond"],
    readonly read: number,
    readonly write: number,
  ) {
    this.source = e.source;
    this.target = e.target;
    this.tclass = e.tclass;
    this.data = e.data;
  }
  get perms(): string[] {
    return (this.names ??= this.graph.permsOf(this.tclass, this.data));
  }
  get text(): string {
    return (this.line ??= this.graph.statement(this));
  }
}

export class FlowSubgraph {
  readonly graph: FlowGraph;
  readonly succ = new Map<number, Map<number, FlowEdge>>();
  private readonly excluded: ReadonlySet<number>;

  constructor(graph: FlowGraph, options: FlowOptions) {
    this.graph = graph;
    this.excluded = new Set(options.exclude ?? []);
    const state = options.booleans && graph.boolState(options.booleans);
    for (const [u, out] of graph.succ) {
      if (this.excluded.has(u)) continue;
      const kept = new Map<number, FlowEdge>();
      for (const [v, e] of out) {
        if (this.excluded.has(v) || e.weight < options.minWeight) continue;
        let rules = e.rules;
        if (state) {
          rules = [...e.rules];
          const deleted = new Set<number>();
          for (const r of e.rules) {
            if (deleted.has(r) || graph.enabled(graph.rules[r]!, state)) continue;
            // list.remove: the first occurrence only
            rules.splice(rules.indexOf(r), 1);
            deleted.add(r);
          }
          if (rules.length === 0) continue;
        }
        kept.set(v, { weight: e.weight, rules });
      }
      this.succ.set(u, kept);
    }
  }

  /** Is the type a node of this subgraph (networkx: in G, not excluded)? */
  has(node: number): boolean {
    return this.graph.nodes.has(node) && !this.excluded.has(node);
  }

  private out(node: number): Map<number, FlowEdge> {
    return this.succ.get(node) ?? EMPTY;
  }

  private step(s: number, t: number): FlowStep {
    const e = this.succ.get(s)!.get(t)!;
    return { source: s, target: t, weight: e.weight, rules: e.rules };
  }

  /** InfoFlowAnalysis.infoflows(type, out=True): the flows out of a type. */
  flowsOut(source: number): FlowStep[] {
    if (!this.has(source)) return [];
    return [...this.out(source).keys()].map((t) => this.step(source, t));
  }

  /** all_shortest_paths: networkx's BFS predecessors, then paths built back from the target. */
  *shortestPaths(source: number, target: number): Generator<FlowStep[]> {
    if (!this.has(source)) return;
    const pred = new Map<number, number[]>([[source, []]]);
    const seen = new Map<number, number>([[source, 0]]);
    let level = 0;
    let next = [source];
    while (next.length > 0) {
      level++;
      const thisLevel = next;
      next = [];
      for (const v of thisLevel) {
        for (const w of this.out(v).keys()) {
          const at = seen.get(w);
          if (at === undefined) {
            pred.set(w, [v]);
            seen.set(w, level);
            next.push(w);
          } else if (at === level) pred.get(w)!.push(v);
        }
      }
    }
    if (!pred.has(target)) return;
    // _build_paths_from_predecessors: a DFS from the target through the predecessor lists
    const stack: [number, number][] = [[target, 0]];
    const onPath = new Set([target]);
    let top = 0;
    while (top >= 0) {
      const [node, i] = stack[top]!;
      if (node === source) yield this.pathSteps(stack.slice(0, top + 1).map((x) => x[0]).reverse());
      const preds = pred.get(node)!;
      if (preds.length > i) {
        stack[top]![1] = i + 1;
        const nxt = preds[i]!;
        if (onPath.has(nxt)) continue;
        onPath.add(nxt);
        top++;
        if (top === stack.length) stack.push([nxt, 0]);
        else stack[top] = [nxt, 0];
      } else {
        onPath.delete(node);
        top--;
      }
    }
  }

  /** all_simple_paths(G, s, t, cutoff): networkx 2.8.8's DFS, paths of at most `cutoff` steps. */
  *allPaths(source: number, target: number, cutoff: number): Generator<FlowStep[]> {
    if (!this.has(source) || !this.has(target) || source === target || cutoff < 1) return;
    const visited: number[] = [source];
    const onPath = new Set([source]);
    const stack: Iterator<number>[] = [this.out(source).keys()];
    while (stack.length > 0) {
      const children = stack[stack.length - 1]!;
      const r = children.next();
      if (r.done) {
        stack.pop();
        onPath.delete(visited.pop()!);
        continue;
      }
      const child = r.value;
      if (visited.length < cutoff) {
        if (onPath.has(child)) continue;
        if (child === target) {
          yield this.pathSteps([...visited, child]);
          continue; // the target is not gone through
        }
        visited.push(child);
        onPath.add(child);
        stack.push(this.out(child).keys());
      } else {
        // the last step: the target among this node's successors (this child or the rest)
        let found = child === target;
        if (!found) for (let c = children.next(); !c.done; c = children.next()) if (c.value === target) found = true;
        if (found) yield this.pathSteps([...visited, target]);
        stack.pop();
        onPath.delete(visited.pop()!);
      }
    }
  }

  private pathSteps(path: number[]): FlowStep[] {
    const steps: FlowStep[] = [];
    for (let i = 1; i < path.length; i++) steps.push(this.step(path[i - 1]!, path[i]!));
    return steps;
  }
}

const EMPTY = new Map<number, FlowEdge>();

