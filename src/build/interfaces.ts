// Which of a tree's m4 interfaces would grant an access the policy denies: what audit2allow -R
// does with refpolicy's interfaces, for a Xen tree's modules/*.if (`use_device_iommu(dom0_t,
// device_t)` rather than the raw allow rule it expands to). An interface of one or two parameters
// is called with the denial's source (and target) type. One of three parameters is called with
// the source and target where its own rules put them (the rule of the denied class and
// permissions: `allow $1 $3:event create` binds $1 and $3), and its remaining parameter with a
// type the policy relates to them (pickFree). All calls are expanded by one m4 run over the tree's
// definitions, as Makefile.common hands them to m4; a call whose expansion, added to the policy
// where its modules' rules stand, makes the compiled policy allow every denied permission is a
// match. Interfaces that declare types (declare_domain) or take a variable number of arguments
// are not candidates: they make new labels, not grants.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { excludeNames, includeNames } from "../policy/nodes.js";
import { compile } from "../policy/index.js";
import { parsePolicy } from "../policy/parse.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { ExpandedTree } from "./expand.js";
import { runM4 } from "./m4.js";
import type { MacroDef } from "./macros.js";

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

export interface InterfaceGrant {
  /** The call as a module writes it: `use_device_iommu(dom0_t, device_t)`. */
  call: string;
  /** The interface's definition (file as the tree names it). */
  name: string;
  file: string;
  /** How many allow rules the call expands to, and the permissions they name in all: the
   *  fewer, the less it grants beyond the denial. */
  rules: number;
  perms: number;
  /** audit2allow -R's distance of the call from the denial (GrantOptions.distance), when ranked so. */
  distance?: number;
  /** An interface of three parameters: the one the denial does not name, the type given it, and
   *  why that type. */
  chosen?: ChosenArgument;
}

export interface ChosenArgument {
  /** The parameter as the interface's comment names it (`destination`), else `$N`. */
  parameter: string;
  argument: string;
  reason: string;
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
}

/** At most this many types are tried for the parameter a denial does not name, when the policy
 *  relates that many equally (else the call is not offered: the denial does not determine it). */
export const FREE_ARGUMENT_LIMIT = 8;

/** The tree's interfaces that grant each query, nearest first: by options.distance when given
 *  (those >= 0, that cover the denial with one access vector as audit2allow -R offers them, then
 *  the rest by magnitude), then fewest permissions named, fewest allow rules, the shorter call. A
 *  query no interface grants, or one the policy already allows (or a conf that does not compile),
 *  has an empty list. */
