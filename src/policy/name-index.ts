// The names of a parsed policy and where each stands: one walk over the AST (walkNames), each name
// classified by where it stands (a rule's classes are classes, the names after them permissions, a
// context's parts user:role:type...) and whether it declares the name, as checkpolicy's first pass
// would. The language server keeps every occurrence (indexNames: rename, references, its outline);
// the studio page keeps the declarations and what their statements say (studio/page/symbols.ts).
// Positions are physical offsets into the text that was parsed. A large policy has over half a
// million occurrences, so indexNames keeps them column by column in typed arrays with interned
// names, not as an object each (the objects, and the garbage collection they caused, were most of
// the language server's time beyond the compile).
import type { Span } from "../diagnostics/diagnostic.js";
import { ScannedSet } from "./nodes.js";
import { foldTree, type Context, type CondExpr, type ConstraintExpr, type Ident, type MlsLevel, type MlsRange, type NameSet, type PolicyAst, type RoleDomDef, type Statement } from "./ast.js";

/** What a name is where it stands; "typeish" is a name in a type set (a type, an attribute or an
 *  alias, told apart only by the symbol tables). The index's `kind` column holds the position in
 *  NAME_KINDS. */
export const NAME_KINDS = ["type", "attribute", "alias", "typeish", "class", "common", "perm", "bool", "role", "user", "sid", "platform", "sensitivity", "category"] as const;
export type NameKind = (typeof NAME_KINDS)[number];
const KIND_ID = Object.fromEntries(NAME_KINDS.map((k, i) => [k, i])) as Record<NameKind, number>;

/** Every occurrence of every name, in the order the walk meets them: occurrence i is
 *  `names[name[i]]` at physical offset `offset[i]` (its length is the name's). */
export interface NameIndex {
  count: number;
  names: string[];
  name: Int32Array;
  kind: Uint8Array;
  /** 1 where the occurrence declares the name. */
  decl: Uint8Array;
  /** For a permission: the name index of the class (or common) it was declared in or used with, else -1. */
  owner: Int32Array;
  offset: Int32Array;
  /** For each declaring occurrence, what declares it (an outline's range): (occurrence, offset, end)
   *  triples, in index order, of its statement, or of its line in a `platform` block. */
  scopes: Int32Array;
}

/** Appends occurrences to growing typed columns. */
class Columns {
  count = 0;
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  name: Int32Array;
  kind: Uint8Array;
  decl: Uint8Array;
  owner: Int32Array;
  offset: Int32Array;
  private readonly scopes: number[] = [];

  constructor(capacity: number) {
    this.name = new Int32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.decl = new Uint8Array(capacity);
    this.owner = new Int32Array(capacity);
    this.offset = new Int32Array(capacity);
  }

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.names.push(s) - 1));
    return id;
  }

  push(name: string, kind: NameKind, offset: number, decl: boolean, owner: string | undefined, scope: Span | undefined): void {
    if (this.count === this.name.length) this.grow();
    const i = this.count++;
    if (scope) this.scopes.push(i, scope.offset, scope.offset + scope.length);
    this.name[i] = this.intern(name);
    this.kind[i] = KIND_ID[kind];
    this.decl[i] = decl ? 1 : 0;
    this.owner[i] = owner === undefined ? -1 : this.intern(owner);
    this.offset[i] = offset;
  }

  private grow(): void {
    const n = Math.max(16, this.name.length * 2);
    const more = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.name = more(this.name, (k) => new Int32Array(k));
    this.kind = more(this.kind, (k) => new Uint8Array(k));
    this.decl = more(this.decl, (k) => new Uint8Array(k));
    this.owner = more(this.owner, (k) => new Int32Array(k));
    this.offset = more(this.offset, (k) => new Int32Array(k));
  }

  /** The columns cut to their length (each owning its buffer, so they can be transferred). */
  done(): NameIndex {
    const n = this.count;
    return { count: n, names: this.names, name: this.name.slice(0, n), kind: this.kind.slice(0, n), decl: this.decl.slice(0, n), owner: this.owner.slice(0, n), offset: this.offset.slice(0, n), scopes: Int32Array.from(this.scopes) };
  }
}

function offsetOf(id: Ident): number {
  return (id as { offset?: number }).offset ?? id.span.offset;
}

