// What checkpolicy writes but Xen's loader refuses (xen/xsm/flask/ss/policydb.c policydb_read and
// avtab.c avtab_read), said before Xen says it: a located warning naming the construct and the
// line Xen would log; `--strict` (or a loader, as the simulator's load_policy) makes it an error.
// Also what Xen loads but libsepol's tools cannot read (a role dominating a role attribute), a
// warning either way.
import type { PolicyAst, RoleDomDef } from "../policy/ast.js";
import type { Symbols } from "../policy/symbols.js";
import { emptyNodeConsequence } from "../policy/resolve/constraints.js";
import { hasUnconditionalEntry } from "./lower.js";
import { error, warning, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics/diagnostic.js";

/** Xen's log lines for the refusals a compile can foresee. */
export const XEN_REFUSALS = {
  commonPrefix: "Flask:  classes with common prefixes are not supported",
  emptyAvtab: "Flask: avtab: table is empty",
  filenameTrans: "Flask:  unsupported genfs config data",
} as const;

export const XEN_REFUSAL_CODES = ["xen-common-prefix", "xen-empty-avtab", "xen-filename-trans"] as const;

function refusal(strict: boolean, code: DiagnosticCode, message: string, span?: Span): Diagnostic {
  return strict ? error(code, message, span) : warning(code, message, span);
}

export function commonPrefixMessage(what: string): string {
  return `${what}: Xen's loader refuses the policy ("${XEN_REFUSALS.commonPrefix}", policydb.c class_read); list the permissions in the class instead`;
}

export function emptyAvtabMessage(): string {
  return `the policy has no unconditional allow, auditallow, dontaudit or type rule: Xen's loader refuses an empty rule table ("${XEN_REFUSALS.emptyAvtab}", avtab.c avtab_read)`;
}

export function filenameTransMessage(what: string): string {
  return `${what}: Xen's loader refuses filename type transitions ("${XEN_REFUSALS.filenameTrans}", policydb.c policydb_read)`;
}

/** Policy versions with a filename_trans section (POLICYDB_VERSION_FILENAME_TRANS). */
export const FILENAME_TRANS_VERSION = 25;

export function filenameTransDroppedMessage(what: string, plural: boolean, version: number): string {
  return `${what} ${plural ? "are" : "is"} left out of the version ${version} policy, as checkpolicy -c ${version} leaves filename transitions out ("Discarding filename type transition rules"; a binary holds them from version ${FILENAME_TRANS_VERSION}): Xen's loader, which refuses them, loads that policy`;
}

/** The constructs of a source policy Xen's loader would refuse, located (a binary's are reported
 *  by read.ts), for a binary of `version`: below 25 write.c leaves filename transitions out. */
export function xenRefusals(ast: PolicyAst, unconditionalRules: boolean, strict: boolean, version = 30): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of ast.statements) {
    if (s.kind === "av" && s.inherits) out.push(refusal(strict, "xen-common-prefix", commonPrefixMessage(`class ${s.className.name} inherits common ${s.inherits.name}`), s.inherits.span));
    if (s.kind === "typerule" && s.filename !== undefined) {
      const what = `type_transition with the filename "${s.filename}"`;
      if (version < FILENAME_TRANS_VERSION) out.push(warning("version-dropped", filenameTransDroppedMessage(what, false, version), s.span));
      else out.push(refusal(strict, "xen-filename-trans", filenameTransMessage(what), s.span));
    }
  }
  if (!unconditionalRules) out.push(refusal(strict, "xen-empty-avtab", emptyAvtabMessage(), ast.statements[0]?.span));
  return out;
}

/** A role attribute dominated in a role dominance statement whose value reaches a role's
 *  dominates (define_role_dom, dominate_role_recheck): the binary names a role value no record
 *  has. Xen's role_read takes the bitmap as it is (constraint_expr_eval then finds none of the
 *  attribute's roles in it); libsepol's validate_role_datum refuses it. A warning, strict or not:
 *  Xen loads the policy. Once per attribute, at its first dominated name. */
export function roleAttributeDominance(ast: PolicyAst, symbols: Symbols): Diagnostic[] {
  const attrs = new Map(symbols.roleAttrs.map((a, i) => [a.name, i]));
  if (attrs.size === 0) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  const visit = (d: RoleDomDef): void => {
    for (const inner of d.dominated) {
      const a = attrs.get(inner.name.name);
      if (a !== undefined && !seen.has(a)) {
        seen.add(a);
        const roles = symbols.roles.filter((r) => r.dominates?.has(-a - 1)).map((r) => r.name);
        if (roles.length > 0) out.push(warning("role-dominates-attribute", roleDominatesAttributeMessage(inner.name.name, roles), inner.name.span));
      }
      visit(inner);
    }
  };
  for (const s of ast.statements) if (s.kind === "role_dominance") s.roles.forEach(visit);
  return out;
}

