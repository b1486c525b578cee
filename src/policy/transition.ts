// The security server's labelling question (xen/xsm/flask/ss/services.c security_compute_sid, which
// security_transition_sid / security_member_sid / security_change_sid call; SELinux calls the first
// compute_create): the context of a new domain, event channel or other object, from the source and
// target contexts, the class, and the type_transition (type_member, type_change) rules enabled under
// the view's booleans. Flask's hooks ask it when a domain is created (the `*_self` type) and when an
// event channel is bound (the `*_channel` type).
import { mlsRangeValid } from "./decide.js";
import type { TypeRuleEntry } from "./expand.js";
import type { BoolState, PolicyTables } from "./image.js";
import { OBJECT_R, rangeContains, type LevelRange, type ResolvedRangeTransition, type RoleTransitionSym } from "./symbols.js";
import { expandTypeSet } from "./typeset.js";
import type { ComputedContext, RuleRef, SecurityContext, TypeRuleKindName } from "./types.js";

// Keys count every key id, attributes included: a context a reload left with an attribute as its
// type asks with the attribute's id (SecurityContext.type), which no rule has, and must not land on
// another pair's key.
function keyIds(tables: PolicyTables): number {
  return tables.sym.types.length + tables.sym.attrs.length;
}

/** The type rules of an image by (kind, stype, ttype, tclass): Xen's te_avtab and te_cond_avtab
 *  searched with AVTAB_TRANSITION / AVTAB_MEMBER / AVTAB_CHANGE keys. Unconditional entries first. */
class TypeRuleIndex {
  private readonly byKind = new Map<TypeRuleKindName, Map<number, TypeRuleEntry[]>>();
  private readonly nt: number;
  private readonly nc: number;

  constructor(tables: PolicyTables) {
    this.nt = keyIds(tables);
    this.nc = Math.max(1, tables.sym.classes.length);
    for (const e of tables.ex.typeRules) {
      let byKey = this.byKind.get(e.kind);
      if (!byKey) this.byKind.set(e.kind, (byKey = new Map()));
      const key = this.key(e.stype, e.ttype, e.tclass);
      const list = byKey.get(key);
      if (!list) byKey.set(key, [e]);
      else if (e.cond === undefined) list.unshift(e);
      else list.push(e);
    }
  }

  private key(stype: number, ttype: number, tclass: number): number {
    return (stype * this.nt + ttype) * this.nc + tclass;
  }

  /** avtab_search on te_avtab, then the first te_cond_avtab node with AVTAB_ENABLED. */
  find(state: BoolState, kind: TypeRuleKindName, stype: number, ttype: number, tclass: number): TypeRuleEntry | undefined {
    const list = this.byKind.get(kind)?.get(this.key(stype, ttype, tclass));
    if (list === undefined) return undefined;
    for (const e of list) {
      if (e.cond === undefined || (state.conds[e.cond.node] === 1) === e.cond.branch) return e;
    }
    return undefined;
  }
}

/** Xen's policydb.role_tr searched as security_compute_sid searches it: by the source's role and
 *  the target's type only, whatever the record's class, the first record of the list (the
 *  binary's order) winning. copy_role_trans writes the rules last first, so for a compiled policy
 *  that is the last role_transition naming both; a binary read back keeps its records last first
 *  too (to-policy.ts), so one rule serves both. */
class RoleTransIndex {
  private readonly byKey = new Map<number, RoleTransitionSym>();
  private readonly nt: number;

  constructor(tables: PolicyTables) {
    this.nt = keyIds(tables);
    const rules = tables.sym.roleTransitions ?? [];
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      for (const r of rule.roles) {
        for (const t of rule.types) {
          const key = r * this.nt + t;
          if (!this.byKey.has(key)) this.byKey.set(key, rule);
        }
      }
    }
  }

  find(role: number, ttype: number): RoleTransitionSym | undefined {
    return this.byKey.get(role * this.nt + ttype);
  }
}

/** Xen's policydb.range_tr as mls_compute_sid searches it: by (source type, target type, class),
 *  the first rule giving the triple (expand_range_trans keeps the first; resolve refused another
 *  range for it). */
class RangeTransIndex {
  private readonly byKey = new Map<number, ResolvedRangeTransition>();
  private readonly nt: number;
  private readonly nc: number;

  constructor(tables: PolicyTables) {
    const sym = tables.sym;
    this.nt = keyIds(tables);
    this.nc = Math.max(1, sym.classes.length);
    for (const rule of sym.mls?.rangeTransitions ?? []) {
      const targets = expandTypeSet(rule.targets, sym);
      for (const s of expandTypeSet(rule.sources, sym)) {
        for (const t of targets) {
          for (const c of rule.classes) {
            const key = (s * this.nt + t) * this.nc + c;
            if (!this.byKey.has(key)) this.byKey.set(key, rule);
          }
        }
      }
    }
  }

  find(stype: number, ttype: number, tclass: number): ResolvedRangeTransition | undefined {
    return this.byKey.get((stype * this.nt + ttype) * this.nc + tclass);
  }
}

