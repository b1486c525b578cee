// `xsm why`: per avc line, the cause audit2why gives (libselinux audit2why.c analyze over
// libsepol's sepol_compute_av_reason): the TE rules grant less than asked -> a boolean that, flipped
// alone, grants everything asked ("boolean"), else "dontaudit" when a dontaudit rule covers it, else
// "te-rule"; the TE rules grant it but a constraint removes it -> "constraint" (with libsepol's
// reason text); nothing removed -> "allowed" (the host runs another policy or other booleans).
// Our explanation names the rules, conditionals and constraints (file:line) behind the cause.
import { operandsOf, type ConstraintExpr } from "../policy/ast.js";
import { PolicyTables } from "../policy/image.js";
import { holds, roleDomOf } from "../policy/decide.js";
import type { AvTab } from "../policy/avtab.js";
import type { ResolvedConstraint } from "../policy/symbols.js";
import type { SecurityContext } from "../policy/types.js";
import type { AvcLine } from "./avcline.js";
import { hashRank } from "../policy/hashtab.js";
import { roleRanks, typeRanks } from "../policy/symtab-order.js";
import { sortedHas } from "../policy/typeset.js";
import { ruleText, spanLocation, type AnalysisPolicy } from "./load.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { locatedNear, nearJson, type NearJson } from "../policy/reasons.js";
import { isMlsExpr } from "./mls.js";

/** "role": audit2why's RBAC cause ("Missing role allow rule"): TE and the constraints grant it, but
 *  domain:transition goes between two roles that no `role allow` pairs (decide.ts's
 *  roleTransitionDenied; libsepol's process class is `domain` for the Xen target). */
export type Cause = "allowed" | "dontaudit" | "te-rule" | "boolean" | "constraint" | "role" | "invalid";

export interface Explanation {
  line: number;
  /** "invalid": the 1-based column of the offending token in the line. */
  column?: number;
  cause: Cause;
  /** "boolean": each boolean that alone would allow it, with the value needed (audit2why's order). */
  booleans?: Record<string, boolean>;
  /** "constraint": libsepol's reason text (what audit2why prints) and the constraints, file:line. */
  constraint?: string;
  constraints?: { at: string; text: string }[];
  /** "constraint": sepolgen's possible causes, e.g. ["user (vm_u)", "user (system_u)"]. */
  differences?: [string, string][];
  /** "invalid": why the line could not be analysed. */
  message?: string;
  scontext?: string;
  tcontext?: string;
  tclass?: string;
  perms?: string[];
  denied?: boolean;
  /** "role": the source and target roles that no `role allow` pairs. */
  roleDenied?: { role: string; newRole: string };
  /** The rules that grant (or, in a branch that is off, would grant) the permissions, file:line. */
  rules?: { at: string; text: string; enabled: boolean; condition?: string }[];
  /** "te-rule": the rules that come close to granting the permissions no rule grants, and the
   *  allow rule audit2allow proposes for them (CompiledPolicy.nearest). */
  nearest?: NearJson;
}

interface Decision {
  /** Requested bits TE does not allow. */
  teMissing: number;
  /** Requested bits TE allows and a constraint removes. */
  consMissing: number;
  failed: ResolvedConstraint[];
}

export class WhyAnalyzer {
  private readonly core: PolicyTables;
  /** Conditional node values under the default booleans. */
  private readonly defaultConds: Readonly<Uint8Array>;
  private readonly tables = new Map<string, AvTab>();
  /** Booleans in value order: sepol_bool_iterate walks them by value, values are hash order. */
  private readonly boolOrder: number[];
  private readonly cache = new Map<string, Explanation>();
  private typeRank?: Map<string, number>;
  private roleRank?: Map<string, number>;
  private userRank?: Map<string, number>;

  constructor(readonly ap: AnalysisPolicy) {
    this.core = new PolicyTables(ap.sym, ap.ex, ap.text);
    this.defaultConds = this.core.tableFor(this.core.defaults).conds;
    const rank = hashRank(ap.sym.bools.map((b) => b.name), 16);
    this.boolOrder = ap.sym.bools.map((b) => b.id).sort((a, b) => rank.get(ap.sym.bools[a]!.name)! - rank.get(ap.sym.bools[b]!.name)!);
  }

  private table(state: Uint8Array): AvTab {
    const key = Array.from(state).join("");
    let t = this.tables.get(key);
    if (!t) {
      // one table per boolean state asked about; a handful in practice (defaults, each flipped)
      if (this.tables.size > 64) this.tables.clear();
      t = this.core.tableFor(state).table;
      this.tables.set(key, t);
    }
    return t;
  }

