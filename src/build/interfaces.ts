// Which of a tree's m4 interfaces would grant an access the policy denies: what audit2allow -R
// does with refpolicy's interfaces, for a Xen tree's modules/*.if (`use_device_iommu(dom0_t,
// device_t)` rather than the raw allow rule it expands to). Each interface is expanded once with
// placeholder arguments, to read where its rules put each parameter, as sepolgen gives a
// parameter the role its rules give it: the denial's source and target go where a rule of the
// denied class and permissions has them (`allow $1 $3:event create` binds $1 and $3; `allow $1
// $2_channel:event create` binds $2 to what the target's name is made of), and a parameter left
// gets a type the policy relates to them (pickFree), scored on the placeholder expansion: only the
// picked calls are expanded. The calls are expanded by one m4 run over the tree's definitions, as
// Makefile.common hands them to m4, and each expansion is read once; a call whose expansion,
// added to the policy where its modules' rules stand, makes the compiled policy allow every
// denied permission is a match. An interface that declares types (device_model: `type
// $2_target`) is a candidate as any other, as sepolgen reads it (its allow rules): its call is
// offered when it compiles, declaring no type the policy has, and the types it declares are said.
// Interfaces of a variable number of arguments (declare_domain) are not candidates.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { excludeNames, includeNames } from "../policy/nodes.js";
import { compile } from "../policy/index.js";
import type { NameSet } from "../policy/ast.js";
import { parsePolicy } from "../policy/parse.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { ChosenArgument, InterfaceAnswer, InterfaceGrant, UndecidedCall } from "../policy/interface-grants.js";
import type { ExpandedTree } from "./expand.js";
import { runM4 } from "./m4.js";
import type { MacroDef } from "./macros.js";
import { proposeTogether } from "./proposal.js";

export type { ChosenArgument, InterfaceAnswer, InterfaceGrant, UndecidedCall };

export interface AccessQuery {
  source: string;
  target: string;
  tclass: string;
  perms: readonly string[];
}

/** One source, target and class a call's rules grant, with their permissions merged. */
export interface CallAccess {
  source: string;
  target: string;
  tclass: string;
  perms: string[];
}

export interface GrantOptions {
  /** The tree's policy is MLS (its calls are compiled as such). */
  mls?: boolean;
  /** The policy `expanded.conf` compiles to, when the caller holds it already (xsm allow's
   *  analysis): the denials it allows are asked nothing. Without it, the conf is compiled here. */
  policy?: CompiledPolicy;
  /** An interface's parameter names, as its comment gives them (src/lsp/signature.ts); default
   *  $1, $2, $3. */
  parameters?: (def: MacroDef) => readonly string[] | undefined;
  /** How far a call's access is from the denial, as audit2allow -R measures it (sepolgen's
   *  AccessMatcher: src/analysis/interface-match.ts), the call's arguments standing for its
   *  parameters: the calls are ranked by it, nearest first. */
  distance?: (want: AccessQuery, access: readonly CallAccess[], args: ReadonlySet<string>) => number;
  /** Counters the call adds its work to (tests pin how much it does). */
  work?: InterfaceWork;
}

/** What one grantingInterfaces call did, counted (GrantOptions.work): the m4 runs, the calls they
 *  expanded, and the expansions parsed. */
export interface InterfaceWork {
  m4Runs: number;
  expansions: number;
  parses: number;
  /** Bindings of the denial's types whose call would name a name of the wrong kind: never
   *  scored, expanded or compiled. */
  rejected: number;
}

/** At most this many types are tried for the parameter a denial does not name, when the policy
 *  relates that many equally (else the call is not offered, only said: the denial does not
 *  determine it). */
export const FREE_ARGUMENT_LIMIT = 8;

/** How many of the types that tie for an open parameter an undecided call names. */
const TIE_EXAMPLES = 3;

/** The tree's interfaces that grant each query, nearest first: by options.distance when given
 *  (those >= 0, that cover the denial with one access vector as audit2allow -R offers them, then
 *  the rest by magnitude), then fewest permissions named, fewest allow rules, the shorter call;
 *  and the three-parameter interfaces that would grant it with any of too many types for their
 *  open parameter. A query no interface grants, or one the policy already allows (or a conf that
 *  does not compile), has empty lists. The queries are the rules of one module, in its order: the
 *  calls proposed for them must stand together (src/build/proposal.ts), so a query the calls
 *  proposed above grant says so, and a call declaring what one of them declares is marked. */