interface Indexes {
  types: TypeRuleIndex;
  roles?: RoleTransIndex;
  ranges?: RangeTransIndex;
}

// Built on first use: most policies are compiled, checked and matrixed without a labelling question.
// Keyed by the image's tables, which never change, so the index never goes stale.
const indexes = new WeakMap<PolicyTables, Indexes>();

function indexesOf(tables: PolicyTables): Indexes {
  let index = indexes.get(tables);
  if (index === undefined) indexes.set(tables, (index = { types: new TypeRuleIndex(tables) }));
  return index;
}

function roleIndex(tables: PolicyTables): RoleTransIndex {
  const index = indexesOf(tables);
  return (index.roles ??= new RoleTransIndex(tables));
}

function rangeIndex(tables: PolicyTables): RangeTransIndex {
  const index = indexesOf(tables);
  return (index.ranges ??= new RangeTransIndex(tables));
}

/** The default type of the enabled rule of `kind` for (stype, ttype, tclass), or -1. */
export function typeRuleDefault(state: BoolState, kind: TypeRuleKindName, stype: number, ttype: number, tclass: number): number {
  return indexesOf(state.tables).types.find(state, kind, stype, ttype, tclass)?.defaultType ?? -1;
}

/**
 * security_compute_sid() on contexts. User: the source's for a transition or change, the target's
 * for a member. Role and type: for class `domain` the source's role and type (Xen compares tclass
 * with SECCLASS_DOMAIN, which validate_classes pins to the policy's class named `domain`), for
 * every other class object_r and the target's type. A type rule, when one is enabled, replaces the
 * type. For a transition on class domain, a role_transition for (source role, target type) replaces
 * the role, whatever class the rule names (Xen's lookup compares no class). Then mls_compute_sid
 * sets the range, and policydb_context_isvalid() decides whether the policy accepts the context.
 */
export function computeSid(state: BoolState, kind: TypeRuleKindName, s: SecurityContext, t: SecurityContext, tclass: number): ComputedContext {
  const tables = state.tables;
  const user = kind === "type_member" ? t.user : s.user;
  const isDomain = tables.classEntries.get("domain")?.id === tclass;
  let role = isDomain ? s.role : OBJECT_R;
  let type = isDomain ? s.type : t.type;
  const rule = indexesOf(tables).types.find(state, kind, s.type, t.type, tclass);
  if (rule !== undefined) type = rule.defaultType;
  let roleRule: RuleRef | undefined;
  if (isDomain && kind === "type_transition" && tables.sym.roleTransitions !== undefined) {
    const rt = roleIndex(tables).find(s.role, t.type);
    if (rt !== undefined) {
      role = rt.newRole;
      roleRule = tables.ruleRef(rt.span);
    }
  }
  const mls = mlsComputeSid(tables, kind, s, t, tclass, isDomain);
  const context: SecurityContext = mls !== undefined ? { user, role, type, range: mls.range } : { user, role, type };
  return {
    context,
    valid: isValid(tables, context),
    ...(rule !== undefined ? { rule: tables.ruleRef(rule.span) } : {}),
    ...(roleRule !== undefined ? { roleRule } : {}),
    ...(mls?.rule !== undefined ? { rangeRule: mls.rule } : {}),
  };
}

/** Xen's mls_compute_sid (xen/xsm/flask/ss/mls.c): a transition takes the range of the
 *  range_transition for (source type, target type, class), if any; otherwise a domain keeps the
 *  source's whole range, anything else (and every member) gets the source's low level. */
function mlsComputeSid(tables: PolicyTables, kind: TypeRuleKindName, s: SecurityContext, t: SecurityContext, tclass: number, isDomain: boolean): { range: LevelRange; rule?: RuleRef } | undefined {
  if (tables.sym.mls === undefined || s.range === undefined) return undefined;
  if (kind === "type_transition") {
    const rt = rangeIndex(tables).find(s.type, t.type, tclass);
    if (rt !== undefined) return { range: rt.range, rule: tables.ruleRef(rt.span) };
  }
  if (kind !== "type_member" && isDomain) return { range: s.range };
  return { range: { low: s.range.low, high: s.range.low } };
}

/** policydb_context_isvalid(): the role holds the type and the user the role (object_r holds
 *  everything); in an MLS policy, mls_context_isvalid: a valid range within the user's. */
function isValid(tables: PolicyTables, c: SecurityContext): boolean {
  const sym = tables.sym;
  if (c.role !== OBJECT_R) {
    const role = sym.roles[c.role];
    const user = sym.users[c.user];
    if (role === undefined || user === undefined || !role.types.has(c.type) || !user.roles.has(c.role)) return false;
  }
  if (sym.mls === undefined || c.range === undefined) return true;
  if (!mlsRangeValid(sym.mls, c.range)) return false;
  const own = sym.users[c.user]?.range;
  return c.role === OBJECT_R || own === undefined || rangeContains(own, c.range);
}