  private entry(tab: AvTab, s: SecurityContext, t: SecurityContext, c: number): { allow: number; dontaudit: number } {
    const [allow, , dontaudit] = this.core.tam.masks(tab, s.type, t.type, c);
    return { allow, dontaudit };
  }

  /** context_struct_compute_av with its reasons; constraints in the class's list order. */
  private decide(state: Uint8Array, s: SecurityContext, t: SecurityContext, c: number, requested: number): Decision {
    let allowed = this.entry(this.table(state), s, t, c).allow;
    const teMissing = requested & ~allowed;
    const failed: ResolvedConstraint[] = [];
    for (const con of this.constraintList(c)) {
      if ((con.mask & allowed) !== 0 && !holds(con.expr, s, t, undefined, roleDomOf(this.ap.sym))) {
        allowed &= ~con.mask;
        failed.push(con);
      }
    }
    return { teMissing, consMissing: requested & ~teMissing & ~allowed, failed };
  }

  /** The requested bits libsepol's context_struct_compute_av removes for want of a role allow: its
   *  process_trans_dyntrans, `transition` and `dyntransition` of class `domain` (Xen's own check,
   *  decide.ts's roleTransitionDenied, removes `transition` only). */
  private roleDenied(s: SecurityContext, t: SecurityContext, c: number, requested: number): number {
    const domain = this.core.classEntries.get("domain");
    if (s.role === t.role || domain === undefined || domain.id !== c) return 0;
    const bits = requested & ((domain.perms.get("transition") ?? 0) | (domain.perms.get("dyntransition") ?? 0));
    return bits !== 0 && !this.core.roleAllowed(s.role, t.role) ? bits : 0;
  }

  /** policy_define.c define_constraint prepends each constraint to its class's list. */
  private constraintList(c: number): ResolvedConstraint[] {
    // a binary's tables hold each class's list as read (to-policy.ts): already that order
    const list = this.core.constraintsByClass[c] ?? [];
    return this.ap.version !== undefined ? [...list] : [...list].reverse();
  }