export function grantingInterfaces(expanded: ExpandedTree, queries: readonly AccessQuery[], options: GrantOptions = {}): InterfaceAnswer[] {
  const base = options.policy ?? basePolicy(expanded.conf, options.mls);
  if (base === undefined) return queries.map(() => ({ grants: [], undecided: [] }));
  const work = options.work ?? { m4Runs: 0, expansions: 0, parses: 0, rejected: 0 };
  const parse = (text: string) => {
    work.parses++;
    return parseExpansion(text, base);
  };
  const candidates = [...expanded.macros.values()].filter(isCandidate);
  const declared = declaredNames(base);
  const { shapes, defines } = placeholderExpansions(expanded, candidates, [...declared.types, ...declared.attributes], parse, work);
  // (every call "grants" what the policy allows already)
  const open = queries.map((q) => !q.perms.every((p) => base.allows(q.source, q.target, q.tclass, p) === true));
  // what each query asks of each interface: its calls with the denial's types where the
  // interface's rules put them, and the types picked for a parameter left (from the placeholder
  // expansion: nothing is expanded per type)
  const planned = queries.map((q, i) =>
    !open[i]
      ? []
      : candidates.map((def): Planned[] => {
          const shape = shapes.get(def.name);
          if (shape === undefined || !fitsQuery(shape.text, q)) return [];
          return bindings(shape.parsed.rules, q, arity(def), defines).flatMap((b): Planned[] => {
            // (a binding whose call would not compile, a name of the wrong kind where the
            // interface's statements need a type, an attribute or a new name, is no candidate)
            const fit = (args: readonly string[]) => kindsFit(shape.parsed, declared, (n) => substitute(n, args, defines));
            if (b.free === undefined) {
              if (fit(b.args(""))) return [{ args: b.args("") }];
              work.rejected++;
              return [];
            }
            const f = b.free;
            // (the kind its statements need: an attribute (`typeattribute T $3`), else a type)
            const pool = shape.parsed.uses.some((u) => u.name === PLACEHOLDER + (f + 1) && u.need === "attribute") ? declared.attributes : declared.types;
            const fits = pool.flatMap((x) => {
              const args = b.args(x);
              return fit(args) ? [{ argument: x, access: mergeAccess(b.freeRules, args, PLACEHOLDER + (f + 1), defines) }] : [];
            });
            const choice = pickFree(b, fits, base, pool === declared.types ? "types" : "attributes");
            // (too many tie: one of them, expanded, says whether the interface grants at all)
            if (choice.tied !== undefined) return [{ args: b.args(choice.tied.types[0]!), tied: { free: f, binding: b, ...choice.tied } }];
            return choice.picks.map((p) => ({ args: b.args(p.argument), free: { free: f, argument: p.argument, reason: p.reason } }));
          });
        }),
  );
  // every call once, whatever queries ask it, in one m4 run
  const calls = new Map<string, { def: MacroDef; index: number; args: ReadonlySet<string> }>();
  const callOf = (def: MacroDef, args: readonly string[]) => {
    const call = `${def.name}(${args.join(", ")})`;
    if (!calls.has(call)) calls.set(call, { def, index: calls.size, args: new Set(args) });
    return call;
  };
  planned.forEach((perDef) => perDef.forEach((tries, c) => tries.forEach((t) => callOf(candidates[c]!, t.args))));
  const segments = expandCalls(expanded, [...calls.keys()], work);
  const parsed = new Map<string, ParsedExpansion>();
  const parsedOf = (call: string, text: string) => {
    let p = parsed.get(call);
    if (p === undefined) parsed.set(call, (p = parse(text)));
    return p;
  };
  const splice = spliceAt(expanded.conf);
  const verdicts = new Map<string, boolean>();
  const allowsWith = (texts: readonly string[], q: AccessQuery) => {
    const run = compile(`${expanded.conf.slice(0, splice)}${texts.join("\n")}\n${expanded.conf.slice(splice)}`, { file: "policy.conf", mls: options.mls });
    return run.ok && q.perms.every((p) => run.value.policy.allows(q.source, q.target, q.tclass, p) === true);
  };
  const distanceOf = (q: AccessQuery, call: string, p: ParsedExpansion) => (options.distance ? { distance: options.distance(q, mergeAccess(p.rules), calls.get(call)!.args) } : {});
  const grants = (q: AccessQuery, call: string, text: string) => {
    const key = `${call}\0${q.source}\0${q.target}\0${q.tclass}\0${q.perms.join(" ")}`;
    let granted = verdicts.get(key);
    if (granted === undefined) {
      granted = allowsWith([text], q);
      verdicts.set(key, granted);
    }
    return granted;
  };
  const answers = queries.map((q, i): InterfaceAnswer => {
    const found: InterfaceGrant[] = [];
    const undecided: UndecidedCall[] = [];
    candidates.forEach((def, c) => {
      // (two bindings whose calls expand to the same rules, domain_comms(a, b) and (b, a): one)
      const offered = new Set<string>();
      for (const t of planned[i]![c] ?? []) {
        const call = callOf(def, t.args);
        const text = segments[calls.get(call)!.index];
        if (text === undefined || !fitsQuery(text, q)) continue;
        const same = text.split("\n").map((l) => l.trim()).filter(Boolean).sort().join("\n");
        if (offered.has(same)) continue;
        const p = parsedOf(call, text);
        // (the call expands as its placeholder expansion said; a tree whose m4 tells the types
        // apart otherwise still offers no call that names a name of the wrong kind)
        if (!kindsFit(p, declared)) continue;
        if (!grants(q, call, text)) continue;
        if (t.tied !== undefined) {
          const parameter = options.parameters?.(def)?.[t.tied.free] ?? `$${t.tied.free + 1}`;
          const open = /^\$/.test(parameter) ? parameter : parameter.toUpperCase();
          offered.add(same);
          const examples = t.tied.types.slice(0, TIE_EXAMPLES);
          undecided.push({ call: `${def.name}(${t.tied.binding.args(open).join(", ")})`, name: def.name, file: def.file, parameter, types: t.tied.types.length, examples, reason: t.tied.basis, ...distanceOf(q, call, p), ...(p.declares.length > 0 ? { declares: [...p.declares] } : {}) });
          continue;
        }
        const distance = distanceOf(q, call, p);
        const grant: InterfaceGrant = { call, name: def.name, file: def.file, ...size(text), ...distance, ...(p.declares.length > 0 ? { declares: [...p.declares] } : {}) };
        if (t.free !== undefined) {
          const parameter = options.parameters?.(def)?.[t.free.free] ?? `$${t.free.free + 1}`;
          grant.chosen = { parameter, argument: t.free.argument, reason: t.free.reason };
        }
        offered.add(same);
        found.push(grant);
      }
    });
    undecided.sort((a, b) => byDistance(a, b) || (a.call < b.call ? -1 : 1));
    found.sort((a, b) => byDistance(a, b) || a.perms - b.perms || a.rules - b.rules || a.call.length - b.call.length || (a.call < b.call ? -1 : 1));
    return { grants: found, undecided };
  });
  return proposeTogether(queries, answers, { text: (call) => segments[calls.get(call)!.index]!, allows: allowsWith });
}

