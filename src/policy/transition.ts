// The security server's labelling question (xen/xsm/flask/ss/services.c security_compute_sid, which
// security_transition_sid / security_member_sid / security_change_sid call; SELinux calls the first
// compute_create): the context of a new domain, event channel or other object, from the source and
// target contexts, the class, and the type_transition (type_member, type_change) rules enabled under
// the view's booleans. Flask's hooks ask it when a domain is created (the `*_self` type) and when an
// event channel is bound (the `*_channel` type).
import type { TypeRuleEntry } from "./expand.js";
import type { BoolState, PolicyTables } from "./image.js";
import { OBJECT_R } from "./symbols.js";
import type { ComputedContext, SecurityContext, TypeRuleKindName } from "./types.js";

/** The type rules of an image by (kind, stype, ttype, tclass): Xen's te_avtab and te_cond_avtab
 *  searched with AVTAB_TRANSITION / AVTAB_MEMBER / AVTAB_CHANGE keys. Unconditional entries first. */
class TypeRuleIndex {
  private readonly byKind = new Map<TypeRuleKindName, Map<number, TypeRuleEntry[]>>();
  private readonly nt: number;
  private readonly nc: number;

  constructor(tables: PolicyTables) {
    this.nt = tables.sym.types.length;
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

// Built on first use: most policies are compiled, checked and matrixed without a labelling question.
// Keyed by the image's tables, which never change, so the index never goes stale.
const indexes = new WeakMap<PolicyTables, TypeRuleIndex>();

function indexOf(tables: PolicyTables): TypeRuleIndex {
  let index = indexes.get(tables);
  if (index === undefined) indexes.set(tables, (index = new TypeRuleIndex(tables)));
  return index;
}

/** The default type of the enabled rule of `kind` for (stype, ttype, tclass), or -1. */
export function typeRuleDefault(state: BoolState, kind: TypeRuleKindName, stype: number, ttype: number, tclass: number): number {
  return indexOf(state.tables).find(state, kind, stype, ttype, tclass)?.defaultType ?? -1;
}

/**
 * security_compute_sid() on contexts. User: the source's for a transition or change, the target's
 * for a member. Role and type: for class `domain` the source's role and type (Xen compares tclass
 * with SECCLASS_DOMAIN, which validate_classes pins to the policy's class named `domain`), for
 * every other class object_r and the target's type. A type rule, when one is enabled, replaces the
 * type. Xen then looks for a role_transition on class domain; those rules are compiled and written
 * to the binary but not applied here yet, so a policy with role_transition rules for domains gets
 * the source's role. Last, policydb_context_isvalid(): the role must hold the type and the user the
 * role (object_r holds everything).
 */
export function computeSid(state: BoolState, kind: TypeRuleKindName, s: SecurityContext, t: SecurityContext, tclass: number): ComputedContext {
  const tables = state.tables;
  const user = kind === "type_member" ? t.user : s.user;
  const isDomain = tables.classEntries.get("domain")?.id === tclass;
  const role = isDomain ? s.role : OBJECT_R;
  let type = isDomain ? s.type : t.type;
  const rule = indexOf(tables).find(state, kind, s.type, t.type, tclass);
  if (rule !== undefined) type = rule.defaultType;
  const context = { user, role, type };
  return { context, valid: isValid(tables, context), ...(rule !== undefined ? { rule: tables.ruleRef(rule.span) } : {}) };
}

/** policydb_context_isvalid() without MLS. */
function isValid(tables: PolicyTables, c: SecurityContext): boolean {
  if (c.role === OBJECT_R) return true;
  const role = tables.sym.roles[c.role];
  const user = tables.sym.users[c.user];
  return role !== undefined && user !== undefined && role.types.has(c.type) && user.roles.has(c.role);
}
