// Statements that shape the kernel policy more than the decisions xsm makes: typebounds
// (define_typebounds), default_user/role/type/range (define_default_*) and role_transition
// (define_role_trans), each checked as policy_define.c checks it.
import type { DefaultRule, Ident, RoleTransition } from "../ast.js";
import { parentName, type ClassDefaults } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

/** define_typebounds_helper: both names are types (an alias stands for its primary); a type has one parent. */
export function typeBounds(st: ResolveState, parent: Ident, children: Ident[]): void {
  const sym = st.sym;
  const typeOf = (id: Ident): number | undefined => {
    const t = sym.typeIds.get(id.name);
    if (t === undefined) st.unknown(`type ${id.name} is not declared`, id.span, id.name, sym.typeIds.keys());
    return t;
  };
  for (const child of children) {
    const c = typeOf(child);
    const p = typeOf(parent);
    if (c === undefined || p === undefined) continue;
    const type = sym.types[c]!;
    // define_type gave a dotted type its parent already (checkpolicy 3.4: "inconsistent master")
    const dotted = parentName(type.name);
    const current = type.bounds ?? (dotted === undefined ? undefined : sym.typeIds.get(dotted));
    if (current === undefined || current === p) {
      if (type.bounds === undefined) {
        type.bounds = p;
        type.boundsSpan = child.span;
      }
    }
    else st.err("bounds", `type ${type.name} has inconsistent bounds ${sym.types[current]!.name}/${sym.types[p]!.name}${type.bounds === undefined ? ` (a dot in its name makes ${sym.types[current]!.name} its parent)` : ""}`, child.span);
  }
}

/** DEFAULT_SOURCE 1, DEFAULT_TARGET 2; ranges DEFAULT_SOURCE_LOW 1 .. DEFAULT_TARGET_LOW_HIGH 6, DEFAULT_GLBLUB 7. */
const DEFAULT_VALUES: Record<string, number> = {
  source: 1,
  target: 2,
  "source low": 1,
  "source high": 2,
  "source low-high": 3,
  "target low": 4,
  "target high": 5,
  "target low-high": 6,
  glblub: 7,
};

/** define_default_user/role/type/range: each class listed takes the value; a different value
 *  for a class already set is refused. */
export function defaultRule(st: ResolveState, names: Names, s: DefaultRule): void {
  const sym = st.sym;
  names.shape(s.classes, {});
  const which = DEFAULT_VALUES[s.value]!;
  for (const id of s.classes.include) {
    const c = sym.classIds.get(id.name);
    if (c === undefined) {
      st.unknown(`unknown class ${id.name}`, id.span, id.name, sym.classIds.keys());
      continue;
    }
    const cls = sym.classes[c]!;
    const defaults: ClassDefaults = (cls.defaults ??= { user: 0, role: 0, type: 0, range: 0 });
    if (defaults[s.field] !== 0 && defaults[s.field] !== which) {
      st.err("default-conflict", `conflicting default ${s.field} information for class ${id.name}`, id.span);
      continue;
    }
    defaults[s.field] = which;
  }
}

/** define_role_trans: roles and types expanded, the classes given (or `process`), a new role that
 *  is a regular role; one transition per (role, type, class). The parser's duplicate check sees
 *  role attributes as themselves (role_set_expand without a rolemap); the rule keeps them
 *  expanded into their roles, as copy_role_trans expands them (roleTransitionConflicts). */
export function roleTransition(st: ResolveState, names: Names, s: RoleTransition, seen: Map<string, number>): void {
  const sym = st.sym;
  names.shape(s.roles, {});
  const written = names.roleOrAttrSet(s.roles);
  names.shape(s.types, { exclude: true, star: true, complement: true });
  const types = expandTypeSet(names.typeSet(s.types, false), sym);
  let classes: number[];
  if (s.classes) classes = names.classSet(s.classes);
  else {
    const process = sym.classIds.get("process");
    if (process === undefined) {
      st.err("undeclared", "could not find process class for legacy role_transition statement (give the class: role_transition R T : CLASS R2;)", s.span);
      return;
    }
    classes = [process];
  }
  const newRole = sym.roleIds.get(s.newRole.name);
  if (newRole === undefined) {
    if (st.roleAttrIds.has(s.newRole.name)) st.err("undeclared", `the new role ${s.newRole.name} must be a regular role, not a role attribute`, s.newRole.span);
    else st.err("undeclared", `unknown role ${s.newRole.name} used in transition definition`, s.newRole.span);
    return;
  }
  const keys = [...[...written.roles].map((r) => ({ key: `r${r}`, name: sym.roles[r]!.name })), ...[...written.attrs].map((a) => ({ key: `a${a}`, name: sym.roleAttrs[a]!.name }))];
  for (const r of keys) {
    for (const t of types) {
      for (const c of classes) {
        const key = `${r.key} ${t} ${c}`;
        if (seen.has(key)) {
          st.err("role-transition-conflict", `duplicate role transition for (${r.name},${sym.types[t]!.name},${sym.classes[c]!.name})`, s.span);
          return;
        }
        seen.set(key, newRole);
      }
    }
  }
  const roles = new Set(written.roles);
  for (const a of written.attrs) for (const r of sym.roleAttrs[a]!.roles ?? []) roles.add(r);
  (sym.roleTransitions ??= []).push({ span: s.span, roles: [...roles].sort((a, b) => a - b), types, classes, newRole });
}

/** copy_role_trans: the rules, last first (the parser prepends them), each (role, type, class)
 *  taken once; a second rule for it with another new role is refused ("Conflicting role trans
 *  rule"), which only role attributes make possible once the parser's duplicate check passed. */
export function roleTransitionConflicts(st: ResolveState): void {
  const sym = st.sym;
  const chosen = new Map<string, number>();
  for (const rule of [...(sym.roleTransitions ?? [])].reverse()) {
    for (const r of rule.roles) {
      for (const t of rule.types) {
        for (const c of rule.classes) {
          const key = `${r} ${t} ${c}`;
          const before = chosen.get(key);
          if (before === undefined) chosen.set(key, rule.newRole);
          else if (before !== rule.newRole) {
            const name = (role: number) => sym.roles[role]!.name;
            st.err(
              "role-transition-conflict",
              `conflicting role transitions for (${name(r)},${sym.types[t]!.name},${sym.classes[c]!.name}): ${name(rule.newRole)} here, ${name(before)} in a later rule (role attributes expanded)`,
              rule.span,
            );
            return;
          }
        }
      }
    }
  }
}
