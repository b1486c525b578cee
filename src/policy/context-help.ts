// Why a context text is not a context of the policy, in words a user can act on.
//
// parseContext (src/policy/decide.ts) answers in oracle-decide's words ("unknown role 'x'"), which
// `check --queries --json` must print byte for byte. A person typing `--scontext u:ATTR:t` needs
// more: what ATTR is in this policy (a type attribute, a user, a role attribute...) and why it
// cannot stand in that field. This module says that, from the same checks in the same order
// (security_context_to_sid: type, user, role, then the user's roles and the role's types).
import { OBJECT_R, type Symbols } from "./symbols.js";
import { didYouMean } from "../diagnostics/suggest.js";

type Field = "user" | "role" | "type";

/** What `name` is in the policy, as a noun phrase ("a type attribute"), or undefined. */
function kindOf(sym: Symbols, name: string): { kind: Field | "type attribute" | "role attribute" | "class" | "boolean"; phrase: string } | undefined {
  if (sym.typeIds.has(name)) return { kind: "type", phrase: sym.aliases.has(name) ? "a type alias" : "a type" };
  if (sym.attrIds.has(name)) return { kind: "type attribute", phrase: "a type attribute" };
  if (sym.roleIds.has(name)) return { kind: "role", phrase: "a role" };
  if (sym.roleAttrs.some((a) => a.name === name)) return { kind: "role attribute", phrase: "a role attribute (attribute_role)" };
  if (sym.userIds.has(name)) return { kind: "user", phrase: "a user" };
  if (sym.classIds.has(name)) return { kind: "class", phrase: "a class" };
  if (sym.boolIds.has(name)) return { kind: "boolean", phrase: "a boolean" };
  return undefined;
}

/** A few names of a list, then how many more. */
function some(names: string[], max = 4): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

const FIELD_PLACE: Record<Field, string> = { user: "first", role: "second", type: "third" };

function knownNames(sym: Symbols, field: Field): Iterable<string> {
  return field === "type" ? sym.typeIds.keys() : field === "user" ? sym.userIds.keys() : sym.roleIds.keys();
}

/** Why `name` cannot be the context's `field`: what it is instead, or a likely typo. */
function wrongName(sym: Symbols, name: string, field: Field): string {
  const kind = kindOf(sym, name);
  const shape = sym.mls ? "user:role:type:level" : "user:role:type";
  if (kind === undefined) {
    return `unknown ${field} '${name}'${didYouMean(name, knownNames(sym, field))}`;
  }
  if (field === "type" && kind.kind === "type attribute") {
    const members = Array.from(sym.attrs[sym.attrIds.get(name)!]!.members, (t) => sym.types[t]!.name);
    return `'${name}' is a type attribute, not a type: a context names one type, and an attribute names a set of them (${members.length ? `here ${some(members)}` : "here none"})`;
  }
  if (field === "role" && kind.kind === "role attribute") {
    return `'${name}' is a role attribute (attribute_role), not a role: a context names one role, and Xen's binary policy keeps no record of role attributes`;
  }
  const roles = sym.roles.filter((r) => sym.roleIds.get(r.name) === r.id).map((r) => r.name);
  const hint = field === "role" ? ` (the policy's roles: ${some(roles)})` : "";
  return `'${name}' is ${kind.phrase}, not a ${field}: the ${FIELD_PLACE[field]} field of a context (${shape}) is a ${field}${hint}`;
}

/**
 * The reason `text` is not a valid context of the policy, as a sentence; `oracleError` is what
 * parseContext said (used as is for the checks this module does not reword, e.g. MLS ranges).
 */
export function explainContext(sym: Symbols, text: string, oracleError: string): string {
  const parts = text.split(":");
  if (sym.mls ? parts.length < 4 : parts.length !== 3) {
    const shape = sym.mls ? "user:role:type:level" : "user:role:type";
    return `'${text}' is not a context: a context is ${shape}, and this has ${parts.length} field${parts.length === 1 ? "" : "s"}`;
  }
  const [user, role, type] = parts as [string, string, string];
  const t = sym.typeIds.get(type);
  if (t === undefined) return wrongName(sym, type, "type");
  const u = sym.userIds.get(user);
  if (u === undefined) return wrongName(sym, user, "user");
  const r = sym.roleIds.get(role);
  if (r === undefined) return wrongName(sym, role, "role");
  const userSym = sym.users[u]!;
  if (r !== OBJECT_R && !userSym.roles.has(r)) {
    const its = Array.from(userSym.roles, (id) => sym.roles[id]!.name);
    return `user ${user} may not take role ${role}: its roles are ${its.length ? some(its) : "none"}`;
  }
  if (r !== OBJECT_R && !sym.roles[r]!.types.has(t)) {
    return `role ${role} is not authorized for type ${sym.types[t]!.name}: its types do not include it ('role ${role} types ${sym.types[t]!.name};' would add it)`;
  }
  return oracleError;
}