export function roleDominatesAttributeMessage(attr: string, roles: readonly string[]): string {
  const list = roles.join(", ");
  return (
    `role attribute ${attr} is dominated here, so checkpolicy writes its value in the dominates of ${roles.length === 1 ? "role" : "roles"} ${list}, though role attributes are not in the binary: ` +
    `Xen loads it, and ${roles.length === 1 ? `${list} dominates` : "they dominate"} none of ${attr}'s roles there (only the types given to ${attr} itself are taken); ` +
    `libsepol refuses the binary ("validate_role_datum: Invalid role datum"), so checkpolicy -b, setools and audit2why cannot read it. Name ${attr}'s roles instead`
  );
}

/** A binary's constraint node with no permissions (read.ts): the same consequence as the source's
 *  constraint-class-twice, the one way checkpolicy writes such a node. */
export function emptyConstraintMessage(what: string): string {
  return `${what} has no permissions, as checkpolicy writes for a class named twice in one constrain: ${emptyNodeConsequence(true)}`;
}

const LIBSEPOL_REFUSES = `libsepol refuses it ("validate_constraint_nodes: Invalid constraint expr"), so checkpolicy -b, setools and audit2why cannot read it`;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A binary's constraint node with bits past its class's permissions (read.ts), which checkpolicy
 *  never writes. Xen's read_cons_helper takes the word as it is and context_struct_compute_av
 *  clears the node's bits from what is allowed when its expression fails: the class's own bits
 *  are constrained as written, the others name no permission, so no check asks for them. */
export function extraPermsConstraintMessage(what: string, permissions: number, nprim: number, named: readonly string[]): string {
  const xen = named.length === 0 ? "that node checks nothing: none of its bits names a permission, so no check asks for them" : `that node constrains ${named.join(" ")} as written; its other bits name no permission, so no check asks for them`;
  return `${what} has permissions ${hex(permissions)}, bits past the class's ${nprim} permission${nprim === 1 ? "" : "s"}, which checkpolicy never writes: Xen loads the binary (${xen}); ${LIBSEPOL_REFUSES}`;
}

/** A binary's validatetrans node with permissions (read.ts), which checkpolicy never writes (it
 *  writes 0). Xen's security_validate_transition evaluates every validatetrans of the class and
 *  never looks at the word (and no hook calls it: SecurityServer.validateTransition). */
export function validatetransPermsMessage(what: string, permissions: number): string {
  return `${what} has permissions ${hex(permissions)}, where checkpolicy writes none: Xen loads the binary and ignores them (security_validate_transition evaluates every validatetrans of the class, whatever its permissions); ${LIBSEPOL_REFUSES}`;
}

/** A binary's class or common with a permission count over 32 (read.ts), which checkpolicy never
 *  writes (perm-limit on the source). Xen's class_read and common_read take the count as written
 *  (the permissions' values are 1..32 still: an access vector is 32 bits), but for a class its
 *  hooks name, validate_classes computes `1 << (nprim - 1)`, undefined in C from 33 on: whether
 *  that Xen loads it is the compiler's choice, so the message does not promise it. libsepol's
 *  class_read and common_read refuse it. */
export function permLimitMessage(what: string, nprim: number): string {
  return `${what} has a permission count of ${nprim}, over the 32 an access vector holds, which checkpolicy never writes: Xen's policydb_read takes it as written (for a class Xen's hooks name, validate_classes then shifts by it, undefined in C past 32); libsepol refuses it (class_read and common_read allow at most 32, PERM_SYMTAB_SIZE), so checkpolicy -b, setools and audit2why cannot read it`;
}

/** xenRefusals of a compiled source policy, without writing its binary (the empty-avtab check
 *  looks at the rules: lower.ts hasUnconditionalEntry). For loaders, `xsm lint` and the editor. */
export function sourceRefusals(ast: PolicyAst, symbols: Symbols, strict: boolean): Diagnostic[] {
  return [...xenRefusals(ast, hasUnconditionalEntry(ast, symbols), strict), ...roleAttributeDominance(ast, symbols)];
}

/** What the warnings below say of libsepol: it refuses the binary, so its tools cannot read it. */
function libsepolRefuses(said: string | undefined): string {
  return `libsepol refuses it (${said === undefined ? 'its policydb_read fails; checkpolicy -b says only "error(s) encountered"' : `"${said}"`}), so checkpolicy -b, setools and audit2why cannot read it`;
}

const list = (values: readonly number[]): string => values.join(", ");
const plural = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