/** A call a query asks of an interface: its arguments, and for a parameter the denial leaves
 *  open (0-based) the type picked for it, with why; or, when too many types tie for it, the first
 *  of them standing for all. */
interface Planned {
  args: readonly string[];
  free?: { free: number; argument: string; reason: string };
  tied?: { free: number; binding: Binding } & Tie;
}

/** The types that tie for a free parameter, more than FREE_ARGUMENT_LIMIT, and what they share. */
interface Tie {
  types: readonly string[];
  basis: string;
}

/** An expansion's rules can grant the query: it has an allow rule and names the denied class. */
function fitsQuery(text: string, q: AccessQuery): boolean {
  return /^\s*allow\s/m.test(text) && new RegExp(`\\b${q.tclass}\\b`).test(text);
}

/** The call's names are of the kinds its statements need (else it would not compile): each name
 *  a rule's source or target the policy or the call declares as a type or an attribute, a type
 *  where a type is needed (a type rule's result, typeattribute's and typealias's subject), an
 *  attribute where one is (a type's attributes), a class where a rule's class stands, and each
 *  name the call declares new, once. `name` writes a placeholder expansion's names as a call does. */
function kindsFit(p: ParsedExpansion, declared: Declared, name: (n: string) => string = (n) => n): boolean {
  const own = new Map(p.declared.map((d) => [name(d.name), d.kind]));
  if (own.size < p.declared.length) return false;
  for (const n of own.keys()) if (declared.kind(n) !== undefined) return false;
  return p.uses.every((u) => {
    const n = name(u.name);
    const kind = own.get(n) ?? declared.kind(n);
    if (u.need === "class") return declared.isClass(n);
    if (u.need === "name") return kind !== undefined || n === "self";
    return kind === u.need;
  });
}