  explain(avc: AvcLine): Explanation {
    const key = `${avc.scontext} ${avc.tcontext} ${avc.tclass} ${avc.perms.join(" ")}`;
    const hit = this.cache.get(key);
    if (hit) return { ...hit, line: avc.line, denied: avc.denied };
    const e = this.analyze(avc);
    // an invalid line is not cached: its column is the line's own, and it fails early anyway
    if (e.cause === "invalid") return e;
    // the cache bounds its own size: a long log repeats a few distinct denials
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, e);
    return e;
  }

  private invalid(avc: AvcLine, column: number, message: string): Explanation {
    return { line: avc.line, column, cause: "invalid", message };
  }

  /** Xen logs a context whose type is an attribute after a reload converted a SID to it
   *  (convert_context); audit2why refuses the line too (libsepol's context_from_record). */
  private reloadHint(context: string): string {
    const type = context.split(":")[2];
    return type !== undefined && this.ap.sym.attrIds.has(type) ? `; Xen logs one after a policy reload turned the SID's type into this attribute, and audit2why cannot analyse the line either` : "";
  }

  private analyze(avc: AvcLine): Explanation {
    const sym = this.ap.sym;
    const policy = this.ap.policy;
    const s = policy.parseContext(avc.scontext);
    if (!s.ok) return this.invalid(avc, avc.cols.scontext, `scontext ${avc.scontext}: ${policy.explainContext(avc.scontext) ?? s.error}${this.reloadHint(avc.scontext)}`);
    const t = policy.parseContext(avc.tcontext);
    if (!t.ok) return this.invalid(avc, avc.cols.tcontext, `tcontext ${avc.tcontext}: ${policy.explainContext(avc.tcontext) ?? t.error}${this.reloadHint(avc.tcontext)}`);
    const c = sym.classIds.get(avc.tclass);
    if (c === undefined) {
      return this.invalid(avc, avc.cols.tclass, `unknown class '${avc.tclass}'${didYouMean(avc.tclass, sym.classIds.keys())}`);
    }
    const cls = sym.classes[c]!;
    let requested = 0;
    for (const [i, p] of avc.perms.entries()) {
      const bit = cls.permMask.get(p);
      if (bit === undefined) {
        return this.invalid(avc, avc.cols.perms[i]!, `class ${cls.name} has no permission '${p}'${didYouMean(p, cls.perms)}`);
      }
      requested |= bit;
    }
    const base: Explanation = { line: avc.line, cause: "allowed", scontext: avc.scontext, tcontext: avc.tcontext, tclass: avc.tclass, perms: avc.perms, denied: avc.denied };
    const state = Uint8Array.from(this.core.defaults);
    const d = this.decide(state, s.value, t.value, c, requested);
    base.rules = this.rules(s.value.type, t.value.type, c, requested);
    if (d.teMissing !== 0) {
      const booleans: Record<string, boolean> = {};
      for (const b of this.boolOrder) {
        const flipped = state.slice();
        flipped[b] = state[b] ? 0 : 1;
        const f = this.decide(flipped, s.value, t.value, c, requested);
        // libsepol's reason must be empty: a role-denied transition keeps it "te-rule"
        if (f.teMissing === 0 && f.consMissing === 0 && this.roleDenied(s.value, t.value, c, requested) === 0) booleans[sym.bools[b]!.name] = flipped[b] === 1;
      }
      if (Object.keys(booleans).length > 0) return { ...base, cause: "boolean", booleans };
      const { dontaudit } = this.entry(this.table(state), s.value, t.value, c);
      if ((requested & dontaudit) !== 0) return { ...base, cause: "dontaudit" };
      const near = policy.nearest(avc.scontext, avc.tcontext, avc.tclass, cls.perms.filter((_, bit) => (d.teMissing >>> bit) & 1));
      return { ...base, cause: "te-rule", ...(near ? { nearest: nearJson(this.ap.locate ? locatedNear(near, this.ap.locate) : near) } : {}) };
    }
    if (d.consMissing !== 0) {
      return {
        ...base,
        cause: "constraint",
        constraint: d.failed.map((con) => this.reasonText(con, s.value, t.value)).join(""),
        constraints: d.failed.map((con) => ({ at: spanLocation(this.ap, con.span), text: ruleText(this.ap.text, con.span) })),
        differences: differences(avc.scontext, avc.tcontext),
      };
    }
    if (this.roleDenied(s.value, t.value, c, requested) !== 0) {
      return { ...base, cause: "role", roleDenied: { role: sym.roles[s.value.role]!.name, newRole: sym.roles[t.value.role]!.name } };
    }
    return base;
  }

  /** Source rules that grant any requested permission for the pair, enabled or not. */
  private rules(stype: number, ttype: number, c: number, requested: number): Explanation["rules"] {
    const sym = this.ap.sym;
    const out: NonNullable<Explanation["rules"]> = [];
    for (const r of this.ap.ex.rules) {
      if (r.kind !== "allow") continue;
      const ci = r.classes.indexOf(c);
      if (ci < 0 || (r.masks[ci]! & requested) === 0) continue;
      if (!sortedHas(r.sources, stype)) continue;
      if (!(sortedHas(r.targets, ttype) || (r.self && stype === ttype))) continue;
      const enabled = !r.cond || (this.defaultConds[r.cond.node] === 1) === r.cond.branch;
      const rule: NonNullable<Explanation["rules"]>[number] = { at: spanLocation(this.ap, r.span), text: ruleText(this.ap.text, r.span), enabled };
      if (r.cond) {
        const node = sym.conds[r.cond.node]!;
        rule.condition = r.cond.branch ? node.text : `!(${node.text})`;
      }
      out.push(rule);
    }
    return out;
  }

  // ---- libsepol services.c constraint_expr_eval_reason's text

  private ranks(): { type: Map<string, number>; role: Map<string, number>; user: Map<string, number> } {
    const sym = this.ap.sym;
    this.typeRank ??= typeRanks(sym);
    // role attributes take slots and values among the roles (constraint names list by value)
    this.roleRank ??= roleRanks(sym);
    this.userRank ??= hashRank(sym.users.map((u) => u.name), 128);
    return { type: this.typeRank, role: this.roleRank, user: this.userRank };
  }

  private reasonText(con: ResolvedConstraint, s: SecurityContext, t: SecurityContext): string {
    const sym = this.ap.sym;
    const cls = sym.classes[con.classId]!;
    const perms = cls.perms.filter((_, bit) => (con.mask >>> bit) & 1).map((p) => ` ${p}`).join("");
    const expr = this.ap.constraintSources.get(con.span.offset);
    const body = expr ? this.exprText(expr, con, s, t) : "";
    // libsepol's get_class_info: mlsconstrain when any leaf compares levels, whichever keyword wrote it
    return `${isMlsExpr(con.expr) ? "mlsconstrain" : "constrain"} ${cls.name} {${perms} } (${body}); Constraint DENIED\n`;
  }

  /**
   * The infix text libsepol builds from the RPN: leaves "(x op y -Fail-) ", "a or b", "not(x)".
   * The written and the resolved expressions mirror each other node for node; both are walked
   * together with an explicit stack, since checkpolicy accepts operator chains of any length.
   */
  private exprText(root: ConstraintExpr, con: ResolvedConstraint, s: SecurityContext, t: SecurityContext): string {
    type Resolved = ResolvedConstraint["expr"];
    const frames: { e: ConstraintExpr; r: Resolved | undefined; parts: string[] }[] = [{ e: root, r: con.expr, parts: [] }];
    for (;;) {
      const top = frames[frames.length - 1]!;
      const operands = operandsOf(top.e);
      if (top.parts.length < operands.length) {
        const i = top.parts.length;
        const r = top.r;
        const next = r === undefined ? undefined : r.op === "not" ? r.arg : r.op === "and" || r.op === "or" ? (i === 0 ? r.left : r.right) : undefined;
        frames.push({ e: operands[i]!, r: next, parts: [] });
        continue;
      }
      frames.pop();
      const text = this.nodeText(top.e, top.r, top.parts, s, t);
      if (frames.length === 0) return text;
      frames[frames.length - 1]!.parts.push(text);
    }
  }

  private nodeText(e: ConstraintExpr, resolved: ResolvedConstraint["expr"] | undefined, parts: string[], s: SecurityContext, t: SecurityContext): string {
    switch (e.op) {
      case "not": {
        const b = parts[0]!;
        return b.startsWith("not") ? `not (${b})` : `not${b}`;
      }
      case "and":
      case "or":
        return `${parts[0]} ${e.op} ${parts[1]}`;
      case "cmp": {
        const ok = resolved ? holds(resolved, s, t, undefined, roleDomOf(this.ap.sym)) : true;
        // libsepol spells a level equality "eq" (its names and attributes "==")
        const op = e.cmp === "==" && LEVELS.has(e.left) ? "eq" : e.cmp;
        return `(${e.left} ${op} ${e.right}${ok ? "" : " -Fail-"}) `;
      }
      case "names": {
        const ok = resolved ? holds(resolved, s, t, undefined, roleDomOf(this.ap.sym)) : true;
        const kind = e.left[0];
        const ranks = this.ranks();
        const rank = kind === "t" ? ranks.type : kind === "r" ? ranks.role : ranks.user;
        // types print as written (type_names, policy version >= 29), primary names for aliases
        const names = [...new Set(e.names.include.map((i) => (kind === "t" ? this.primaryName(i.name) : i.name)))].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
        let out = `(${e.left} ${e.cmp}`;
        if (names.length === 0) out += "<empty_set> ";
        if (names.length > 1) out += " {";
        for (const n of names) out += ` ${n}`;
        if (names.length > 1) out += " }";
        return out + (ok ? ") " : " -Fail-) ");
      }
    }
  }

  private primaryName(name: string): string {
    const id = this.ap.sym.aliases.get(name);
    return id === undefined ? name : this.ap.sym.types[id]!.name;
  }
}

const LEVELS = new Set(["l1", "l2", "h1", "h2"]);

/** sepolgen audit.py: the parts of the two contexts that differ (role only when the target's is not
 *  object_r; the level, refpolicy.SecurityContext's text after the type, when either has one). */
function differences(scontext: string, tcontext: string): [string, string][] {
  const [su, sr, , ...sl] = scontext.split(":");
  const [tu, tr, , ...tl] = tcontext.split(":");
  const out: [string, string][] = [];
  if (su !== tu) out.push([`user (${su})`, `user (${tu})`]);
  if (sr !== tr && tr !== "object_r") out.push([`role (${sr})`, `role (${tr})`]);
  // sepolgen's level is None without one, printed as "None"
  const level = (l: string[]) => (l.length > 0 ? l.join(":") : "None");
  if (level(sl) !== level(tl)) out.push([`level (${level(sl)})`, `level (${level(tl)})`]);
  return out;
}

/** sepolicy.boolean_desc for a boolean no installed policy describes. */
export function booleanDescription(name: string): string {
  const [subject, ...rest] = name.split("_");
  return `Allow ${subject} to ${rest.join(" ")}`;
}