export function grantingInterfaces(expanded: ExpandedTree, queries: readonly AccessQuery[], options: GrantOptions = {}): InterfaceGrant[][] {
  const base = options.policy ?? basePolicy(expanded.conf, options.mls);
  if (base === undefined) return queries.map(() => []);
  const candidates = [...expanded.macros.values()].filter(isCandidate);
  const shapes = parameterRules(expanded, candidates.filter((d) => arity(d) === 3), base);
  const declared = declaredNames(base);
  // every call once, whatever queries ask it
  const calls = new Map<string, { def: MacroDef; index: number; args: ReadonlySet<string> }>();
  const callOf = (def: MacroDef, args: readonly string[]) => {
    const call = `${def.name}(${args.join(", ")})`;
    if (!calls.has(call)) calls.set(call, { def, index: calls.size, args: new Set(args) });
    return call;
  };
  const asked = queries.map((q) =>
    candidates.map((def): { call: string; free?: { binding: Binding; argument: string } }[] => {
      const n = arity(def);
      if (n < 3) return [{ call: callOf(def, n === 2 ? [q.source, q.target] : [q.source]) }];
      return bindings(shapes.get(def.name) ?? [], q).flatMap((b) => [...declared.types].map((x) => ({ call: callOf(def, b.args(x)), free: { binding: b, argument: x } })));
    }),
  );
  const segments = expandCalls(expanded, [...calls.keys()]);
  const splice = spliceAt(expanded.conf);
  const verdicts = new Map<string, boolean>();
  const grants = (q: AccessQuery, call: string, text: string) => {
    const key = `${call}\0${q.source}\0${q.target}\0${q.tclass}\0${q.perms.join(" ")}`;
    let granted = verdicts.get(key);
    if (granted === undefined) {
      const run = compile(`${expanded.conf.slice(0, splice)}${text}\n${expanded.conf.slice(splice)}`, { file: "policy.conf", mls: options.mls });
      granted = run.ok && q.perms.every((p) => run.value.policy.allows(q.source, q.target, q.tclass, p) === true);
      verdicts.set(key, granted);
    }
    return granted;
  };
  const usable = (q: AccessQuery, call: string) => {
    const text = segments[calls.get(call)!.index];
    return text !== undefined && grantsOnly(text) && new RegExp(`\\b${q.tclass}\\b`).test(text) ? text : undefined;
  };
  const distance = (q: AccessQuery, call: string, text: string) => (options.distance ? { distance: options.distance(q, callAccess(text, base), calls.get(call)!.args) } : {});
  return queries.map((q, i) => {
    const found: InterfaceGrant[] = [];
    // (every call "grants" what the policy allows already)
    if (q.perms.every((p) => base.allows(q.source, q.target, q.tclass, p) === true)) return found;
    candidates.forEach((def, c) => {
      const tries = asked[i]![c]!;
      if (arity(def) < 3) {
        const call = tries[0]!.call;
        const text = usable(q, call);
        if (text !== undefined && grants(q, call, text)) found.push({ call, name: def.name, file: def.file, ...size(text), ...distance(q, call, text) });
        return;
      }
      // per binding of the source and target, the types the policy relates to them
      const byBinding = new Map<Binding, { call: string; text: string; argument: string }[]>();
      for (const t of tries) {
        const text = usable(q, t.call);
        if (text === undefined || t.free === undefined || !namesDeclared(text, declared)) continue;
        byBinding.set(t.free.binding, [...(byBinding.get(t.free.binding) ?? []), { call: t.call, text, argument: t.free.argument }]);
      }
      for (const [binding, fits] of byBinding) {
        for (const pick of pickFree(binding, fits, base)) {
          if (!grants(q, pick.call, pick.text)) continue;
          const parameter = options.parameters?.(def)?.[binding.free] ?? `$${binding.free + 1}`;
          found.push({ call: pick.call, name: def.name, file: def.file, ...size(pick.text), ...distance(q, pick.call, pick.text), chosen: { parameter, argument: pick.argument, reason: pick.reason } });
        }
      }
    });
    return found.sort((a, b) => byDistance(a, b) || a.perms - b.perms || a.rules - b.rules || a.call.length - b.call.length || (a.call < b.call ? -1 : 1));
  });
}

/** audit2allow -R offers the calls whose distance is >= 0, nearest first; a call that grants the
 *  denial otherwise (through an attribute, or permissions split over two of its rules) comes after
 *  them, nearest first as well. */
function byDistance(a: InterfaceGrant, b: InterfaceGrant): number {
  if (a.distance === undefined || b.distance === undefined) return 0;
  return Number(a.distance < 0) - Number(b.distance < 0) || Math.abs(a.distance) - Math.abs(b.distance);
}

function basePolicy(conf: string, mls: boolean | undefined): CompiledPolicy | undefined {
  const run = compile(conf, { file: "policy.conf", mls });
  return run.ok ? run.value.policy : undefined;
}

/** The policy's types, and its types and attributes together (the names a rule may use). */
interface Declared {
  types: readonly string[];
  names: ReadonlySet<string>;
}

function declaredNames(policy: CompiledPolicy): Declared {
  const types: string[] = [];
  const names = new Set<string>(["self"]);
  for (let id = 0; id < policy.stats.types + policy.stats.attributes; id++) {
    const name = policy.typeName(id);
    names.add(name);
    if (policy.typeId(name) === id) types.push(name);
  }
  return { types, names };
}

/** An allow rule of an expansion, its sets read (exclusions dropped) and its permissions listed
 *  (`*` and `~{...}` against the class's own). */
interface AllowRule {
  sources: readonly string[];
  targets: readonly string[];
  classes: readonly string[];
  perms: (tclass: string) => readonly string[];
}

function allowRules(text: string, policy: CompiledPolicy): AllowRule[] {
  const { ast } = parsePolicy(text, "interface", { sections: false });
  const rules: AllowRule[] = [];
  for (const st of ast.statements) {
    if (st.kind !== "avrule" || st.rule !== "allow") continue;
    const names = (set: typeof st.sources) => {
      const out = new Set(includeNames(set));
      for (const x of excludeNames(set)) out.delete(x);
      return [...out];
    };
    const listed = names(st.perms);
    const { star, complement } = st.perms;
    rules.push({
      sources: names(st.sources),
      targets: names(st.targets),
      classes: names(st.classes),
      perms: (tclass) => {
        if (!star && !complement) return listed;
        const id = policy.classId(tclass);
        const all = id < 0 ? [] : policy.permNames(id, 0xffffffff);
        return star ? all : all.filter((p) => !listed.includes(p));
      },
    });
  }
  return rules;
}