/** audit2allow -R offers the calls whose distance is >= 0, nearest first; a call that grants the
 *  denial otherwise (through an attribute, or permissions split over two of its rules) comes after
 *  them, nearest first as well. */
function byDistance(a: { distance?: number }, b: { distance?: number }): number {
  if (a.distance === undefined || b.distance === undefined) return 0;
  return Number(a.distance < 0) - Number(b.distance < 0) || Math.abs(a.distance) - Math.abs(b.distance);
}

function basePolicy(conf: string, mls: boolean | undefined): CompiledPolicy | undefined {
  const run = compile(conf, { file: "policy.conf", mls });
  return run.ok ? run.value.policy : undefined;
}

/** The policy's types and attributes (primary names, in id order), what kind a name is (a type
 *  or alias, an attribute, or nothing), and whether it is a class. */
interface Declared {
  types: readonly string[];
  attributes: readonly string[];
  kind(name: string): "type" | "attribute" | undefined;
  isClass(name: string): boolean;
}

function declaredNames(policy: CompiledPolicy): Declared {
  const types: string[] = [];
  const attributes = new Set<string>();
  for (let id = 0; id < policy.stats.types + policy.stats.attributes; id++) {
    const name = policy.typeName(id);
    if (policy.typeId(name) === id) types.push(name);
    else attributes.add(name);
  }
  return {
    types,
    attributes: [...attributes],
    kind: (n) => (policy.typeId(n) >= 0 ? "type" : attributes.has(n) ? "attribute" : undefined),
    isClass: (n) => policy.classId(n) >= 0,
  };
}

/** An allow rule of an expansion, its sets read (exclusions dropped) and its permissions listed
 *  (`*` and `~{...}` against the class's own). */
interface AllowRule {
  sources: readonly string[];
  targets: readonly string[];
  classes: readonly string[];
  perms: (tclass: string) => readonly string[];
}

/** Where a statement names a name, what it must be: a type or an attribute (`name`: a rule's
 *  source or target), a type, an attribute, or a class. */
type Need = "name" | "type" | "attribute" | "class";

/** An expansion read once: its allow rules, each name its statements use and the kind each use
 *  needs (what the policy must declare for the call to compile), and the types, aliases and
 *  attributes it declares (`declares` their names, in order). */
interface ParsedExpansion {
  rules: AllowRule[];
  uses: readonly { name: string; need: Need }[];
  declared: readonly { name: string; kind: "type" | "attribute" }[];
  declares: readonly string[];
}

function parseExpansion(text: string, policy: CompiledPolicy): ParsedExpansion {
  const { ast } = parsePolicy(text, "interface", { sections: false });
  const rules: AllowRule[] = [];
  const uses: { name: string; need: Need }[] = [];
  const declared: { name: string; kind: "type" | "attribute" }[] = [];
  const use = (need: Need, ...names: string[]) => uses.push(...names.map((name) => ({ name, need })));
  const named = (set: NameSet) => [...includeNames(set), ...excludeNames(set)];
  for (const st of ast.statements) {
    if (st.kind === "type") {
      declared.push(...[st.name, ...st.aliases].map((a) => ({ name: a.name, kind: "type" as const })));
      use("attribute", ...st.attributes.map((a) => a.name));
    } else if (st.kind === "attribute") declared.push({ name: st.name.name, kind: "attribute" });
    else if (st.kind === "typealias") {
      use("type", st.type.name);
      declared.push(...st.aliases.map((a) => ({ name: a.name, kind: "type" as const })));
    } else if (st.kind === "typeattribute") {
      use("type", st.type.name);
      use("attribute", ...st.attributes.map((a) => a.name));
    } else if (st.kind === "typerule") {
      use("name", ...named(st.sources), ...named(st.targets));
      use("class", ...named(st.classes));
      use("type", st.defaultType.name);
    }
    if (st.kind !== "avrule") continue;
    use("name", ...named(st.sources), ...named(st.targets));
    use("class", ...named(st.classes));
    if (st.rule !== "allow") continue;
    const read = (set: typeof st.sources) => {
      const out = new Set(includeNames(set));
      for (const x of excludeNames(set)) out.delete(x);
      return [...out];
    };
    const listed = read(st.perms);
    const { star, complement } = st.perms;
    rules.push({
      sources: read(st.sources),
      targets: read(st.targets),
      classes: read(st.classes),
      perms: (tclass) => {
        if (!star && !complement) return listed;
        const id = policy.classId(tclass);
        const all = id < 0 ? [] : policy.permNames(id, 0xffffffff);
        return star ? all : all.filter((p) => !listed.includes(p));
      },
    });
  }
  return { rules, uses, declared, declares: declared.map((d) => d.name) };
}

