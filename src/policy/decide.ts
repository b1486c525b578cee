// Decisions, as Xen's security server makes them (xen/xsm/flask/ss/services.c
// context_struct_compute_av): the TE avtab entries for (stype, ttype, class) and the types'
// attributes (typeattr.ts), then every
// constraint on the class removes the permissions whose expression fails
// (constraint_expr_eval). Context validation and error texts follow oracle-decide exactly.
import { foldTree } from "./ast.js";
import { ruleCovers, ruleMask } from "./rulematch.js";
import type { BoolState, PolicyTables } from "./image.js";
import type { ExpandedAvRule } from "./expand.js";
import { EMPTY_LEVEL, OBJECT_R, levelDominates, roleDominates, type Symbols, levelEq, rangeContains, type Level, type LevelRange, type MlsSymbols, type ResolvedConstraintExpr, type ResolvedValidatetrans } from "./symbols.js";
import type { AvDecision, ContextConversion, ContextNames, ContextResult, Decision, LevelNames, Reason, SecurityContext } from "./types.js";
import { rangeText } from "./resolve/mls.js";

/** Python's repr() of a string: oracle-decide's error messages quote names with it. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Xen's mls_context_to_sid: `low[-high]`, each `sens[:cat[.cat],...]`, names or aliases. */
export function parseRange(mls: MlsSymbols, text: string): LevelRange | undefined {
  const dash = text.indexOf("-");
  const low = parseLevel(mls, dash < 0 ? text : text.slice(0, dash));
  const high = dash < 0 ? low : parseLevel(mls, text.slice(dash + 1));
  return low && high ? { low, high } : undefined;
}

function parseLevel(mls: MlsSymbols, text: string): Level | undefined {
  const colon = text.indexOf(":");
  const sensId = mls.sensIds.get(colon < 0 ? text : text.slice(0, colon));
  if (sensId === undefined) return undefined;
  const cats = new Set<number>();
  if (colon >= 0) {
    for (const item of text.slice(colon + 1).split(",")) {
      const dot = item.indexOf(".");
      const a = mls.catIds.get(dot < 0 ? item : item.slice(0, dot));
      if (a === undefined) return undefined;
      cats.add(a);
      if (dot < 0) continue;
      const b = mls.catIds.get(item.slice(dot + 1));
      // a range must run upwards (catdatum->value >= rngdatum->value is -EINVAL)
      if (b === undefined || a >= b) return undefined;
      for (let v = a + 1; v <= b; v++) cats.add(v);
    }
  }
  return { sens: mls.sens[sensId]!.order, cats: [...cats].sort((x, y) => x - y) };
}

/** mls_range_isvalid: each level's categories allowed for its sensitivity, high dominating low. */
export function mlsRangeValid(mls: MlsSymbols, r: LevelRange): boolean {
  const levelValid = (l: Level) => {
    const sens = mls.sens.find((s) => s.order === l.sens);
    return sens !== undefined && levelDominates({ sens: l.sens, cats: sens.cats ?? [] }, l);
  };
  return levelValid(r.low) && levelValid(r.high) && levelDominates(r.high, r.low);
}

/** security_context_to_sid's checks, in oracle-decide's order and words; an MLS policy's
 *  contexts carry a range (`u:r:t:s0-s1:c0.c3`), checked as mls_context_isvalid does. */
export function parseContext(core: PolicyTables, text: string): ContextResult {
  const sym = core.sym;
  const parts = text.split(":");
  if (sym.mls ? parts.length < 4 : parts.length !== 3) return { ok: false, error: `malformed context ${pyRepr(text)}${sym.mls && parts.length === 3 ? " (an MLS policy needs user:role:type:level)" : ""}` };
  const [user, role, type] = parts as [string, string, string];
  const t = core.typeIds.get(type);
  if (t === undefined) return { ok: false, error: `unknown type ${pyRepr(type)}` };
  const u = sym.userIds.get(user);
  if (u === undefined) return { ok: false, error: `unknown user ${pyRepr(user)}` };
  const r = sym.roleIds.get(role);
  if (r === undefined) return { ok: false, error: `unknown role ${pyRepr(role)}` };
  const unauthorized = roleProblem(sym, u, r, t);
  if (unauthorized !== undefined) return { ok: false, error: unauthorized };
  if (!sym.mls) return { ok: true, value: { user: u, role: r, type: t } };
  const mlsText = parts.slice(3).join(":");
  const range = parseRange(sym.mls, mlsText);
  if (!range) return { ok: false, error: `invalid MLS range ${pyRepr(mlsText)}` };
  const context = { user: u, role: r, type: t, range };
  const bad = rangeProblem(sym, context, mlsText);
  return bad === undefined ? { ok: true, value: context } : { ok: false, error: bad };
}