/** The access a call's expansion grants, merged per source, target and class (sepolgen's
 *  AccessVectorSet; `self` kept as written). */
export function callAccess(text: string, policy: CompiledPolicy): CallAccess[] {
  const merged = new Map<string, CallAccess>();
  for (const r of allowRules(text, policy))
    for (const source of r.sources)
      for (const target of r.targets)
        for (const tclass of r.classes) {
          const key = `${source}\0${target}\0${tclass}`;
          const av = merged.get(key) ?? { source, target, tclass, perms: [] };
          merged.set(key, av);
          for (const p of r.perms(tclass)) if (!av.perms.includes(p)) av.perms.push(p);
        }
  return [...merged.values()];
}

// what a three-parameter interface's $N reads as in its expansion with every parameter a
// placeholder (no tree names a type so)
const PLACEHOLDER = "xsm_interface_parameter_";
const PARAMETER = new RegExp(`^${PLACEHOLDER}([1-3])$`);

/** The allow rules of each three-parameter interface, expanded with placeholders for its
 *  parameters: which parameter each rule's source and target are. */
function parameterRules(expanded: ExpandedTree, defs: readonly MacroDef[], policy: CompiledPolicy): Map<string, AllowRule[]> {
  const texts = expandCalls(expanded, defs.map((d) => `${d.name}(${[1, 2, 3].map((n) => PLACEHOLDER + n).join(", ")})`));
  return new Map(defs.map((d, i) => [d.name, texts[i] === undefined ? [] : allowRules(texts[i]!, policy)]));
}

/** Where a denial's source and target go among a three-parameter interface's arguments, and the
 *  one left (0-based). */
interface Binding {
  free: number;
  /** The arguments, `x` given the free parameter. */
  args(x: string): string[];
  /** The bound parameters' arguments (the denial's source and target). */
  bound: readonly string[];
  /** The placeholder rules naming the free parameter (what it means to the interface). */
  freeRules: readonly AllowRule[];
}

/** The bindings of the denial's source and target to parameters of an interface by its own rules:
 *  each rule of the denied class naming a denied permission, whose source and target are two
 *  different parameters (or a parameter and `self`, for a denial of a type on itself). */
function bindings(rules: readonly AllowRule[], q: AccessQuery): Binding[] {
  const param = (name: string) => {
    const m = PARAMETER.exec(name);
    return m ? Number(m[1]) - 1 : -1;
  };
  const seen = new Map<string, Binding>();
  for (const r of rules) {
    if (!r.classes.includes(q.tclass) || !r.perms(q.tclass).some((p) => q.perms.includes(p))) continue;
    for (const s of r.sources)
      for (const t of r.targets) {
        const si = param(s);
        const ti = t === "self" ? si : param(t);
        if (si < 0 || ti < 0 || (si === ti && q.source !== q.target)) continue;
        const taken = new Set([si, ti]);
        const free = [0, 1, 2].filter((n) => !taken.has(n));
        // (one parameter left: the denial names the others; two left are not bounded)
        if (free.length !== 1) continue;
        const key = `${si} ${ti}`;
        if (seen.has(key)) continue;
        const f = free[0]!;
        const placeholder = PLACEHOLDER + (f + 1);
        seen.set(key, {
          free: f,
          args: (x) => [0, 1, 2].map((n) => (n === si ? q.source : n === ti ? q.target : x)),
          bound: [q.source, q.target],
          freeRules: rules.filter((fr) => fr.sources.includes(placeholder) || fr.targets.includes(placeholder)),
        });
      }
  }
  return [...seen.values()];
}

/** Every type an expansion's allow rules name is declared: a free argument fits the names the
 *  interface derives from it (`$3_channel`). */
function namesDeclared(text: string, declared: Declared): boolean {
  const { ast } = parsePolicy(text, "interface", { sections: false });
  return ast.statements.every((st) => st.kind !== "avrule" || [...includeNames(st.sources), ...includeNames(st.targets)].every((n) => declared.names.has(n)));
}