/** The access a call's expansion grants, merged per source, target and class (sepolgen's
 *  AccessVectorSet; `self` kept as written). */
export function callAccess(text: string, policy: CompiledPolicy): CallAccess[] {
  return mergeAccess(parseExpansion(text, policy).rules);
}

/** The access of allow rules merged per source, target and class; with `args`, of placeholder
 *  rules as the call of those arguments expands (a placeholder's name, and the names derived from
 *  it such as `$3_channel`, take its argument); with `only`, of their source and target pairs
 *  naming that placeholder itself (not a name that reads as its argument by chance). */
function mergeAccess(rules: readonly AllowRule[], args?: readonly string[], only?: string, defines?: TeDefines): CallAccess[] {
  const name = (n: string) => (args === undefined ? n : substitute(n, args, defines));
  const merged = new Map<string, CallAccess>();
  for (const r of rules)
    for (const s of r.sources)
      for (const t of r.targets) {
        if (only !== undefined && s !== only && t !== only) continue;
        for (const c of r.classes) {
          const [source, target, tclass] = [name(s), name(t), name(c)];
          const key = `${source}\0${target}\0${tclass}`;
          const av = merged.get(key) ?? { source, target, tclass, perms: [] };
          merged.set(key, av);
          for (const p of r.perms(tclass)) if (!av.perms.includes(p)) av.perms.push(p);
        }
      }
  return [...merged.values()];
}

// what a three-parameter interface's $N reads as in its expansion with every parameter a
// placeholder (no tree names a type so)
const PLACEHOLDER = "xsm_interface_parameter_";
const PLACEHOLDERS = new RegExp(`${PLACEHOLDER}([1-3])`, "g");

/** A name of a placeholder expansion as the call of `args` writes it: m4 pastes an argument into
 *  the names built from it, and reads the name made again, so one the tree's .te files define as a
 *  macro is what it expands to (`xenstore_t_self`, which declare_singleton_domain(xenstore_t)
 *  defines as `xenstore_t`). */
function substitute(name: string, args: readonly string[], defines?: TeDefines): string {
  const made = name.replace(PLACEHOLDERS, (_, n: string) => args[Number(n) - 1]!);
  return made === name ? made : (defines?.expand(made) ?? made);
}

/**
 * The names the tree's .te files define as m4 macros that a call could make by pasting an
 * argument into an interface's name (`define(`$1_self', `$1')` in declare_singleton_domain,
 * called in xen.te): each name an interface builds from a parameter (`$1_self`, `$2_channel`: the
 * text around a `$N` in its body) made with each declared type and attribute, that m4, after the
 * whole tree, expands to another name. A call written in a module is read after them, so m4 expands
 * those names in it; the placeholder expansions cannot show them (no tree defines a name made of a
 * placeholder).
 */
interface TeDefines {
  /** What m4 makes of a name made for a call: the name a macro of it expands to, else undefined. */
  expand(name: string): string | undefined;
  /** The arguments that make `type` from `before` $N `after` through such a macro. */
  argumentsFor(type: string, before: string, after: string): string[];
}

/** The names around a `$N` in the candidates' bodies (`_self` of `$1_self`), as [before, after]. */
function affixes(defs: readonly MacroDef[]): [string, string][] {
  const out = new Map<string, [string, string]>();
  for (const d of defs)
    for (const m of d.body.matchAll(/([A-Za-z0-9_]*)\$[1-9]([A-Za-z0-9_]*)/g)) {
      const [before, after] = [m[1]!, m[2]!];
      if (before !== "" || after !== "") out.set(`${before}\0${after}`, [before, after]);
    }
  return [...out.values()];
}

