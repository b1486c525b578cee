// The names of a parsed policy and where each is declared and used, for the language server:
// one walk over the AST, each name classified by where it stands (a rule's classes are classes, the
// names after them permissions, a context's parts user:role:type...). Positions are physical
// offsets into the text that was parsed.
import { foldTree, type Context, type CondExpr, type ConstraintExpr, type Ident, type MlsLevel, type MlsRange, type NameSet, type PolicyAst, type Statement } from "../policy/ast.js";

export type SymbolKind = "type" | "attribute" | "alias" | "typeish" | "class" | "common" | "perm" | "bool" | "role" | "user" | "sid" | "platform" | "sensitivity" | "category";

export interface Occurrence {
  name: string;
  kind: SymbolKind;
  offset: number;
  length: number;
  decl: boolean;
  /** For a permission: the class (or common) it was declared in or used with. */
  owner?: string;
}

export interface DeclaredStatement {
  kind: SymbolKind;
  name: string;
  offset: number;
  length: number;
  /** The whole statement, for document symbols. */
  start: number;
  end: number;
}

export interface SymbolIndex {
  occurrences: Occurrence[];
  /** kind:name -> occurrences (typeish uses are filed under type, attribute and alias). */
  byName: Map<string, Occurrence[]>;
  declarations: DeclaredStatement[];
}

function offsetOf(id: Ident): number {
  return (id as { offset?: number }).offset ?? id.span.offset;
}

export function indexSymbols(ast: PolicyAst): SymbolIndex {
  const occurrences: Occurrence[] = [];
  const declarations: DeclaredStatement[] = [];
  const add = (id: Ident, kind: SymbolKind, decl = false, owner?: string) => {
    occurrences.push({ name: id.name, kind, offset: offsetOf(id), length: id.name.length, decl, owner });
  };
  const declare = (s: Statement, id: Ident, kind: SymbolKind) => {
    add(id, kind, true);
    declarations.push({ kind, name: id.name, offset: offsetOf(id), length: id.name.length, start: s.span.offset, end: s.span.offset + s.span.length });
  };
  const set = (ns: NameSet | undefined, kind: SymbolKind, owner?: string) => {
    if (!ns) return;
    for (const id of ns.include) if (id.name !== "self") add(id, kind, false, owner);
    for (const id of ns.exclude) add(id, kind, false, owner);
  };
  // a level's categories: `c0.c3` is one token (policy_scan.l), two names (parse_categories)
  const level = (l: MlsLevel) => {
    add(l.sens, "sensitivity");
    for (const item of l.cats) {
      const offset = offsetOf(item);
      item.name.split(".").forEach((name, i, parts) => {
        const at = i === 0 ? offset : offset + parts.slice(0, i).join(".").length + 1;
        occurrences.push({ name, kind: "category", offset: at, length: name.length, decl: false });
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
  const roles = new Set<string>();

  const statement = (s: Statement): void => {
    switch (s.kind) {
      case "class":
        declare(s, s.name, "class");
        break;
      case "sid_decl":
        declare(s, s.name, "sid");
        break;
      case "common":
        declare(s, s.name, "common");
        for (const p of s.perms) add(p, "perm", true, s.name.name);
        break;
      case "av":
        add(s.className, "class");
        if (s.inherits) add(s.inherits, "common");
        for (const p of s.perms) add(p, "perm", true, s.className.name);
        break;
      case "attribute":
        declare(s, s.name, "attribute");
        break;
      case "type":
        declare(s, s.name, "type");
        for (const a of s.aliases) declare(s, a, "alias");
        for (const a of s.attributes) add(a, "attribute");
        break;
      case "typealias":
        add(s.type, "typeish");
        for (const a of s.aliases) declare(s, a, "alias");
        break;
      case "typeattribute":
        add(s.type, "typeish");
        for (const a of s.attributes) add(a, "attribute");
        break;
      case "bool":
        declare(s, s.name, "bool");
        break;
      case "role":
        if (roles.has(s.name.name)) add(s.name, "role");
        else {
          roles.add(s.name.name);
          declare(s, s.name, "role");
        }
        set(s.types, "typeish");
        break;
      case "role_allow":
        set(s.sources, "role");
        set(s.targets, "role");
        break;
      case "user":
        declare(s, s.name, "user");
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
        declare(s, s.name, "platform");
        if (s.parent) add(s.parent, "platform");
        for (const m of s.members) declare(s, m.type, "type");
        break;
      case "sensitivity":
      case "category":
        declare(s, s.name, s.kind);
        for (const a of s.aliases) declare(s, a, s.kind);
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
  ast.statements.forEach(statement);

  const byName = new Map<string, Occurrence[]>();
  const file = (key: string, o: Occurrence) => {
    let list = byName.get(key);
    if (!list) byName.set(key, (list = []));
    list.push(o);
  };
  for (const o of occurrences) {
    if (o.kind === "typeish") for (const k of ["type", "attribute", "alias"]) file(`${k}:${o.name}`, o);
    else file(`${o.kind}:${o.name}`, o);
  }
  return { occurrences, byName, declarations };
}

/** The occurrence at a physical offset, if a name is there. */
export function occurrenceAt(index: SymbolIndex, offset: number): Occurrence | undefined {
  const occ = index.occurrences;
  // occurrences are in source order except inside conditionals' nesting; a linear scan is cheap
  // next to a compile, and exact
  for (let i = 0; i < occ.length; i++) {
    const o = occ[i]!;
    if (offset >= o.offset && offset <= o.offset + o.length) return o;
  }
  return undefined;
}