// policydb_context_isvalid's role checks: the role authorized for the user, the type for the
// role (object_r is valid for every user and type, an attribute included; any other role's types
// are types only, attributes expanded, so it holds no attribute)
function roleProblem(sym: Symbols, u: number, r: number, t: number): string | undefined {
  if (r === OBJECT_R) return undefined;
  if (!sym.users[u]!.roles.has(r)) return `role ${sym.roles[r]!.name} not authorized for user ${sym.users[u]!.name}`;
  if (!sym.roles[r]!.types.has(t)) return `type ${typeOrAttrName(sym, t)} not authorized for role ${sym.roles[r]!.name}${t >= sym.types.length ? ": it is an attribute in this policy" : ""}`;
  return undefined;
}

/** The name of a context's type: a type's, or an attribute's for its key id (SecurityContext.type). */
export function typeOrAttrName(sym: Symbols, id: number): string {
  return id < sym.types.length ? sym.types[id]!.name : sym.attrs[id - sym.types.length]!.name;
}

// mls_context_isvalid: a valid range, within the user's unless the role is object_r
function rangeProblem(sym: Symbols, c: SecurityContext, mlsText: string): string | undefined {
  if (!sym.mls || !c.range) return undefined;
  if (!mlsRangeValid(sym.mls, c.range)) return `invalid MLS range ${pyRepr(mlsText)}`;
  const own = sym.users[c.user]!.range;
  if (c.role !== OBJECT_R && own && !rangeContains(own, c.range)) return `MLS range ${mlsText} not authorized for user ${sym.users[c.user]!.name}`;
  return undefined;
}

/** A context's names (p_*_val_to_name): primary names, each category by itself. */
export function contextNames(sym: Symbols, c: SecurityContext): ContextNames {
  const names = { user: sym.users[c.user]!.name, role: sym.roles[c.role]!.name, type: typeOrAttrName(sym, c.type) };
  const mls = sym.mls;
  if (!mls || !c.range) return names;
  const level = (l: Level): LevelNames => ({ sens: mls.sens.find((s) => s.order === l.sens)!.name, cats: l.cats.map((id) => mls.cats[id]!.name) });
  return { ...names, range: { low: level(c.range.low), high: level(c.range.high) } };
}

/**
 * Xen's convert_context: each name looked up in this policy (user, role, type, then each level's
 * sensitivity and every category by itself, aliases included as its hashtab_search finds them),
 * a name this policy does not declare failing the conversion; then policydb_context_isvalid on the
 * result. A type name this policy declares as an attribute converts to the attribute: p_types
 * holds attributes too and convert_context, unlike security_context_to_sid, does not look at
 * type_datum's `attribute` flag. Under object_r the context is valid; under another role it is
 * not (a role's types bitmap holds no attribute).
 */
export function convertContext(sym: Symbols, names: ContextNames): ContextConversion {
  const user = sym.userIds.get(names.user);
  if (user === undefined) return { ok: false, error: `unknown user ${pyRepr(names.user)}` };
  const role = sym.roleIds.get(names.role);
  if (role === undefined) return { ok: false, error: `unknown role ${pyRepr(names.role)}` };
  const attr = sym.typeIds.has(names.type) ? undefined : sym.attrIds.get(names.type);
  const type = attr === undefined ? sym.typeIds.get(names.type) : sym.types.length + attr;
  if (type === undefined) return { ok: false, error: `unknown type ${pyRepr(names.type)}` };
  const attribute = attr === undefined ? {} : { attribute: sym.attrs[attr]!.name };
  let context: SecurityContext = { user, role, type };
  const mls = sym.mls;
  if (mls && names.range) {
    const level = (l: LevelNames): Level | string => {
      const sens = mls.sensIds.get(l.sens);
      if (sens === undefined) return `unknown sensitivity ${pyRepr(l.sens)}`;
      const cats = new Set<number>();
      for (const name of l.cats) {
        const cat = mls.catIds.get(name);
        if (cat === undefined) return `unknown category ${pyRepr(name)}`;
        cats.add(cat);
      }
      return { sens: mls.sens[sens]!.order, cats: [...cats].sort((a, b) => a - b) };
    };
    const low = level(names.range.low);
    if (typeof low === "string") return { ok: false, error: low };
    const high = level(names.range.high);
    if (typeof high === "string") return { ok: false, error: high };
    context = { ...context, range: { low, high } };
  }
  const invalid = roleProblem(sym, user, role, type) ?? rangeProblem(sym, context, context.range && mls ? rangeText(mls, context.range) : "");
  return invalid === undefined ? { ok: true, value: context, ...attribute } : { ok: true, value: context, invalid, ...attribute };
}

