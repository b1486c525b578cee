// Pass 1, declarations, as checkpolicy's first pass (policy_define.c define_class,
// define_common_perms, define_av_perms, define_type, define_attrib, define_typealias,
// define_bool, define_role): every name a later statement may use, with duplicates reported.
import type { Diagnostic, Span } from "../../diagnostics/diagnostic.js";
import type { AccessVectorDecl, Ident } from "../ast.js";
import { FIRST_DECLARED, MAX_PERMS, type ResolveState } from "./state.js";

export function declarations(st: ResolveState): void {
  const commons = new Map<string, string[]>();
  const avDefined = new Set<string>();
  const sym = st.sym;
  const statements = st.ast.statements;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    switch (s.kind) {
      case "class":
        declareClass(st, s.name);
        break;
      case "sid_decl":
        if (sym.initialSids.has(s.name.name)) st.err("duplicate", `duplicate declaration of initial SID ${s.name.name}`, s.name.span, st.firstDeclared("sid", s.name.name));
        else {
          sym.initialSids.set(s.name.name, undefined);
          st.declared("sid", s.name.name, s.name.span);
        }
        break;
      case "common":
        declareCommon(st, commons, s.name, s.perms);
        break;
      case "av":
        defineAccessVector(st, commons, avDefined, s);
        break;
      case "attribute":
        declareAttribute(st, s.name);
        break;
      case "type":
        // define_type (pass 1): the type, its aliases, then each attribute, declared by now
        declareType(st, s.name, s.aliases);
        for (const a of s.attributes) addToAttribute(st, s.name, a);
        break;
      case "typealias":
        // define_typealias (pass 1): the type must be declared by now
        addAliases(st, s.type, s.aliases);
        break;
      case "typeattribute":
        // define_typeattribute (pass 1): the type and the attributes must be declared by now
        for (const a of s.attributes) if (!addToAttribute(st, s.type, a)) break;
        break;
      case "bool":
        if (s.name.name.includes(".")) st.err("name", `boolean identifiers may not contain periods (${s.name.name})`, s.name.span);
        else if (sym.boolIds.has(s.name.name) || sym.tunableIds.has(s.name.name)) st.err("duplicate", `duplicate declaration of boolean ${s.name.name}`, s.name.span, st.firstDeclared("bool", s.name.name));
        else declareBool(st, s.name, s.value, s.tunable === true);
        break;
      case "policycap":
        policycap(st, s.name);
        break;
      case "attribute_role":
        // define_attrib_role (pass 1): roles and role attributes share one namespace
        if (sym.roleIds.has(s.name.name) || st.roleAttrIds.has(s.name.name)) {
          st.err("duplicate", `duplicate declaration of role attribute ${s.name.name}`, s.name.span, st.firstDeclared("role", s.name.name));
        } else {
          st.declared("role", s.name.name, s.name.span);
          st.roleAttrIds.set(s.name.name, sym.roleAttrs.length);
          sym.roleAttrs.push({ name: s.name.name, span: s.name.span });
        }
        break;
      case "role":
        if (st.roleAttrIds.has(s.name.name)) {
          // role_type_def may give a role attribute types; role_attr_def declares a role
          if (!s.types) st.err("duplicate", `${s.name.name} is a role attribute, not a role`, s.name.span, roleAttributeNote(st, s.name.name));
          break;
        }
        // (a role declared again is no duplicate: checkpolicy merges its statements' types)
        st.declared("role", s.name.name, s.name.span);
        if (!s.types) st.plainRoles.add(s.name.name);
        if (!sym.roleIds.has(s.name.name)) {
          sym.roleIds.set(s.name.name, sym.roles.length);
          sym.roles.push({ id: sym.roles.length, name: s.name.name, types: new Set() });
        }
        // define_role_attr (pass 1): each attribute declared by now
        for (const a of s.attributes ?? []) joinRoleAttribute(st, { role: sym.roleIds.get(s.name.name)! }, a);
        break;
      case "roleattribute":
        roleAttribute(st, s.role, s.attributes);
        break;
    }
  }
}