function teDefines(probes: readonly { name: string; before: string; after: string; arg: string }[], texts: readonly (string | undefined)[]): TeDefines {
  const byName = new Map<string, string>();
  const byType = new Map<string, { before: string; after: string; arg: string }[]>();
  probes.forEach((p, i) => {
    const text = texts[i];
    // (a name m4 leaves as it is, or expands to more than one name, is no such alias)
    if (text === undefined || text === p.name || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text)) return;
    byName.set(p.name, text);
    byType.set(text, [...(byType.get(text) ?? []), p]);
  });
  return {
    expand: (name) => byName.get(name),
    argumentsFor: (type, before, after) => (byType.get(type) ?? []).filter((p) => p.before === before && p.after === after).map((p) => p.arg),
  };
}

/** Each interface expanded once with placeholders for its parameters, and read: which parameter
 *  each rule's source and target are, and what a free one takes; and, in the same m4 run, the
 *  names the .te files define that a call may make (TeDefines: `names` are the declared types
 *  and attributes). */
function placeholderExpansions(
  expanded: ExpandedTree,
  defs: readonly MacroDef[],
  names: readonly string[],
  parse: (text: string) => ParsedExpansion,
  work: InterfaceWork,
): { shapes: Map<string, { text: string; parsed: ParsedExpansion }>; defines: TeDefines } {
  const calls = defs.map((d) => `${d.name}(${[1, 2, 3].slice(0, arity(d)).map((n) => PLACEHOLDER + n).join(", ")})`);
  const probes = affixes(defs).flatMap(([before, after]) => names.map((arg) => ({ name: `${before}${arg}${after}`, before, after, arg })));
  // (the probes are names, not calls: the work counts the calls)
  const texts = expandCalls(expanded, [...calls, ...probes.map((p) => p.name)], work, calls.length);
  const shapes = new Map<string, { text: string; parsed: ParsedExpansion }>();
  defs.forEach((d, i) => {
    const text = texts[i];
    if (text !== undefined) shapes.set(d.name, { text, parsed: parse(text) });
  });
  return { shapes, defines: teDefines(probes, texts.slice(calls.length)) };
}

/** Each candidate interface's access as sepolgen's InterfaceVector holds it (interfaces.py,
 *  what audit2allow -R matches denials with): its allow rules, expanded with `$N` for its
 *  parameters (`$2_target` for a name derived from one), merged per source, target and class. */
export function interfaceVectors(expanded: ExpandedTree, policy: CompiledPolicy): Map<string, CallAccess[]> {
  const defs = [...expanded.macros.values()].filter(isCandidate);
  const placeholders = [1, 2, 3].map((n) => PLACEHOLDER + n);
  const texts = expandCalls(expanded, defs.map((d) => `${d.name}(${placeholders.slice(0, arity(d)).join(", ")})`), { m4Runs: 0, expansions: 0, parses: 0, rejected: 0 });
  const out = new Map<string, CallAccess[]>();
  defs.forEach((d, i) => {
    const text = texts[i];
    if (text !== undefined) out.set(d.name, mergeAccess(parseExpansion(text, policy).rules, ["$1", "$2", "$3"]));
  });
  return out;
}

/** Where a denial's source and target go among an interface's arguments, and the one left
 *  (0-based), if any. */
interface Binding {
  free?: number;
  /** The arguments, `x` given the free parameter. */
  args(x: string): string[];
  /** The denial's source and target. */
  bound: readonly string[];
  /** The placeholder rules naming the free parameter (what it means to the interface). */
  freeRules: readonly AllowRule[];
}

/** The bindings of the denial's source and target to parameters of an interface of `n` by its own
 *  rules, as sepolgen gives a parameter the role it has in the interface's rules (a source type,
 *  a target type): each rule of the denied class naming a denied permission whose source or
 *  target is a parameter (`self` the source's) takes the denial's source or target there, and one
 *  that is a name made from a parameter (`$2_channel`) gives the parameter the part of the
 *  denial's type it stands for. At most one parameter may be left: the denial does not bound two. */