/** l1 h1 / l2 h2: the low and high level of the source / target range. */
function level(name: string, s: SecurityContext, t: SecurityContext): Level {
  const range = (name[1] === "1" ? s : t).range;
  if (!range) return EMPTY_LEVEL;
  return name[0] === "l" ? range.low : range.high;
}

/** u1 r1 t1 name the source, the 2s the target, the 3s the third context (validatetrans' task;
 *  constraint_expr_eval's xcontext, which only names sets may use). */
function operand(name: string, s: SecurityContext, t: SecurityContext, x?: SecurityContext): number {
  const ctx = name.endsWith("1") ? s : name.endsWith("2") || x === undefined ? t : x;
  return name[0] === "u" ? ctx.user : name[0] === "r" ? ctx.role : ctx.type;
}

/** Does role `a` dominate role `b` (role->dominates, symbols.ts roleDominates)? */
export type RoleDom = (a: number, b: number) => boolean;

/** The policy's role dominance, as constraint_expr_eval reads it. */
export function roleDomOf(sym: Symbols): RoleDom {
  return (a, b) => roleDominates(sym, a, b);
}

/** constraint_expr_eval: `r1 dom r2` is r1's dominates holding r2, `domby` the reverse, `incomp`
 *  neither (roles dominate themselves, object_r nothing, libsepol and Xen alike; oracle-decide
 *  reads them as == and !=). Levels compare as mls_level_eq / mls_level_dom / mls_level_incomp.
 *  `x` is the third context of a validatetrans (u3 r3 t3). */
export function holds(e: ResolvedConstraintExpr, s: SecurityContext, t: SecurityContext, x: SecurityContext | undefined, dom: RoleDom): boolean {
  return holdsWithin(e, s, t, x, dom, 0);
}

/** Recursion depth past which an expression is evaluated with an explicit stack instead: real
 *  constraints are a few levels deep, a chain of `or`s may be 100,000 long. */
const RECURSION_LIMIT = 200;

function holdsWithin(e: ResolvedConstraintExpr, s: SecurityContext, t: SecurityContext, x: SecurityContext | undefined, dom: RoleDom, depth: number): boolean {
  if (depth > RECURSION_LIMIT) return holdsDeep(e, s, t, x, dom);
  switch (e.op) {
    case "not":
      return !holdsWithin(e.arg, s, t, x, dom, depth + 1);
    case "and":
      return holdsWithin(e.left, s, t, x, dom, depth + 1) && holdsWithin(e.right, s, t, x, dom, depth + 1);
    case "or":
      return holdsWithin(e.left, s, t, x, dom, depth + 1) || holdsWithin(e.right, s, t, x, dom, depth + 1);
    default:
      return leafHolds(e, s, t, x, dom);
  }
}

/** The same value without recursion (and without short-circuits, which only save time). */
function holdsDeep(root: ResolvedConstraintExpr, s: SecurityContext, t: SecurityContext, x: SecurityContext | undefined, dom: RoleDom): boolean {
  return foldTree<ResolvedConstraintExpr, boolean>(root, (e, v) => (e.op === "not" ? !v[0] : e.op === "and" ? v[0]! && v[1]! : e.op === "or" ? v[0]! || v[1]! : leafHolds(e, s, t, x, dom)));
}

function leafHolds(e: ResolvedConstraintExpr, s: SecurityContext, t: SecurityContext, x: SecurityContext | undefined, dom: RoleDom): boolean {
  switch (e.op) {
    case "not":
    case "and":
    case "or":
      return holdsDeep(e, s, t, x, dom);
    case "cmp": {
      // CEXPR_ATTR compares the source and the target only (constraint_expr_eval)
      const a = operand(e.left, s, t);
      const b = operand(e.right, s, t);
      // dom, domby and incomp are policy_parse.y's roleop: r1 and r2 only
      if (e.cmp === "dom") return dom(a, b);
      if (e.cmp === "domby") return dom(b, a);
      if (e.cmp === "incomp") return !dom(a, b) && !dom(b, a);
      return e.cmp === "==" ? a === b : a !== b;
    }
    case "names": {
      const hit = e.ids.has(operand(e.left, s, t, x));
      return e.cmp === "==" || e.cmp === "dom" || e.cmp === "domby" ? hit : !hit;
    }
    case "level": {
      const a = level(e.left, s, t);
      const b = level(e.right, s, t);
      switch (e.cmp) {
        case "==":
          return levelEq(a, b);
        case "!=":
          return !levelEq(a, b);
        case "dom":
          return levelDominates(a, b);
        case "domby":
          return levelDominates(b, a);
        case "incomp":
          return !levelDominates(a, b) && !levelDominates(b, a);
      }
    }
  }
}

