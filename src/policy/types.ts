// The contract of a compiled policy: what decisions, the XSM layer, the CLI and the library API
// are written against. compile.ts produces it; nothing downstream looks at the AST.
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import type { Result } from "../diagnostics/result.js";

/** An MLS level: the sensitivity's place in `dominance` (1 = lowest) and the category values - 1,
 *  ascending (Xen's struct mls_level). */
export interface MlsLevelValue {
  readonly sens: number;
  readonly cats: readonly number[];
}

/** A security context with interned ids (user, role, type); `type` is the primary type, never an
 *  alias. `range` is set in MLS policies (absent: the empty levels of a non-MLS context). */
export interface SecurityContext {
  readonly user: number;
  readonly role: number;
  /** A type id; or, for a context a reload converted to a name the policy declares as an
   *  attribute (convert_context looks names up among types and attributes alike), the
   *  attribute's key id: the number of types plus its index, as the avtab keys attributes. */
  readonly type: number;
  readonly range?: { readonly low: MlsLevelValue; readonly high: MlsLevelValue };
}

/** A context interned, or oracle-decide's words for why it is invalid. */
export type ContextResult = Result<SecurityContext, string>;

/** A context as the names its values stand for (Xen's p_*_val_to_name), primary names only:
 *  what a reload converts by (convert_context). */
export interface ContextNames {
  readonly user: string;
  readonly role: string;
  readonly type: string;
  readonly range?: { readonly low: LevelNames; readonly high: LevelNames };
}

export interface LevelNames {
  readonly sens: string;
  readonly cats: readonly string[];
}

/**
 * convert_context's answer under a new policy: `ok: false` when a name is not declared there (Xen
 * invalidates the SID whatever the mode); otherwise the context by the new values, with `invalid`
 * saying why the new policy does not accept the combination (policydb_context_isvalid fails: Xen
 * invalidates the SID when enforcing, keeps it with this context when permissive). `attribute`
 * names the type when this policy declares it as an attribute: Xen converts to it all the same.
 */
export type ContextConversion =
  | { readonly ok: false; readonly error: string }
  | { readonly ok: true; readonly value: SecurityContext; readonly invalid?: string; readonly attribute?: string };

/** Xen's struct av_decision: one bit per permission of the class, bit i = the class's i-th permission
 *  (common perms first, as libsepol numbers them). */
export interface AvDecision {
  allowed: number; // TE allow (booleans at current values) AND every constraint
  auditallow: number;
  auditdeny: number; // all ones minus dontaudit
  /** AVD_FLAGS_PERMISSIVE: the source type is declared `permissive` (Xen's services.c sets it
   *  from permissive_map; the AVC then logs a denial and lets it through). */
  permissive?: boolean;
}

/** Where a reason comes from: the rule's text as written and its (#line-mapped) location. */
export interface RuleRef {
  text: string;
  span: Span;
  /** A policy tree's rule that an m4 macro wrote: the call, as "in expansion of `m` at
   *  modules/x.te:5" (set where a report maps the span into the tree; the compiler never sets it). */
  expansion?: string;
}

export type Reason =
  | { kind: "granted-by"; rule: RuleRef } // an allow rule that grants the permission
  | { kind: "no-rule" } // no enabled allow rule grants it
  | { kind: "disabled-by-bool"; rule: RuleRef; condition: string } // would grant, but its branch is off
  | { kind: "constraint-failed"; rule: RuleRef } // TE allows, this constraint does not hold
  | { kind: "role-transition-denied"; role: string; newRole: string } // domain:transition, no role allow for the roles
  | { kind: "bounds-masked"; child: string; parent: string } // the bounded type's parent is not allowed it
  | { kind: "permissive"; type: string } // denied, but the source type is permissive: Xen's AVC lets it through
  | { kind: "auditallow"; rule: RuleRef }
  | { kind: "dontaudit"; rule: RuleRef }
  | { kind: "invalid"; message: string }; // unknown class/perm or invalid context