function bindings(rules: readonly AllowRule[], q: AccessQuery, n: number, defines?: TeDefines): Binding[] {
  const seen = new Map<string, Binding>();
  for (const r of rules) {
    if (!r.classes.includes(q.tclass) || !r.perms(q.tclass).some((p) => q.perms.includes(p))) continue;
    for (const s of r.sources)
      for (const t of r.targets) {
        // (`self` grants a type on itself only)
        if (t === "self" && q.source !== q.target) continue;
        const si = parameterOf(s, q.source, defines);
        const ti = t === "self" ? si : parameterOf(t, q.target, defines);
        if (si === undefined && ti === undefined) continue;
        const given = new Map<number, string>();
        if (ti !== undefined) given.set(ti[0], ti[1]);
        // (one parameter for both, as two different types: no call of it names both)
        if (si !== undefined && given.has(si[0]) && given.get(si[0]) !== si[1]) continue;
        if (si !== undefined) given.set(si[0], si[1]);
        const free = Array.from({ length: n }, (_, k) => k).filter((k) => !given.has(k));
        if (free.length > 1) continue;
        const key = [...given].sort((x, y) => x[0] - y[0]).join(" ");
        if (seen.has(key)) continue;
        const f = free[0];
        const placeholder = f === undefined ? undefined : PLACEHOLDER + (f + 1);
        seen.set(key, {
          free: f,
          args: (x) => Array.from({ length: n }, (_, k) => given.get(k) ?? x),
          bound: [q.source, q.target],
          freeRules: placeholder === undefined ? [] : rules.filter((fr) => fr.sources.includes(placeholder) || fr.targets.includes(placeholder)),
        });
      }
  }
  return [...seen.values()];
}

/** The parameter (0-based) a placeholder rule's name gives `type`, and the argument that makes
 *  it: the placeholder itself takes the whole type, a name made from one (`$2_channel`) the part
 *  its own text does not spell. */
function parameterOf(name: string, type: string, defines?: TeDefines): [number, string] | undefined {
  const m = new RegExp(`^(.*?)${PLACEHOLDER}([1-3])(.*)$`).exec(name);
  if (!m || (m[1]! + m[3]!).includes(PLACEHOLDER)) return undefined;
  const [, before, k, after] = m as unknown as [string, string, string, string];
  if (type.length > before.length + after.length && type.startsWith(before) && type.endsWith(after)) return [Number(k) - 1, type.slice(before.length, type.length - after.length)];
  // (a name a .te file defines to be `type`: `$1_self` is xenstore_t for xenstore_t, a singleton)
  if (before === "" && after === "") return undefined;
  const via = defines?.argumentsFor(type, before, after)[0];
  return via === undefined ? undefined : [Number(k) - 1, via];
}

/** The types to try for a binding's free parameter, each with why: those the policy already relates
 *  to the denial's types as the interface's rules naming the parameter do (permissions of the call
 *  it allows already, then a type rule of such a rule's class between a bound type and it whose
 *  result is a bound type: `type_transition S D:event T` for create_channel(S, D, T)), the most
 *  related; with none related, each type that fits when there are few. At most
 *  FREE_ARGUMENT_LIMIT, else none picked and the tie said. */