/** Xen's context_struct_compute_av, then the permissive flag security_compute_av adds. */
export function computeAv(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: number): AvDecision {
  const avd = contextAv(state, s, t, tclass, 0);
  if (state.tables.sym.types[s.type]?.permissive === true) avd.permissive = true;
  return avd;
}

/** context_struct_compute_av: the avtab entries of the types' attributes, every constraint whose
 *  expression fails removes its permissions, domain:transition between two roles needs a `role
 *  allow` for them (Xen checks only `transition`, not `dyntransition` as Linux's process class),
 *  and type_attribute_bounds_av masks what a bounded type's parent would not get. */
function contextAv(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: number, depth: number): AvDecision {
  const core = state.tables;
  const [teAllowed, auditallow, dontaudit] = core.tam.masks(state.table, s.type, t.type, tclass);
  let allowed = teAllowed;
  if (allowed !== 0) {
    for (const c of core.constraintsByClass[tclass] ?? []) {
      if ((c.mask & allowed) !== 0 && !holds(c.expr, s, t, undefined, roleDomOf(core.sym))) allowed &= ~c.mask;
    }
  }
  allowed &= ~roleTransitionDenied(core, s, t, tclass, allowed);
  const avd: AvDecision = { allowed: allowed >>> 0, auditallow, auditdeny: ~dontaudit >>> 0 };
  const masked = boundsMasked(state, s, t, tclass, avd.allowed, depth);
  if (masked !== 0) avd.allowed = (avd.allowed & ~masked) >>> 0;
  return avd;
}

/** The domain:transition bit context_struct_compute_av removes from `allowed`: the roles differ
 *  and no role allow pairs them (Xen's DOMAIN__TRANSITION, the policy's `transition` of class
 *  `domain`, as SECCLASS_DOMAIN is the policy's class named `domain`). */
export function roleTransitionDenied(core: PolicyTables, s: SecurityContext, t: SecurityContext, tclass: number, allowed: number): number {
  if (s.role === t.role) return 0;
  const domain = core.classEntries.get("domain");
  if (domain === undefined || domain.id !== tclass) return 0;
  const bit = domain.perms.get("transition") ?? 0;
  if ((allowed & bit) === 0) return 0;
  return core.roleAllowed(s.role, t.role) ? 0 : bit;
}

/** type_attribute_bounds_av: the permissions to mask when the source or target type is bounded,
 *  computed as Xen does: against the parent source, else the parent target, else both, the first
 *  of these that grants everything ending the check, the last one computed deciding. */
function boundsMasked(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: number, allowed: number, depth: number): number {
  const bounds = state.tables.bounds;
  const sb = bounds[s.type] ?? -1;
  const tb = bounds[t.type] ?? -1;
  // a bounds chain is as long as the types (libsepol refuses cycles); stop past it all the same
  if ((sb < 0 && tb < 0) || depth > bounds.length) return 0;
  let masked = 0;
  const lo = (ls: SecurityContext, lt: SecurityContext): boolean => {
    const parent = contextAv(state, ls, lt, tclass, depth + 1).allowed;
    if ((parent & allowed) === allowed) return true;
    masked = ~parent & allowed;
    return false;
  };
  const ls = sb >= 0 ? { ...s, type: sb } : s;
  const lt = tb >= 0 ? { ...t, type: tb } : t;
  if (sb >= 0 && lo(ls, t)) return 0;
  if (tb >= 0 && lo(s, lt)) return 0;
  if (sb >= 0 && tb >= 0 && lo(ls, lt)) return 0;
  return masked >>> 0;
}

/** The first validatetrans of `tclass` that refuses relabeling `oldc` to `newc` by `task`, in
 *  the order Xen walks the class's list (services.c security_validate_transition:
 *  constraint_expr_eval(ocontext, ncontext, tcontext, ...)); undefined when every one holds. */