/** A binary's class default libsepol 3.4 does not know (read.ts classDefaults). */
export function classDefaultsMessage(what: string, value: number): string {
  const known = what.endsWith("default_range") ? "0 to 7 for default_range (7 is glblub)" : "0 to 2 for default_user, default_role and default_type (1 source, 2 target)";
  const held = (value << 24) >> 24;
  const byte = held !== value ? ` (libsepol keeps the word's low byte as a signed char: ${held})` : "";
  return `${what} is ${value}${byte}, which names no default (libsepol knows ${known}) and which checkpolicy never writes: Xen's class_read reads a class's defaults and ignores them (Xen labels no object by them), so it loads the binary; ${libsepolRefuses("validate_class_datum: Invalid class datum")}`;
}

/** A binary's config word with both handle_unknown bits (read.ts). */
export function handleUnknownMessage(config: number): string {
  return `the config word ${hex(config)} sets both handle_unknown bits, reject (0x2) and allow (0x4), which checkpolicy never writes (-U takes one): Xen's policydb_read reads the allow bit alone (allow_unknown), so it loads the binary and allows the classes and permissions the policy does not define; ${libsepolRefuses("validate_properties: Invalid policy property")}`;
}

/** A binary's permissive map with bits that name no type (read.ts unknownValues). */
export function permissiveMapMessage(values: readonly number[], ntypes: number): string {
  return `the permissive map sets ${plural(values.length, "bit")} ${list(values)}, which ${plural(values.length, "names", "name")} no type (a bit is a type's value, here 1 to ${ntypes}) and which checkpolicy never writes: Xen's policydb_read takes the map as written and asks it only about the type of a check's source context (context_struct_compute_av), so it loads the binary and ${plural(values.length, "that bit makes", "those bits make")} no domain permissive; ${libsepolRefuses("validate_permissives: Invalid permissive type")}`;
}

/** Where a binary names a role or type value no record has (binary-unknown-value, read.ts). */
export type UnknownValuePlace = "role-dominates" | "role-types" | "user-roles" | "role-allow" | "role-trans-role" | "role-trans-new-role" | "type-attr-map";

/** Xen's side of a role or type value no record has, by where the binary names it. */
const UNKNOWN_VALUE_XEN: Record<UnknownValuePlace, { xen: string; libsepol?: string }> = {
  "role-dominates": {
    xen: "Xen's role_read takes the bitmap as written, and a dom, domby or incomp constraint asks it only about a context's role, which has a record: the role dominates no role by those bits",
    libsepol: "validate_role_datum: Invalid role datum",
  },
  "role-types": { xen: "Xen's role_read takes the bitmap as written, and a context's validity asks it only about the context's type, which exists: the role is given no type by those bits" },
  "user-roles": {
    xen: "Xen's user_read takes the bitmap as written, and a context's validity asks it only about the context's role, which has a record: the user is given no role by those bits",
    libsepol: "validate_user_datum: Invalid user datum",
  },
  "role-allow": {
    xen: "Xen's policydb_read checks a role allow rule's roles against the number of roles only (policydb_role_isvalid), and no domain's role has that value: the rule allows no role change",
    libsepol: "validate_role_allows: Invalid role allow",
  },
  "role-trans-role": {
    xen: "Xen's policydb_read checks a role transition's roles against the number of roles only (policydb_role_isvalid), and no domain's role has that value: the rule applies to no transition",
    libsepol: "validate_role_transes: Invalid role trans",
  },
  "role-trans-new-role": {
    xen: "Xen's policydb_read checks a role transition's roles against the number of roles only (policydb_role_isvalid); a domain transition that takes the rule (security_compute_sid) gives the new context that role, whose record policydb_context_isvalid then reads through a NULL pointer",
    libsepol: "validate_role_transes: Invalid role trans",
  },
  "type-attr-map": { xen: "Xen's policydb_read takes the row as written, and context_struct_compute_av looks up the rules keyed by those values, which no rule is (avtab_read refuses a key past the types): they grant nothing" },
};

/** A binary's role or type value that no record has (read.ts unknownValues, the type_attr_map). */
export function unknownValueMessage(what: string, place: UnknownValuePlace, values: readonly number[], count: number): string {
  const kind = place === "role-types" || place === "type-attr-map" ? "type" : "role";
  const past = values.every((v) => v > count);
  const why = past ? `past the ${count} ${kind}s` : kind === "role" ? "which no role has (a role attribute keeps its value in the binary but no record)" : "which no type has";
  const { xen, libsepol } = UNKNOWN_VALUE_XEN[place];
  return `${what} ${plural(values.length, "names", "name")} ${kind} ${plural(values.length, "value")} ${list(values)}, ${why}, which checkpolicy never writes${place === "role-dominates" ? " but for a role dominating a role attribute (role-dominates-attribute)" : ""}: ${xen}, and it loads the binary; ${libsepolRefuses(libsepol)}`;
}