function pickFree(binding: Binding, fits: readonly { argument: string; access: readonly CallAccess[] }[], policy: CompiledPolicy, noun: "types" | "attributes"): { picks: { argument: string; reason: string }[]; tied?: Tie } {
  const bound = binding.bound.map((b) => policy.typeId(b));
  const classes = [...new Set(binding.freeRules.flatMap((r) => r.classes))];
  const scored = fits.map((fit) => {
    const x = policy.typeId(fit.argument);
    let allowed = 0;
    for (const av of fit.access) {
      const target = av.target === "self" ? av.source : av.target;
      allowed += av.perms.filter((p) => policy.allows(av.source, target, av.tclass, p) === true).length;
    }
    const typeRules: string[] = [];
    for (const tclass of classes) {
      const c = policy.classId(tclass);
      // (an attribute is in no type rule's key)
      if (c < 0 || x < 0) continue;
      for (const b of bound)
        for (const [s, t] of [
          [b, x],
          [x, b],
        ] as const)
          for (const kind of ["type_transition", "type_member", "type_change"] as const) {
            const result = policy.typeRuleDefault(kind, s, t, c);
            if (result >= 0 && bound.includes(result)) typeRules.push(`${kind} ${policy.typeName(s)} ${policy.typeName(t)}:${tclass} ${policy.typeName(result)}`);
          }
    }
    return { argument: fit.argument, allowed, typeRules: [...new Set(typeRules)] };
  });
  const best = (key: (s: (typeof scored)[number]) => number) => {
    const top = Math.max(0, ...scored.map(key));
    return top === 0 ? [] : scored.filter((s) => key(s) === top);
  };
  const limited = (chosen: typeof scored, basis: string, reason: (s: (typeof scored)[number]) => string) =>
    chosen.length > FREE_ARGUMENT_LIMIT ? { picks: [], tied: { types: chosen.map((s) => s.argument), basis } } : { picks: chosen.map((s) => ({ argument: s.argument, reason: reason(s) })) };
  const byAllowed = best((s) => s.allowed);
  if (byAllowed.length > 0) {
    const others = byAllowed.length - 1;
    return limited(byAllowed, `the policy already allows ${byAllowed[0]!.allowed} of the call's permissions naming each`, (s) => `the policy already allows ${s.allowed} of the call's permissions naming it${others > 0 ? ` (as ${others} other type${others > 1 ? "s" : ""})` : ""}`);
  }
  const byRule = best((s) => s.typeRules.length);
  if (byRule.length > 0) return limited(byRule, `a type rule of the policy relates each to the denial's types`, (s) => `the policy's ${s.typeRules[0]}${byRule.length > 1 ? ` (1 of ${byRule.length} types so related)` : ""}`);
  return limited(scored, `the policy relates none to the denial's types`, () => `1 of ${scored.length} declared ${noun} its rules accept (the policy relates none to the denial's types)`);
}

/** The allow rules of an expansion and the permissions they name (`*` and `~{...}` count as
 *  every permission: more than any list). */
function size(text: string): { rules: number; perms: number } {
  let rules = 0;
  let perms = 0;
  for (const m of text.matchAll(/^\s*allow\s[^;]*:[^;{\s]+\s*(\{[^}]*\}|[^;\s]+)\s*;/gm)) {
    rules++;
    const list = m[1]!;
    perms += /[*~]/.test(list) ? 1000 : list.replace(/[{}]/g, " ").trim().split(/\s+/).length;
  }
  return { rules, perms };
}

/** An interface of a module (.if) taking one to three arguments, each by number. */
function isCandidate(def: MacroDef): boolean {
  if (!/\.if$/.test(def.file)) return false;
  if (/\$[@*#]|\bshift\(/.test(def.body)) return false;
  const n = arity(def);
  return n >= 1 && n <= 3;
}

function arity(def: MacroDef): number {
  return Math.max(0, ...[...def.body.matchAll(/\$([0-9])/g)].map((m) => Number(m[1])));
}

/** Where a module's rules stand in m4's output: before the users (policy/users), as the modules'
 *  .te files do. */
function spliceAt(conf: string): number {
  const users = /^#line 1 "policy\/users"$/m.exec(conf) ?? /^user\s/m.exec(conf);
  return users ? users.index : conf.length;
}

const MARK = "#xsm-interface-call";

/** m4's expansion of each call (without #line directives), by the calls' order (the first `counted`
 *  of them counted as expansions, default all): one m4 run over the whole tree and a file of the
 *  calls, each after a comment m4 passes through, as a module of the tree's calls them, after what
 *  the .te files define (declare_singleton_domain(dom0_t)'s `dom0_t_self`); their rules' output
 *  is dropped. */
function expandCalls(expanded: ExpandedTree, calls: readonly string[], work: InterfaceWork, counted = calls.length): (string | undefined)[] {
  if (calls.length === 0) return [];
  work.m4Runs++;
  work.expansions += counted;
  const { tree } = expanded;
  const scratch = mkdtempSync(join(tmpdir(), "xsm-interfaces-"));
  try {
    const file = join(scratch, "calls.te");
    writeFileSync(file, calls.map((c, i) => `${MARK} ${i}\n${c}\n`).join(""));
    const m4 = runM4({ ...tree, sections: [...tree.sections, file] });
    if (m4.diagnostics.some((d) => d.severity === "error")) return [];
    const out: (string | undefined)[] = [];
    const parts = m4.text.split(new RegExp(`^${MARK} (\\d+)$`, "m"));
    for (let i = 1; i + 1 < parts.length; i += 2) out[Number(parts[i])] = parts[i + 1]!.replace(/^#line .*$/gm, "").trim();
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