/** define_bool_tunable: a boolean, or a tunable (booleans and tunables share one namespace). */
function declareBool(st: ResolveState, name: Ident, value: boolean, tunable: boolean): void {
  const sym = st.sym;
  st.declared("bool", name.name, name.span);
  if (tunable) {
    sym.tunableIds.set(name.name, sym.tunables.length);
    sym.tunables.push({ id: sym.tunables.length, name: name.name, value, span: name.span });
  } else {
    sym.boolIds.set(name.name, sym.bools.length);
    sym.bools.push({ id: sym.bools.length, name: name.name, value, span: name.span });
  }
}

/** define_roleattribute (pass 1): a role, or a role attribute ("we support adding one role
 *  attribute into another"), declared by now, joins each attribute, each declared by now. */
function roleAttribute(st: ResolveState, role: Ident, attrs: Ident[]): void {
  const r = st.plainRoles.has(role.name) ? st.sym.roleIds.get(role.name) : undefined;
  const a = st.roleAttrIds.get(role.name);
  if (r === undefined && a === undefined) {
    st.err("undeclared", `unknown role ${role.name} (declare it with 'role ${role.name};' or 'attribute_role ${role.name};' before this roleattribute statement, as checkpolicy requires)`, role.span);
    return;
  }
  for (const attr of attrs) if (!joinRoleAttribute(st, r !== undefined ? { role: r } : { attr: a! }, attr)) return;
}

/** Puts a role or role attribute into the role attribute `attr`; false (checkpolicy stops at the
 *  statement) when `attr` is not a role attribute declared by now. */
function joinRoleAttribute(st: ResolveState, member: { role: number } | { attr: number }, attr: Ident): boolean {
  const a = st.roleAttrIds.get(attr.name);
  if (a === undefined) {
    if (st.plainRoles.has(attr.name)) st.err("undeclared", `${attr.name} is a regular role, not an attribute`, attr.span);
    else st.err("undeclared", `role attribute ${attr.name} is not declared (declare it with 'attribute_role ${attr.name};' before this statement, as checkpolicy requires)`, attr.span);
    return false;
  }
  const sym = st.sym.roleAttrs[a]!;
  if ("role" in member) (sym.roles ??= new Set()).add(member.role);
  else (sym.attrs ??= new Set()).add(member.attr);
  return true;
}

/** libsepol polcaps.c polcap_names (3.4), in index order. */
export const POLICY_CAPABILITIES = [
  "network_peer_controls",
  "open_perms",
  "extended_socket_class",
  "always_check_network",
  "cgroup_seclabel",
  "nnp_nosuid_transition",
  "genfs_seclabel_symlinks",
  "ioctl_skip_cloexec",
];

/** define_polcap: a capability libsepol knows, kept by its index. */
function policycap(st: ResolveState, name: Ident): void {
  const index = POLICY_CAPABILITIES.indexOf(name.name);
  if (index === -1) {
    st.err("undeclared", `invalid policy capability name ${name.name} (libsepol knows ${POLICY_CAPABILITIES.join(", ")})`, name.span);
    return;
  }
  if (!st.sym.policycaps.includes(index)) st.sym.policycaps.push(index);
}

/** Adds a type to an attribute while declarations are read, so both must be declared by now;
 *  false when the type is not (checkpolicy stops at the statement). */
function addToAttribute(st: ResolveState, type: Ident, attr: Ident): boolean {
  const sym = st.sym;
  const tid = sym.typeIds.get(type.name);
  const aid = sym.attrIds.get(attr.name);
  if (tid === undefined) {
    if (sym.attrIds.has(type.name)) st.err("undeclared", `${type.name} is an attribute, not a type`, type.span);
    else st.err("undeclared", notYet(st, `unknown type ${type.name}`, type, "typeattribute"), type.span, laterNote(st, type));
    return false;
  }
  if (aid === undefined) {
    if (sym.typeIds.has(attr.name)) st.err("undeclared", `${attr.name} is a type, not an attribute`, attr.span);
    else st.err("undeclared", notYet(st, `unknown attribute ${attr.name}`, attr, "statement"), attr.span, laterNote(st, attr));
    return true;
  }
  (st.attrMembers[aid] ??= []).push(tid);
  return true;
}