/** The types to try for a binding's free parameter, each with why: those the policy already relates
 *  to the denial's types as the interface's rules naming the parameter do (permissions of the call
 *  it allows already, then a type rule of such a rule's class between a bound type and it whose
 *  result is a bound type: `type_transition S D:event T` for create_channel(S, D, T)), the most
 *  related; with none related, each type that fits when there are few. At most
 *  FREE_ARGUMENT_LIMIT, or none. */
function pickFree(binding: Binding, fits: readonly { call: string; text: string; argument: string }[], policy: CompiledPolicy): { call: string; text: string; argument: string; reason: string }[] {
  const bound = binding.bound.map((b) => policy.typeId(b));
  const classes = [...new Set(binding.freeRules.flatMap((r) => r.classes))];
  const scored = fits.map((fit) => {
    const x = policy.typeId(fit.argument);
    let allowed = 0;
    for (const av of callAccess(fit.text, policy)) {
      const target = av.target === "self" ? av.source : av.target;
      if (av.source !== fit.argument && target !== fit.argument) continue;
      allowed += av.perms.filter((p) => policy.allows(av.source, target, av.tclass, p) === true).length;
    }
    const typeRules: string[] = [];
    for (const tclass of classes) {
      const c = policy.classId(tclass);
      if (c < 0) continue;
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
    return { ...fit, allowed, typeRules: [...new Set(typeRules)] };
  });
  const best = (key: (s: (typeof scored)[number]) => number) => {
    const top = Math.max(0, ...scored.map(key));
    return top === 0 ? [] : scored.filter((s) => key(s) === top);
  };
  const byAllowed = best((s) => s.allowed);
  if (byAllowed.length > 0)
    return byAllowed.length > FREE_ARGUMENT_LIMIT ? [] : byAllowed.map((s) => ({ ...s, reason: `the policy already allows ${s.allowed} of the call's permissions naming it${byAllowed.length > 1 ? ` (as ${byAllowed.length - 1} other type${byAllowed.length > 2 ? "s" : ""})` : ""}` }));
  const byRule = best((s) => s.typeRules.length);
  if (byRule.length > 0) return byRule.length > FREE_ARGUMENT_LIMIT ? [] : byRule.map((s) => ({ ...s, reason: `the policy's ${s.typeRules[0]}${byRule.length > 1 ? ` (1 of ${byRule.length} types so related)` : ""}` }));
  return scored.length > FREE_ARGUMENT_LIMIT ? [] : scored.map((s) => ({ ...s, reason: `1 of ${scored.length} declared types its rules accept (the policy relates none to the denial's types)` }));
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

/** Only rules about existing types: no declaration a second call would repeat. */
function grantsOnly(text: string): boolean {
  return /^\s*allow\s/m.test(text) && !/^\s*(type|attribute|typeattribute|typealias|bool|role|user|class|common|sid)\s/m.test(text);
}

/** Where a module's rules stand in m4's output: before the users (policy/users), as the modules'
 *  .te files do. */
function spliceAt(conf: string): number {
  const users = /^#line 1 "policy\/users"$/m.exec(conf) ?? /^user\s/m.exec(conf);
  return users ? users.index : conf.length;
}

const MARK = "#xsm-interface-call";

/** m4's expansion of each call (without #line directives), by the calls' order: one m4 run over
 *  the tree's definitions (its sections up to the modules' rules) and a file of the calls, each
 *  after a comment m4 passes through. */
function expandCalls(expanded: ExpandedTree, calls: readonly string[]): (string | undefined)[] {
  if (calls.length === 0) return [];
  const { tree } = expanded;
  const rules = new Set(tree.sections.filter((s) => /\.(te|cons)$/.test(s) || /^policy\/(users|constraints|initial_sids|device_contexts)$/.test(s)));
  const scratch = mkdtempSync(join(tmpdir(), "xsm-interfaces-"));
  try {
    const file = join(scratch, "calls.te");
    writeFileSync(file, calls.map((c, i) => `${MARK} ${i}\n${c}\n`).join(""));
    const m4 = runM4({ ...tree, sections: [...tree.sections.filter((s) => !rules.has(s)), file] });
    if (m4.diagnostics.some((d) => d.severity === "error")) return [];
    const out: (string | undefined)[] = [];
    const parts = m4.text.split(new RegExp(`^${MARK} (\\d+)$`, "m"));
    for (let i = 1; i + 1 < parts.length; i += 2) out[Number(parts[i])] = parts[i + 1]!.replace(/^#line .*$/gm, "").trim();
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