/** An allow rule close to granting a denied access (CompiledPolicy.nearest): one that names the
 *  pair and class but grants other permissions, or grants the permission to another target type
 *  (from another source type). */
export interface NearRule {
  rule: RuleRef;
  /** The class's permissions the rule grants, in bit order. */
  perms: string[];
  /** other-targets / other-sources: the types on the side that differs that the rule grants it
   *  for, closest to the asked type first (most attributes shared, then the policy's order). */
  types?: string[];
  /** A conditional rule: its branch's condition as it must hold, and whether it holds now. */
  condition?: string;
  enabled?: boolean;
}

/** The nearest few rules of one kind, and how many more there are. */
export interface NearGroup {
  rules: NearRule[];
  more: number;
}

/** What comes close to granting a denied access, and what would grant it: the data behind
 *  "no allow rule grants it". Computed only when a denial is explained. */
export interface NearMisses {
  /** Rules naming the source, target and class that grant none of the permissions asked. */
  otherPerms: NearGroup;
  /** Rules of the source type and class that grant a permission asked to other target types. */
  otherTargets: NearGroup;
  /** Rules of the target type and class that grant a permission asked from other source types. */
  otherSources: NearGroup;
  /** The allow rule audit2allow proposes for the denial (what `xsm allow` prints for it). */
  allow: string;
  /** Why checkpolicy would refuse the policy with that rule added: each neverallow it breaks and
   *  typebounds it exceeds (absent when none; then the rule is no fix). */
  refused?: Refusal[];
}

/** What would grant a denial: audit2allow's rule, and why checkpolicy would refuse it. */
export interface Proposal {
  allow: string;
  refused?: Refusal[];
}

/** A compile check a proposed allow rule fails: checkpolicy's error, and the statement behind it
 *  (the neverallow, or the child type's typebounds). */
export interface Refusal {
  code: "neverallow" | "bounds";
  message: string;
  rule: RuleRef;
}

/** The three kinds of type rule, as security_compute_sid's `specified` (AVTAB_TRANSITION, AVTAB_MEMBER, AVTAB_CHANGE). */
export type TypeRuleKindName = "type_transition" | "type_member" | "type_change";

/** security_compute_sid's answer: the new context, whether the policy accepts it
 *  (policydb_context_isvalid; Xen refuses an invalid one with -EACCES when enforcing), and the
 *  rules that chose its type, role and range, where one did. */
export interface ComputedContext {
  context: SecurityContext;
  valid: boolean;
  rule?: RuleRef;
  /** The role_transition that chose the role (class domain, type_transition only). */
  roleRule?: RuleRef;
  /** The range_transition that chose the range (MLS). */
  rangeRule?: RuleRef;
}

/** `check` / `explain` answer; the JSON form of allowed/audited (and `error`) equals oracle-decide's. */
export interface Decision {
  allowed: boolean;
  audited: boolean;
  error?: string;
  reasons: Reason[];
}

export interface PolicyStats {
  types: number;
  attributes: number;
  classes: number;
  perms: number;
  allow: number;
  rules: number;
  booleans: number;
  constraints: number;
  ocontexts: number;
}

export interface CompileOptions {
  /** Name used in diagnostics (before #line mapping). */
  file?: string;
  /** Extra warnings, e.g. unused declarations. */
  warnings?: boolean;
  /** An MLS policy (checkpolicy -M): sensitivities, categories, levels, ranges and MLS
   *  constraints are read and required; without it they are an error. */
  mls?: boolean;
  /** Bounds on the input, so any text compiles in bounded time and memory (defaults and meaning:
   *  parse.ts DEFAULT_LIMITS). */
  limits?: { bytes?: number; nameLength?: number; statements?: number };
}


/** An initial SID of a policy: its number, the name the policy declares there, its context text. */
export interface InitialSid {
  readonly sid: number;
  readonly name: string;
  readonly context: string;
}

/** An iomemcon or ioportcon entry: an inclusive range and its context text. Frames above 2^53
 *  (no machine has them) lose precision as numbers. */