const declaredAt = new WeakMap<ResolveState, Map<string, Span>>();

/** Where a type or attribute is declared, when that is after `name`'s use. */
function laterDeclaration(st: ResolveState, name: Ident): Span | undefined {
  let at = declaredAt.get(st);
  if (at === undefined) {
    at = new Map();
    for (const s of st.ast.statements) if ((s.kind === "type" || s.kind === "attribute") && !at.has(s.name.name)) at.set(s.name.name, s.name.span);
    declaredAt.set(st, at);
  }
  const span = at.get(name.name);
  return span !== undefined && span.offset > name.span.offset ? span : undefined;
}

/** The message, told that the name is declared later: checkpolicy reads types, attributes,
 *  aliases and typeattribute statements in one pass, in order, so a declaration must come first. */
function notYet(st: ResolveState, message: string, name: Ident, what: string): string {
  return laterDeclaration(st, name) === undefined ? message : `${message} (it is declared later; checkpolicy needs the declaration before this ${what})`;
}

function laterNote(st: ResolveState, name: Ident): Diagnostic["notes"] {
  const at = laterDeclaration(st, name);
  return at === undefined ? undefined : [{ message: `${name.name} is declared here`, span: at }];
}

// ---- classes and permissions

function declareClass(st: ResolveState, name: Ident): void {
  const sym = st.sym;
  if (sym.classIds.has(name.name)) {
    st.err("duplicate", `duplicate declaration of class ${name.name}`, name.span, [{ message: FIRST_DECLARED, span: sym.classes[sym.classIds.get(name.name)!]!.span }]);
    return;
  }
  const id = sym.classes.length;
  sym.classIds.set(name.name, id);
  sym.classes.push({ id, name: name.name, span: name.span, perms: [], permMask: new Map(), allMask: 0 });
}

function declareCommon(st: ResolveState, commons: Map<string, string[]>, name: Ident, perms: Ident[]): void {
  if (commons.has(name.name)) {
    st.err("duplicate", `duplicate declaration for common ${name.name}`, name.span, st.firstDeclared("common", name.name));
    return;
  }
  st.declared("common", name.name, name.span);
  const list: string[] = [];
  for (const p of perms) {
    if (st.declaredAt.has(`common ${name.name}\0${p.name}`)) st.err("duplicate", `duplicate permission ${p.name} in common ${name.name}`, p.span, st.firstDeclared(`common ${name.name}`, p.name));
    else {
      st.declared(`common ${name.name}`, p.name, p.span);
      list.push(p.name);
    }
  }
  if (list.length > MAX_PERMS) st.report("perm-limit", name.span, "common", name.name, list.length, MAX_PERMS);
  commons.set(name.name, list);
}

function defineAccessVector(st: ResolveState, commons: Map<string, string[]>, avDefined: Set<string>, s: AccessVectorDecl): void {
  const sym = st.sym;
  const id = sym.classIds.get(s.className.name);
  if (id === undefined) {
    st.err("undeclared", `class ${s.className.name} is not defined`, s.className.span);
    return;
  }
  if (avDefined.has(s.className.name)) {
    const first = st.declaredAt.get(`av\0${s.className.name}`);
    st.err("duplicate", `duplicate access vector definition for class ${s.className.name}`, s.className.span, first && [{ message: "first defined here", span: first }]);
    return;
  }
  avDefined.add(s.className.name);
  st.declared("av", s.className.name, s.className.span);
  const cls = sym.classes[id]!;
  const perms: string[] = [];
  if (s.inherits) {
    const common = commons.get(s.inherits.name);
    if (!common) st.err("undeclared", `common ${s.inherits.name} is not defined`, s.inherits.span);
    else {
      perms.push(...common);
      cls.common = s.inherits.name;
    }
  }
  const inherited = perms.length;
  const at = new Map(perms.map((p, i) => [p, i]));
  for (const p of s.perms) {
    const i = at.get(p.name);
    if (i !== undefined && i < inherited) st.err("duplicate", `permission ${p.name} conflicts with an inherited permission`, p.span, inheritedNote(st, s.inherits!.name, p.name));
    else if (i !== undefined) st.err("duplicate", `duplicate permission ${p.name}`, p.span, st.firstDeclared(`class ${cls.name}`, p.name));
    else {
      st.declared(`class ${cls.name}`, p.name, p.span);
      at.set(p.name, perms.length);
      perms.push(p.name);
    }
  }
  if (perms.length > MAX_PERMS) {
    st.report("perm-limit", s.className.span, "class", cls.name, perms.length, MAX_PERMS);
    perms.length = MAX_PERMS;
  }
  cls.perms = perms;
  perms.forEach((p, bit) => cls.permMask.set(p, (1 << bit) >>> 0));
  cls.allMask = perms.length === 32 ? 0xffffffff : ((1 << perms.length) - 1) >>> 0;
}