export function failedValidatetrans(core: PolicyTables, oldc: SecurityContext, newc: SecurityContext, task: SecurityContext, tclass: number): ResolvedValidatetrans | undefined {
  return (core.validatetransByClass[tclass] ?? []).find((v) => !holds(v.expr, oldc, newc, task, roleDomOf(core.sym)));
}

function invalid(message: string): Decision {
  return { allowed: false, audited: true, error: message, reasons: [{ kind: "invalid", message }] };
}

export function decide(state: BoolState, scontext: string, tcontext: string, tclass: string, perm: string, explain: boolean): Decision {
  const core = state.tables;
  const s = parseContext(core, scontext);
  if (!s.ok) return invalid(s.error);
  const t = parseContext(core, tcontext);
  if (!t.ok) return invalid(t.error);
  return decideContexts(state, s.value, t.value, tclass, perm, explain);
}

/** decide() on contexts as a SID table holds them (valid or not, an attribute as the type). */
export function decideContexts(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: string, perm: string, explain: boolean): Decision {
  const core = state.tables;
  const cls = core.classEntries.get(tclass);
  if (!cls) return invalid(`unknown class ${pyRepr(tclass)}`);
  const bit = cls.perms.get(perm);
  if (bit === undefined) return invalid(`unknown permission ${pyRepr(perm)} in class ${tclass}`);
  const av = computeAv(state, s, t, cls.id);
  const allowed = (av.allowed & bit) !== 0;
  const audited = allowed ? (av.auditallow & bit) !== 0 : (av.auditdeny & bit) !== 0;
  if (!explain) return { allowed, audited, reasons: [] };
  const why = reasons(state, s, t, cls.id, bit);
  // the security server still denies; avc_has_perm returns 0 for a permissive source (Xen's avc.c)
  if (!allowed && av.permissive) why.push({ kind: "permissive", type: core.sym.types[s.type]!.name });
  return { allowed, audited, reasons: why };
}

/** Why: the rules that grant (or would, were their branch on), the failing constraint, audit rules. */
function reasons(state: BoolState, s: SecurityContext, t: SecurityContext, tclass: number, bit: number): Reason[] {
  const core = state.tables;
  const out: Reason[] = [];
  const enabled = (r: ExpandedAvRule) => !r.cond || (state.conds[r.cond.node] === 1) === r.cond.branch;
  const nt = core.sym.types.length;
  const matching = (kind: string) => core.ex.rules.filter((r) => r.kind === kind && (ruleMask(r, s.type, t.type, tclass, nt) & bit) !== 0);
  // auditdeny lists what to audit: a rule that leaves the permission out silences it, like dontaudit
  const silencing = core.ex.rules.filter((r) => r.kind === "auditdeny" && r.classes.includes(tclass) && (ruleMask(r, s.type, t.type, tclass, nt) & bit) === 0 && ruleCovers(r, s.type, t.type, nt));
  let granted = false;
  const disabled: Reason[] = [];
  for (const r of matching("allow")) {
    if (enabled(r)) {
      granted = true;
      out.push({ kind: "granted-by", rule: core.ruleRef(r.span) });
    } else {
      const node = core.sym.conds[r.cond!.node]!;
      disabled.push({ kind: "disabled-by-bool", rule: core.ruleRef(r.span), condition: r.cond!.branch ? node.text : `!(${node.text})` });
    }
  }
  if (!granted) out.push({ kind: "no-rule" });
  out.push(...disabled);
  if (granted) {
    const failed = (core.constraintsByClass[tclass] ?? []).find((c) => (c.mask & bit) !== 0 && !holds(c.expr, s, t, undefined, roleDomOf(core.sym)));
    if (failed) out.push({ kind: "constraint-failed", rule: core.ruleRef(failed.span) });
    else if (roleTransitionDenied(core, s, t, tclass, bit) !== 0) out.push({ kind: "role-transition-denied", role: core.sym.roles[s.role]!.name, newRole: core.sym.roles[t.role]!.name });
    else if (boundsMasked(state, s, t, tclass, bit, 0) !== 0) {
      const child = core.bounds[s.type]! >= 0 ? s.type : t.type;
      out.push({ kind: "bounds-masked", child: core.sym.types[child]!.name, parent: core.sym.types[core.bounds[child]!]!.name });
    }
  }
  for (const r of matching("auditallow")) if (enabled(r)) out.push({ kind: "auditallow", rule: core.ruleRef(r.span) });
  for (const r of [...matching("dontaudit"), ...silencing]) if (enabled(r)) out.push({ kind: "dontaudit", rule: core.ruleRef(r.span) });
  return out;
}