export interface OcontextRange {
  readonly low: number;
  readonly high: number;
  readonly context: string;
}

/** What a policy answers whatever its booleans: names and ids, contexts, counts. */
export interface PolicyNames {
  readonly stats: PolicyStats;
  /** Compiled as MLS (checkpolicy -M; a binary's POLICYDB_CONFIG_MLS): contexts carry ranges. */
  readonly mls: boolean;
  /** Warnings the compile produced (errors throw). */
  readonly warnings: readonly Diagnostic[];

  // ---- names <-> ids (edges only) ----
  typeId(name: string): number; // primary type or alias -> id; -1 if unknown (attributes are not types)
  /** A type's primary name; for an attribute's key id (a context's type after a reload converted
   *  to an attribute, SecurityContext.type) the attribute's name. Throws RangeError past both. */
  typeName(id: number): string;
  classId(name: string): number; // -1 if unknown
  className(id: number): string;
  /** Mask of one permission of a class; 0 if unknown. */
  permMask(classId: number, perm: string): number;
  /** Permission names of a mask, in bit order (what Xen's avc_dump_av prints). */
  permNames(classId: number, mask: number): string[];

  // ---- contexts ----
  /** Validates as Xen's security_context_to_sid: known user/role/type, role authorized for the user,
   *  type authorized for the role; `object_r` is valid for every user and type. */
  parseContext(text: string): ContextResult;
  /** Why `text` is not a context of this policy, in words a person can act on (what a misplaced
   *  name is, the nearest known name); parseContext's error is oracle-decide's wording. */
  explainContext(text: string): string | undefined;
  contextToString(context: SecurityContext): string;
  /** The names of a context of this policy (a reload's old side). */
  contextNames(context: SecurityContext): ContextNames;
  /** A context of another policy, by its names, under this one (a reload's new side). */
  convertContext(names: ContextNames): ContextConversion;
  /** `sid NAME context` -> context text, e.g. initialSidContext("device"). */
  initialSidContext(name: string): string | undefined;
  /** The initial SIDs the policy gives a context, numbered as its binary numbers them (the place
   *  of `sid NAME` among the declarations; a binary's own numbers), in number order: what Xen's
   *  policydb_load_isids puts in its SID table. */
  initialSids(): readonly InitialSid[];
  /** pcidevicecon lookup; key = seg<<16 | bus<<8 | devfn. */
  pcideviceContext(device: number): string | undefined;
  /** pirqcon lookup (security_irq_sid): the context of a static IRQ, if one is given. */
  pirqContext(irq: number): string | undefined;
  /** iomemcon entries (page frames), sorted by address as Xen's policydb_read orders them. */
  iomemContexts(): readonly OcontextRange[];
  /** ioportcon entries, sorted by port as Xen's policydb_read orders them. */
  ioportContexts(): readonly OcontextRange[];

  /** Boolean names, in declaration order. */
  booleanNames(): string[];
  /** The canonical JSON document `oracle-matrix` prints (booleans at their defaults), as a string. */
  matrixJson(): string;
}

/**
 * The immutable compiled policy (Xen's policydb): symbols, the base access-vector table, the
 * conditional lists, constraints and contexts. It never changes; boolean values live in views.
 */
export interface PolicyImage extends PolicyNames {
  /** The view under the policy's own `bool NAME default;` values. */
  readonly defaults: CompiledPolicy;
  /** A view with these booleans and the rest at their defaults; throws PolicyError (unknown name,
   *  not a boolean) before building anything. Shares every table of the image. */
  withBooleans(values: Readonly<Record<string, boolean>>): CompiledPolicy;
}

/**
 * A view of a policy image under one assignment of booleans: what decisions run on. Immutable:
 * withBooleans() returns a new view (cheap: it shares the image) and leaves this one as it was.
 */
export interface CompiledPolicy extends PolicyNames {
  readonly image: PolicyImage;