/** The note of a role statement naming a role attribute: where it was declared one. */
function roleAttributeNote(st: ResolveState, name: string): Diagnostic["notes"] {
  const at = st.declaredAt.get(`role\0${name}`);
  return at ? [{ message: `${name} is declared a role attribute here`, span: at }] : undefined;
}

/** The note of a class's permission its common already gives: the common's. */
function inheritedNote(st: ResolveState, common: string, perm: string): Diagnostic["notes"] {
  const at = st.declaredAt.get(`common ${common}\0${perm}`);
  return at ? [{ message: `inherited from common ${common}, declared here`, span: at }] : undefined;
}

// ---- types, attributes, aliases

function nameTaken(st: ResolveState, name: string): boolean {
  return st.sym.typeIds.has(name) || st.sym.attrIds.has(name);
}

function declareAttribute(st: ResolveState, name: Ident): void {
  const sym = st.sym;
  if (nameTaken(st, name.name)) {
    st.err("duplicate", `duplicate declaration of attribute ${name.name}`, name.span, st.firstDeclared("type", name.name));
    return;
  }
  st.declared("type", name.name, name.span);
  const id = sym.attrs.length;
  sym.attrIds.set(name.name, id);
  sym.attrs.push({ id, name: name.name, span: name.span, members: new Int32Array(0) });
}

function declareType(st: ResolveState, name: Ident, aliases: Ident[]): void {
  const sym = st.sym;
  if (name.name === "self") {
    st.report("reserved", name.span);
    return;
  }
  if (nameTaken(st, name.name)) {
    st.err("duplicate", `duplicate declaration of type ${name.name}`, name.span, st.firstDeclared("type", name.name));
    return;
  }
  st.declared("type", name.name, name.span);
  const id = sym.types.length;
  sym.typeIds.set(name.name, id);
  sym.types.push({ id, name: name.name, span: name.span, aliases: [] });
  addAliases(st, name, aliases);
}

function addAliases(st: ResolveState, type: Ident, aliases: Ident[]): void {
  const sym = st.sym;
  if (aliases.length === 0) return;
  const id = sym.typeIds.get(type.name);
  if (id === undefined || sym.aliases.has(type.name)) {
    if (!sym.typeIds.has(type.name)) st.err("undeclared", notYet(st, `unknown type ${type.name}`, type, "typealias"), type.span, laterNote(st, type));
    else st.report("alias-of-alias", type.span, type.name);
    return;
  }
  for (const a of aliases) {
    if (a.name.includes(".")) {
      st.err("name", `type alias identifiers may not contain periods (${a.name})`, a.span);
      continue;
    }
    if (nameTaken(st, a.name)) {
      st.err("duplicate", `duplicate declaration of alias ${a.name}`, a.span, st.firstDeclared("type", a.name));
      continue;
    }
    st.declared("type", a.name, a.span);
    sym.typeIds.set(a.name, id);
    sym.aliases.set(a.name, id);
    sym.types[id]!.aliases.push(a.name);
  }
}
