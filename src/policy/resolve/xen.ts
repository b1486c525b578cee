// The statements checkpolicy accepts for the Xen target beyond the common ones, in pass 2:
// permissive (define_permissive), expandattribute (expand_attrib), filename type transitions
// (define_filename_trans), conditionals over tunables (libsepol expand.c discard_tunables), and the
// parents that a dot in a type, role or user name implies.
import type { CondExpr, Conditional, Ident, NameSet, TypeRule } from "../ast.js";
import type { Span } from "../../diagnostics/diagnostic.js";
import { condProgram, evalCond } from "../cond.js";
import { parentName } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { Names } from "./names.js";
import { avRule, typeRule } from "./rules.js";
import type { ResolveState } from "./state.js";

/** define_permissive (pass 2): a declared type, not an attribute. */
export function permissive(st: ResolveState, name: Ident): void {
  const id = st.sym.typeIds.get(name.name);
  if (id === undefined) {
    st.err("undeclared", st.sym.attrIds.has(name.name) ? `attributes may not be permissive: ${name.name}` : `type is not defined: ${name.name}`, name.span);
    return;
  }
  st.sym.types[id]!.permissive = true;
}

/** expand_attrib (pass 2): declared attributes; set both ways, an attribute ends up false. */
export function expandAttribute(st: ResolveState, names: NameSet, value: boolean, span: Span): void {
  if (names.star || names.complement || names.exclude.length > 0) {
    st.err("set", "expandattribute takes attribute names, not '*', '~' or '-'", names.span);
    return;
  }
  const ids: number[] = [];
  for (const n of names.include) {
    const a = st.sym.attrIds.get(n.name);
    if (a === undefined) {
      st.err("undeclared", st.sym.typeIds.has(n.name) ? `${n.name} is a type, not an attribute` : `attribute ${n.name} is not declared`, n.span);
      return;
    }
    ids.push(a);
  }
  for (const a of ids) {
    const attr = st.sym.attrs[a]!;
    if (attr.expand !== undefined && attr.expand !== value) {
      st.warn("expandattribute", `expandattribute was set to both true and false for ${attr.name}; checkpolicy resolves it to false`, span);
      attr.expand = false;
    } else attr.expand = value;
  }
}

/** define_filename_trans (pass 2): like a type_transition (no `*` or `~`), its sets expanded, and
 *  no (source, target, class, name) twice. */
export function filenameTransition(st: ResolveState, names: Names, seen: Set<string>, r: TypeRule, filename: string): void {
  names.shape(r.sources, { exclude: true });
  names.shape(r.targets, { exclude: true });
  const sources = names.typeSet(r.sources, false);
  const targets = names.typeSet(r.targets, true);
  const classes = names.classSet(r.classes);
  const def = st.sym.typeIds.get(r.defaultType.name);
  if (def === undefined) {
    st.unknown(`unknown type ${r.defaultType.name} used in transition definition`, r.defaultType.span, r.defaultType.name, st.sym.typeIds.keys());
    return;
  }
  const ts = expandTypeSet({ ...targets, self: false }, st.sym);
  for (const c of classes) {
    for (const s of expandTypeSet(sources, st.sym)) {
      for (const t of targets.self ? [...ts, s] : ts) {
        const key = `${s},${t},${c},${filename}`;
        if (seen.has(key)) {
          const name = (id: number) => st.sym.types[id]!.name;
          st.err("duplicate", `duplicate filename transition for: filename_trans ${filename} ${name(s)} ${name(t)}:${st.sym.classes[c]!.name}`, r.span);
          return;
        }
        seen.add(key);
      }
    }
  }
  st.sym.filenameTransitions.push({ span: r.span, sources, targets, classes, defaultType: def, filename });
}

/** An `if` over tunables: checkpolicy evaluates it with the tunables' declared values and keeps
 *  the rules of the branch taken as unconditional rules, the other branch dropped. True when `c`
 *  reads a tunable (and was handled here). */
export function tunableConditional(st: ResolveState, names: Names, c: Conditional): boolean {
  if (st.sym.tunables.length === 0) return false;
  let tunable: Ident | undefined;
  let boolean: Ident | undefined;
  const stack: CondExpr[] = [c.expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.op === "bool") {
      if (st.sym.tunableIds.has(e.name.name)) tunable ??= e.name;
      else boolean ??= e.name;
    } else if (e.op === "not") stack.push(e.arg);
    else stack.push(e.left, e.right);
  }
  if (tunable === undefined) return false;
  if (boolean !== undefined) {
    // checkpolicy 3.4 aborts here (assertion `!(booleans && tunables)` in discard_tunables)
    st.err("tunable", `this conditional mixes the tunable ${tunable.name} with the boolean ${boolean.name}: checkpolicy cannot compile it`, c.expr.span, [
      { message: `${tunable.name} is a tunable`, span: tunable.span },
    ]);
    return true;
  }
  const compiled = condProgram(c.expr, (e) => {
    const t = st.sym.tunableIds.get(e.name.name);
    if (t === undefined) st.unknown(`unknown boolean ${e.name.name}`, e.name.span, e.name.name, st.sym.tunableIds.keys());
    return t;
  });
  if (!compiled) return true;
  const state = Uint8Array.from(st.sym.tunables, (t) => (t.value ? 1 : 0));
  const taken = evalCond(Int32Array.from(compiled.program), state) ? c.then : c.else;
  for (const r of taken) r.kind === "avrule" ? avRule(st, names, r) : typeRule(st, names, r);
  return true;
}

/** A dot in a type, role or user name makes the part before the last dot its parent (an implicit
 *  typebounds: define_type; libsepol hierarchy.c for roles and users), which must exist. (That
 *  a child never gets more than its parent is the check stage's, policy/bounds.ts.) */
export function implicitBounds(st: ResolveState): void {
  const sym = st.sym;
  const statements = st.ast.statements;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (s.kind !== "type") continue;
    const parent = parentName(s.name.name);
    if (parent !== undefined && !sym.typeIds.has(parent)) {
      st.err("undeclared", `unknown type ${parent}: a dot in type ${s.name.name} makes ${parent} its parent (an implicit typebounds), which must be a declared type`, s.name.span);
    }
  }
  // expand's hierarchy_add_bounds looks a parent up in the whole symbol table: a role's among
  // roles and role attributes, an attribute's among types, aliases and attributes
  const orphans = (what: "role" | "user" | "attribute" | "attribute_role", list: readonly { name: string; span?: Span }[], has: (n: string) => boolean) => {
    for (const { name, span } of list) {
      const parent = parentName(name);
      if (parent === undefined || has(parent)) continue;
      const at = span ?? st.ast.statements.find((s) => s.kind === what && s.name.name === name)?.span;
      st.err("undeclared", `${what === "attribute_role" ? "role" : what} ${parent} does not exist: a dot in ${what === "attribute_role" ? "role attribute" : what} ${name} makes ${parent} its parent (libsepol: '${name} is an orphan')`, at);
    }
  };
  const roleOrAttr = (n: string) => sym.roleIds.has(n) || st.roleAttrIds.has(n);
  orphans("role", sym.roles, roleOrAttr);
  orphans("attribute_role", sym.roleAttrs, roleOrAttr);
  orphans("user", sym.users, (n) => sym.userIds.has(n));
  orphans("attribute", sym.attrs, (n) => sym.typeIds.has(n) || sym.attrIds.has(n));
}