  // ---- decisions ----
  /** TE decision on names or aliases, booleans at this view's values. The hot path. `undefined`
   *  (not `false`) when a name is unknown: a type, class or permission the policy does not declare
   *  (an attribute is not a type); `check`/`explain` say which. */
  allows(stype: string, ttype: string, tclass: string, perm: string): boolean | undefined;
  /** TE decision on ids: is every bit of `mask` allowed for (stype, ttype, tclass)? */
  allowsIds(stype: number, ttype: number, tclass: number, mask: number): boolean;
  /** Full decision on context strings: TE + constraints + audit, as oracle-decide answers. */
  check(scontext: string, tcontext: string, tclass: string, perm: string): Decision;
  /** `check` plus every reason: granting rules (file:line), rules disabled by booleans, failed constraint. */
  explain(scontext: string, tcontext: string, tclass: string, perm: string): Decision;
  /** `explain` on contexts a SID table holds, which need not parse (a permissive reload keeps
   *  contexts the policy refuses, a reload may leave an attribute as a context's type): what
   *  security_compute_av decides for them, with its reasons. */
  explainContexts(scontext: SecurityContext, tcontext: SecurityContext, tclass: string, perm: string): Decision;
  /** For an access no enabled allow rule grants (all of `perms` are denied by TE), the rules that
   *  come closest and the allow rule audit2allow would propose; undefined when the question is
   *  invalid or a rule grants one of the permissions. At most `limit` rules of each kind. */
  nearest(scontext: string, tcontext: string, tclass: string, perms: readonly string[], limit?: number): NearMisses | undefined;
  /** The allow rule audit2allow writes for a denial of `perms` (one rule for one source, target
   *  and class, its permissions together), and why checkpolicy would refuse the policy with it
   *  added (NearMisses.refused); undefined when the question is invalid. */
  proposal(scontext: string, tcontext: string, tclass: string, perms: readonly string[]): Proposal | undefined;
  /** Xen's security_compute_av on interned contexts. */
  computeAv(scontext: SecurityContext, tcontext: SecurityContext, tclass: number): AvDecision;
  /** The default type of the `kind` rule enabled in this view for (stype, ttype, tclass), or -1:
   *  security_compute_sid's avtab_search on te_avtab, then the enabled te_cond_avtab entries. */
  typeRuleDefault(kind: TypeRuleKindName, stype: number, ttype: number, tclass: number): number;
  /** Xen's security_transition_sid on interned contexts (compute_create): the context of an object
   *  of `tclass` that `scontext` creates with `tcontext`, e.g. a domain's `*_self` label
   *  (flask_domain_create) or an event channel's (flask_evtchn_unbound). For class `domain` the
   *  default is the source's role and type, for others object_r and the target's type. */
  computeCreate(scontext: SecurityContext, tcontext: SecurityContext, tclass: number): ComputedContext;
  /** The validatetrans / mlsvalidatetrans of `tclass` that refuses relabeling an object from
   *  `oldc` to `newc` by `task`, or undefined when all hold (Xen's security_validate_transition;
   *  no Xen hook calls it, see SecurityServer.validateTransition). */
  validateTransition(oldc: SecurityContext, newc: SecurityContext, task: SecurityContext, tclass: number): RuleRef | undefined;

  // ---- booleans ----
  getBoolean(name: string): boolean | undefined;
  /** Every boolean's value in this view. */
  booleans(): Record<string, boolean>;
  /** This view with some booleans changed; throws PolicyError (unknown name) before building anything. */
  withBooleans(values: Readonly<Record<string, boolean>>): CompiledPolicy;
}

/** A compiled policy is a view; the name says which half of the split a caller means. */
export type PolicyView = CompiledPolicy;

/**
 * A policy as a file holds it -> CompiledPolicy, throwing PolicyError with every diagnostic:
 * policy.conf text, or bytes (a binary policy, by its magic, or source). The XSM layer is handed
 * one (it depends on this contract, not on the compiler), as Xen's flask reads a policy through
 * the policydb loader it is linked with.
 */
export type PolicyCompiler = (input: string | Uint8Array, options: CompileOptions) => CompiledPolicy;