/** Every occurrence of every name of a policy, kept as the language server reads them. */
export function indexNames(ast: PolicyAst): NameIndex {
  // about three names a statement in generated and hand-written policies alike
  const cols = new Columns(ast.statements.length * 4);
  walkNames(ast.statements, (name, kind, offset, decl, owner, statement, id) => cols.push(name, kind, offset, decl, owner, decl ? scopeOf(statement, id) : undefined));
  return cols.done();
}

/** What declares a name: its statement, or a platform member's own line (`hwdom dom0_t;`). */
function scopeOf(statement: Statement, id: Ident | undefined): Span {
  if (statement.kind === "platform") return statement.members.find((m) => m.type === id)?.span ?? statement.span;
  return statement.span;
}

/** One name where the walk meets it: `name` as `kind` at physical `offset`, `decl` where it
 *  declares the name, `owner` for a permission (the class or common it was declared in or used
 *  with), the statement it stands in (an `if`'s for its condition's booleans), and the AST's
 *  identifier for it: none for a name of a set the scanner kept as names (ScannedSet) and for the
 *  parts of a category range. */
export type NameVisitor = (name: string, kind: NameKind, offset: number, decl: boolean, owner: string | undefined, statement: Statement, id: Ident | undefined) => void;

/** Every name of `statements` (an `if`'s rules after its condition), in written order. */
export function walkNames(statements: readonly Statement[], visit: NameVisitor): void {
  let at: Statement;
  const add = (id: Ident, kind: NameKind, decl = false, owner?: string) => visit(id.name, kind, offsetOf(id), decl, owner, at, id);
  const declare = (id: Ident, kind: NameKind) => add(id, kind, true);
  const set = (ns: NameSet | undefined, kind: NameKind, owner?: string) => {
    if (!ns) return;
    if (ns instanceof ScannedSet) {
      // where the names are written, without making the set's Idents; include's, then exclude's
      const { offsets, minus } = ns.offsets();
      let k = 0;
      for (let i = 0; i < offsets.length; i++) {
        const name = minus[i] === 1 ? undefined : ns.names[k++]!;
        if (name !== undefined && name !== "self") visit(name, kind, offsets[i]!, false, owner, at, undefined);
      }
      k = 0;
      for (let i = 0; i < offsets.length; i++) if (minus[i] === 1) visit(ns.excludeNames[k++]!, kind, offsets[i]!, false, owner, at, undefined);
      return;
    }
    for (const id of ns.include) if (id.name !== "self") add(id, kind, false, owner);
    for (const id of ns.exclude) add(id, kind, false, owner);
  };
  // a level's categories: `c0.c3` is one token (policy_scan.l), two names (parse_categories)
  const level = (l: MlsLevel) => {
    add(l.sens, "sensitivity");
    for (const item of l.cats) {
      const offset = offsetOf(item);
      item.name.split(".").forEach((name, i, parts) => {
        const where = i === 0 ? offset : offset + parts.slice(0, i).join(".").length + 1;
        visit(name, "category", where, false, undefined, at, undefined);
      });
    }
  };
  const range = (r: MlsRange) => {
    level(r.low);
    if (r.high) level(r.high);
  };
  const context = (c: Context) => {
    add(c.user, "user");
    add(c.role, "role");
    add(c.type, "typeish");
    if (c.mls) range(c.mls);
  };
  // leaves in written order; foldTree's explicit stack, since chains may be any length
  const cond = (e: CondExpr): void =>
    foldTree<CondExpr, void>(e, (n) => {
      if (n.op === "bool") add(n.name, "bool");
    });
  const constraint = (e: ConstraintExpr): void =>
    foldTree<ConstraintExpr, void>(e, (n) => {
      if (n.op === "names") set(n.names, n.left[0] === "u" ? "user" : n.left[0] === "r" ? "role" : "typeish");
    });
  const firstClass = (ns: NameSet) => ns.include[0]?.name;
  // libsepol's policydb defines object_r itself (OBJECT_R): `role object_r;` names it as a second
  // `role` statement names a role declared before (checkpolicy 3.4 writes the same binary with it
  // or without it, `role object_r types T;` too), so no statement declares it
  const roles = new Set<string>(["object_r"]);
  // checkpolicy's first pass declares every role and role attribute (define_role_decl,
  // define_attrib_role): a role dominance declares only a name none of those declares
  const roleStatements = new Set<string>();
  for (const s of statements) if (s.kind === "role" || s.kind === "attribute_role") roleStatements.add(s.name.name);
  const roleName = (id: Ident): void => {
    if (roles.has(id.name) || roleStatements.has(id.name)) add(id, "role");
    else {
      roles.add(id.name);
      declare(id, "role");
    }
  };
  const dominance = (d: RoleDomDef): void => {
    roleName(d.name);
    d.dominated.forEach(dominance);
  };

  const statement = (s: Statement): void => {
    at = s;
    switch (s.kind) {
      case "class":
        declare(s.name, "class");
        break;
      case "sid_decl":
        declare(s.name, "sid");
        break;
      case "common":
        declare(s.name, "common");
        for (const p of s.perms) add(p, "perm", true, s.name.name);
        break;
      case "av":
        add(s.className, "class");
        if (s.inherits) add(s.inherits, "common");
        for (const p of s.perms) add(p, "perm", true, s.className.name);
        break;
      case "attribute":
        declare(s.name, "attribute");
        break;
      case "type":
        declare(s.name, "type");
        for (const a of s.aliases) declare(a, "alias");
        for (const a of s.attributes) add(a, "attribute");
        break;
      case "typealias":
        add(s.type, "typeish");
        for (const a of s.aliases) declare(a, "alias");
        break;
      case "typeattribute":
        add(s.type, "typeish");
        for (const a of s.attributes) add(a, "attribute");
        break;
      case "typebounds":
        // define_typebounds looks both up as types (an alias names its type)
        add(s.parent, "typeish");
        for (const c of s.children) add(c, "typeish");
        break;
      case "permissive":
        add(s.type, "typeish");
        break;
      case "expandattribute":
        set(s.names, "attribute");
        break;
      case "bool":
        declare(s.name, "bool");
        break;
      case "role":
        if (roles.has(s.name.name)) add(s.name, "role");
        else {
          roles.add(s.name.name);
          declare(s.name, "role");
        }
        set(s.types, "typeish");
        for (const a of s.attributes ?? []) add(a, "role");
        break;
      case "attribute_role":
        // roles and role attributes share one namespace (p_roles)
        if (roles.has(s.name.name)) add(s.name, "role");
        else {
          roles.add(s.name.name);
          declare(s.name, "role");
        }
        break;
      case "roleattribute":
        add(s.role, "role");
        for (const a of s.attributes) add(a, "role");
        break;
      case "role_dominance":
        s.roles.forEach(dominance);
        break;
      case "role_transition":
        set(s.roles, "role");
        set(s.types, "typeish");
        if (s.classes) set(s.classes, "class");
        add(s.newRole, "role");
        break;
      case "role_allow":
        set(s.sources, "role");
        set(s.targets, "role");
        break;
      case "user":
        declare(s.name, "user");
        set(s.roles, "role");
        if (s.mls) {
          level(s.mls.level);
          range(s.mls.range);
        }
        break;
      case "avrule":
      case "typerule":
        set(s.sources, "typeish");
        set(s.targets, "typeish");
        set(s.classes, "class");
        if (s.kind === "avrule") set(s.perms, "perm", firstClass(s.classes));
        else add(s.defaultType, "typeish");
        break;
      case "if":
        cond(s.expr);
        s.then.forEach(statement);
        s.else.forEach(statement);
        break;
      case "constrain":
        set(s.classes, "class");
        set(s.perms, "perm", firstClass(s.classes));
        constraint(s.expr);
        break;
      case "validatetrans":
        set(s.classes, "class");
        constraint(s.expr);
        break;
      case "sid_context":
        add(s.name, "sid");
        context(s.context);
        break;
      case "pirqcon":
      case "iomemcon":
      case "ioportcon":
      case "pcidevicecon":
      case "devicetreecon":
        context(s.context);
        break;
      case "platform":
        declare(s.name, "platform");
        if (s.parent) add(s.parent, "platform");
        for (const m of s.members) declare(m.type, "type");
        break;
      case "sensitivity":
      case "category":
        declare(s.name, s.kind);
        for (const a of s.aliases) declare(a, s.kind);
        break;
      case "dominance":
        for (const id of s.order) add(id, "sensitivity");
        break;
      case "level":
        level(s.level);
        break;
      case "range_transition":
        set(s.sources, "typeish");
        set(s.targets, "typeish");
        set(s.classes, "class");
        range(s.range);
        break;
    }
  };
  statements.forEach(statement);
}
