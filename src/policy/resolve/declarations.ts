// Pass 1, declarations, as checkpolicy's first pass (policy_define.c define_class,
// define_common_perms, define_av_perms, define_type, define_attrib, define_typealias,
// define_bool, define_role): every name a later statement may use, with duplicates reported.
import type { AccessVectorDecl, Ident } from "../ast.js";
import { MAX_PERMS, type ResolveState } from "./state.js";

export function declarations(st: ResolveState): void {
  const commons = new Map<string, string[]>();
  const avDefined = new Set<string>();
  const sym = st.sym;
  for (const s of st.ast.statements) {
    switch (s.kind) {
      case "class":
        declareClass(st, s.name);
        break;
      case "sid_decl":
        if (sym.initialSids.has(s.name.name)) st.err("duplicate", `duplicate declaration of initial SID ${s.name.name}`, s.name.span);
        else sym.initialSids.set(s.name.name, undefined);
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
        declareType(st, s.name, s.aliases);
        break;
      case "bool":
        if (sym.boolIds.has(s.name.name)) st.err("duplicate", `duplicate declaration of boolean ${s.name.name}`, s.name.span);
        else {
          sym.boolIds.set(s.name.name, sym.bools.length);
          sym.bools.push({ id: sym.bools.length, name: s.name.name, value: s.value, span: s.name.span });
        }
        break;
      case "role":
        if (!s.types) st.plainRoles.add(s.name.name);
        if (!sym.roleIds.has(s.name.name)) {
          sym.roleIds.set(s.name.name, sym.roles.length);
          sym.roles.push({ id: sym.roles.length, name: s.name.name, types: new Set() });
        }
        break;
    }
  }
  // typealias statements may name types declared anywhere in the TE section.
  for (const s of st.ast.statements) if (s.kind === "typealias") addAliases(st, s.type, s.aliases);
}

// ---- classes and permissions

function declareClass(st: ResolveState, name: Ident): void {
  const sym = st.sym;
  if (sym.classIds.has(name.name)) {
    st.err("duplicate", `duplicate declaration of class ${name.name}`, name.span);
    return;
  }
  const id = sym.classes.length;
  sym.classIds.set(name.name, id);
  sym.classes.push({ id, name: name.name, span: name.span, perms: [], permMask: new Map(), allMask: 0 });
}

function declareCommon(st: ResolveState, commons: Map<string, string[]>, name: Ident, perms: Ident[]): void {
  if (commons.has(name.name)) {
    st.err("duplicate", `duplicate declaration for common ${name.name}`, name.span);
    return;
  }
  const list: string[] = [];
  const seen = new Set<string>();
  for (const p of perms) {
    if (seen.has(p.name)) st.err("duplicate", `duplicate permission ${p.name} in common ${name.name}`, p.span);
    else {
      seen.add(p.name);
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
    st.err("duplicate", `duplicate access vector definition for class ${s.className.name}`, s.className.span);
    return;
  }
  avDefined.add(s.className.name);
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
    if (i !== undefined && i < inherited) st.err("duplicate", `permission ${p.name} conflicts with an inherited permission`, p.span);
    else if (i !== undefined) st.err("duplicate", `duplicate permission ${p.name}`, p.span);
    else {
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

// ---- types, attributes, aliases

function nameTaken(st: ResolveState, name: string): boolean {
  return st.sym.typeIds.has(name) || st.sym.attrIds.has(name);
}

function declareAttribute(st: ResolveState, name: Ident): void {
  const sym = st.sym;
  if (nameTaken(st, name.name)) {
    st.err("duplicate", `duplicate declaration of attribute ${name.name}`, name.span);
    return;
  }
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
    st.err("duplicate", `duplicate declaration of type ${name.name}`, name.span);
    return;
  }
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
    if (!sym.typeIds.has(type.name)) st.err("undeclared", `unknown type ${type.name}`, type.span);
    else st.report("alias-of-alias", type.span, type.name);
    return;
  }
  for (const a of aliases) {
    if (nameTaken(st, a.name)) {
      st.err("duplicate", `duplicate declaration of alias ${a.name}`, a.span);
      continue;
    }
    sym.typeIds.set(a.name, id);
    sym.aliases.set(a.name, id);
    sym.types[id]!.aliases.push(a.name);
  }
}
