// `xsm info`: seinfo's statistics block (the counts setools reports for the binary checkpolicy
// builds: avtab entries in their kernel form, conditional nodes, Xen ocontexts) and its component
// listings, each line as setools' statement() prints it, sorted as seinfo sorts them (as strings).
import { typeRanks } from "../policy/symtab-order.js";
import { declaredRoles, parentName, typeParent, type TypeSym } from "../policy/symbols.js";
import { POLICY_CAPABILITIES } from "../policy/resolve/declarations.js";
import { filenameTransRecords } from "../policy/typeset.js";
import type { AnalysisPolicy } from "./load.js";
import { QueryError, unknownName } from "./names.js";
import { parseSbdf, sbdfKey } from "../xen/sbdf.js";
import { pySorted } from "./search.js";
import { byCodePoint } from "../policy/matrix.js";
import { listedMembers, type TeKind } from "./terules.js";
import type { ClassDefaults, ResolvedContext, Symbols } from "../policy/symbols.js";
import { setoolsConstraintText, setoolsValidatetransText } from "./constrainttext.js";
import { isMlsExpr, rangeTransRecords, setoolsContext, setoolsLevel, setoolsRange } from "./mls.js";

/** seinfo's SELinux ocontext listings: a Xen policy has none (its binary keeps Xen's in their
 *  places), so they are listed empty, by --all only, as seinfo --all lists them. */
const SELINUX_ONLY = ["fs_use", "genfscon", "ibendportcon", "ibpkeycon", "netifcon", "nodecon", "portcon"] as const;

export const COMPONENTS = ["types", "attributes", "classes", "booleans", "users", "roles", "initialsids", "sensitivities", "categories", "constraints", "validatetrans", "commons", "defaults", "permissives", "polcaps", "typebounds", "pcidevicecon", "iomemcon", "ioportcon", "pirqcon", "devicetreecon", ...SELINUX_ONLY] as const;
export type Component = (typeof COMPONENTS)[number];

/** seinfo's heading for each component. */
const TITLES: Record<Component, string> = {
  types: "Types",
  attributes: "Type Attributes",
  classes: "Classes",
  booleans: "Booleans",
  users: "Users",
  roles: "Roles",
  initialsids: "Initial SIDs",
  sensitivities: "Sensitivities",
  categories: "Categories",
  constraints: "Constraints",
  validatetrans: "Validatetrans",
  commons: "Commons",
  defaults: "Default rules",
  permissives: "Permissive Types",
  polcaps: "Polcap",
  typebounds: "Typebounds",
  fs_use: "Fs_use",
  genfscon: "Genfscon",
  ibendportcon: "Ibendportcon",
  ibpkeycon: "Ibpkeycon",
  netifcon: "Netifcon",
  nodecon: "Nodecon",
  portcon: "Portcon",
  pcidevicecon: "Pcidevicecon",
  iomemcon: "Iomemcon",
  ioportcon: "Ioportcon",
  pirqcon: "Pirqcon",
  devicetreecon: "Devicetreecon",
};

/** The option that asks for each component (errors name it). */
const FLAGS: Record<Component, string> = {
  types: "-t",
  attributes: "-a",
  classes: "-c",
  booleans: "-b",
  users: "-u",
  roles: "-r",
  initialsids: "--initialsid",
  sensitivities: "--sensitivity",
  categories: "--category",
  constraints: "--constrain",
  validatetrans: "--validatetrans",
  commons: "--common",
  defaults: "--default",
  permissives: "--permissive",
  polcaps: "--polcap",
  typebounds: "--typebounds",
  fs_use: "--all",
  genfscon: "--all",
  ibendportcon: "--all",
  ibpkeycon: "--all",
  netifcon: "--all",
  nodecon: "--all",
  portcon: "--all",
  pcidevicecon: "--pcidevicecon",
  iomemcon: "--iomemcon",
  ioportcon: "--ioportcon",
  pirqcon: "--pirqcon",
  devicetreecon: "--devicetreecon",
};

/** One item of each component, as an error names it ("unknown class 'x'"). */
const ITEM: Record<Component, string> = {
  types: "type",
  attributes: "type attribute",
  classes: "class",
  booleans: "boolean",
  users: "user",
  roles: "role",
  initialsids: "initial SID",
  sensitivities: "sensitivity",
  categories: "category",
  constraints: "class",
  validatetrans: "class",
  commons: "common",
  defaults: "class",
  permissives: "type",
  polcaps: "policy capability",
  typebounds: "type",
  fs_use: "fs_use",
  genfscon: "genfscon",
  ibendportcon: "ibendportcon",
  ibpkeycon: "ibpkeycon",
  netifcon: "netifcon",
  nodecon: "nodecon",
  portcon: "portcon",
  pcidevicecon: "pcidevicecon",
  iomemcon: "iomemcon",
  ioportcon: "ioportcon",
  pirqcon: "pirqcon",
  devicetreecon: "devicetreecon",
};

const NUMBER = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** The key of a numeric Xen ocontext as its items are named (decimal), from what a user types:
 *  a number in decimal or 0x hex, or for pcidevicecon a PCI address (SSSS:BB:DD.F or BB:DD.F, as
 *  Xen prints them) whose machine_bdf the label is keyed by. */
function ocontextKey(c: Component, text: string): string {
  const flag = FLAGS[c];
  if (c === "pcidevicecon" && text.includes(":")) {
    const p = parseSbdf(text);
    if (!p.ok) throw new QueryError(p.error, flag);
    return String(sbdfKey(p.value));
  }
  if (!NUMBER.test(text)) {
    const what = c === "pcidevicecon" ? "a PCI address (0000:03:00.0) or a machine_bdf number (0x300)" : c === "pirqcon" ? "an IRQ number" : "an address (a number, 0x hex or decimal)";
    throw new QueryError(`'${text}' is not ${what}`, flag);
  }
  const value = BigInt(text);
  const max = c === "iomemcon" ? 0xffffffffffffffffn : c === "ioportcon" || c === "pirqcon" ? 0xffffffffn : 0xffffffffn;
  if (value > max) throw new QueryError(`${text} does not fit in ${c === "iomemcon" ? 64 : 32} bits`, flag);
  return value.toString();
}

/** seinfo prints components in this order, whatever the order of the options. */
// (the Xen ocontexts last, where seinfo's --all means to print them on a Xen policy: 4.4.1 never
// does, comparing its platform enum with the string "xen")
export const SEINFO_ORDER: Component[] = ["booleans", "categories", "classes", "commons", "constraints", "defaults", "fs_use", "genfscon", "ibendportcon", "ibpkeycon", "initialsids", "netifcon", "nodecon", "permissives", "polcaps", "portcon", "roles", "sensitivities", "typebounds", "types", "attributes", "users", "validatetrans", "ioportcon", "iomemcon", "pcidevicecon", "pirqcon", "devicetreecon"];

export interface Statistics {
  /** An MLS policy (checkpolicy -M; setools: "MLS enabled"). */
  mls: boolean;
  version: number;
  handleUnknown: string;
  classes: number;
  permissions: number;
  sensitivities: number;
  categories: number;
  types: number;
  attributes: number;
  users: number;
  roles: number;
  booleans: number;
  condExprs: number;
  allow: number;
  neverallow: number;
  auditallow: number;
  dontaudit: number;
  typeTrans: number;
  typeChange: number;
  typeMember: number;
  rangeTrans: number;
  roleAllow: number;
  roleTrans: number;
  constraints: number;
  validatetrans: number;
  mlsConstrain: number;
  mlsValTran: number;
  permissives: number;
  polcap: number;
  defaults: number;
  typebounds: number;
  initialSids: number;
  devicetreecon: number;
  iomemcon: number;
  ioportcon: number;
  pcidevicecon: number;
  pirqcon: number;
}

export function statistics(ap: AnalysisPolicy): Statistics {
  const sym = ap.sym;
  const count = (kind: TeKind) => ap.terules.reduce((n, r) => (r.kind === kind ? n + 1 : n), 0);
  const o = sym.ocontexts;
  // setools counts a constraint that compares levels as an MLS one, whichever keyword wrote it
  const mlsConstraints = sym.constraints.filter((c) => isMlsExpr(c.expr)).length;
  const mlsValidatetrans = sym.validatetrans.filter((v) => isMlsExpr(v.expr)).length;
  return {
    mls: sym.mls !== undefined,
    version: ap.version ?? 30,
    handleUnknown: ap.handleUnknown ?? "deny",
    classes: sym.classes.length,
    // setools counts each class's own permissions and each common's once, used or not
    permissions:
      sym.classes.reduce((n, c) => n + c.perms.length - (c.common ? (ap.commons.get(c.common)?.length ?? 0) : 0), 0) +
      [...ap.commons.values()].reduce((n, perms) => n + perms.length, 0),
    sensitivities: sym.mls?.sens.length ?? 0,
    categories: sym.mls?.cats.length ?? 0,
    types: sym.types.length,
    attributes: sym.attrs.length,
    users: sym.users.length,
    roles: declaredRoles(sym).length,
    booleans: sym.bools.length,
    condExprs: sym.conds.length,
    allow: count("allow"),
    // a binary keeps no neverallow: seinfo counts none
    neverallow: 0,
    auditallow: count("auditallow"),
    dontaudit: count("dontaudit"),
    typeTrans: count("type_transition") + filenameTransCount(sym),
    typeChange: count("type_change"),
    typeMember: count("type_member"),
    rangeTrans: rangeTransRecords(sym).length,
    roleAllow: ap.roleAllows.length,
    roleTrans: roleTransRecords(sym),
    constraints: sym.constraints.length - mlsConstraints,
    validatetrans: sym.validatetrans.length - mlsValidatetrans,
    mlsConstrain: mlsConstraints,
    mlsValTran: mlsValidatetrans,
    permissives: sym.types.reduce((n, t) => (t.permissive ? n + 1 : n), 0),
    polcap: sym.policycaps.length,
    defaults: sym.classes.reduce((n, c) => n + defaultCount(c.defaults), 0),
    // a dotted name is bounded by its parent without a typebounds (hierarchy_add_bounds)
    // setools counts every non-attribute datum with bounds, and an alias of a dotted type is
    // bounded too (hierarchy_add_type_callback names an alias by its primary)
    typebounds: sym.types.reduce((n, t) => (typeParent(sym, t.id) !== undefined ? n + 1 : n) + (dottedParentType(sym, t.name) ? t.aliases.length : 0), 0),
    initialSids: [...sym.initialSids.values()].filter((c) => c !== undefined).length,
    devicetreecon: o.devicetreecon.length,
    iomemcon: o.iomemcon.length,
    ioportcon: o.ioportcon.length,
    pcidevicecon: o.pcidevicecon.length,
    pirqcon: o.pirqcon.length,
  };
}

/** The binary's role_tr records: one per (role, type, class) once sets are expanded, a triple
 *  written twice kept once (libsepol expand.c copy_role_trans). */
function roleTransRecords(sym: Symbols): number {
  const seen = new Set<string>();
  for (const rt of sym.roleTransitions ?? [])
    for (const r of rt.roles) for (const t of rt.types) for (const c of rt.classes) seen.add(`${r}:${t}:${c}`);
  return seen.size;
}

/** Filename type_transitions, one record per (source, target, class, name) as the binary keeps
 *  them (expand_filename_trans); setools counts them with the type_transition rules. */
function filenameTransCount(sym: Symbols): number {
  const seen = new Set<string>();
  for (const f of sym.filenameTransitions)
    for (const r of filenameTransRecords(f, sym)) seen.add(`${r.stype} ${r.ttype} ${r.tclass} ${f.filename}`);
  return seen.size;
}

/** The default_* settings a class keeps in a version 30 binary: default_range glblub (7) needs
 *  version 32, so checkpolicy writes it as unset and setools counts it not. */
function defaultCount(d: ClassDefaults | undefined): number {
  if (d === undefined) return 0;
  return (d.user ? 1 : 0) + (d.role ? 1 : 0) + (d.type ? 1 : 0) + (d.range && d.range !== 7 ? 1 : 0);
}

function row(l1: string, v1: number, l2: string, v2: number): string {
  return `  ${l1.padEnd(17)}${String(v1).padStart(7)}    ${l2.padEnd(17)}${String(v2).padStart(7)}\n`;
}

/** The statistics block exactly as seinfo prints it (`file` in place of the binary's path). */
export function renderStatistics(s: Statistics, file: string): string {
  return (
    `Statistics for policy file: ${file}\n` +
    `Policy Version:             ${s.version} (MLS ${s.mls ? "enabled" : "disabled"})\n` +
    "Target Policy:              xen\n" +
    `Handle unknown classes:     ${s.handleUnknown}\n` +
    row("Classes:", s.classes, "Permissions:", s.permissions) +
    row("Sensitivities:", s.sensitivities, "Categories:", s.categories) +
    row("Types:", s.types, "Attributes:", s.attributes) +
    row("Users:", s.users, "Roles:", s.roles) +
    row("Booleans:", s.booleans, "Cond. Expr.:", s.condExprs) +
    row("Allow:", s.allow, "Neverallow:", s.neverallow) +
    row("Auditallow:", s.auditallow, "Dontaudit:", s.dontaudit) +
    row("Type_trans:", s.typeTrans, "Type_change:", s.typeChange) +
    row("Type_member:", s.typeMember, "Range_trans:", s.rangeTrans) +
    row("Role allow:", s.roleAllow, "Role_trans:", s.roleTrans) +
    row("Constraints:", s.constraints, "Validatetrans:", s.validatetrans) +
    row("MLS Constrain:", s.mlsConstrain, "MLS Val. Tran:", s.mlsValTran) +
    row("Permissives:", s.permissives, "Polcap:", s.polcap) +
    row("Defaults:", s.defaults, "Typebounds:", s.typebounds) +
    row("Initial SIDs:", s.initialSids, "Devicetreecon:", s.devicetreecon) +
    row("Iomemcon:", s.iomemcon, "Ioportcon:", s.ioportcon) +
    row("Pcidevicecon:", s.pcidevicecon, "Pirqcon:", s.pirqcon)
  );
}

export interface Listing {
  component: Component;
  title: string;
  /** One entry per item, each what seinfo prints for it (with -x: its statement, maybe multi-line). */
  items: string[];
}

/** ` alias a`, ` alias { a b }` or nothing (setools' sensitivity and category statements). */
function aliasText(aliases: readonly string[]): string {
  const sorted = pySorted(aliases);
  return sorted.length === 0 ? "" : ` alias ${braced(sorted)}`;
}

/** `{ a b }`, one name bare, none `{  }` (setools' role and user statements). */
function braced(names: string[]): string {
  return names.length === 1 ? names[0]! : `{ ${names.join(" ")} }`;
}

class Lister {
  private typeRank?: Map<string, number>;
  constructor(private readonly ap: AnalysisPolicy) {}

  /** Type and attribute values in the binary (hash order), which setools lists attributes by. */
  private rank(): Map<string, number> {
    const sym = this.ap.sym;
    this.typeRank ??= typeRanks(sym);
    return this.typeRank;
  }

  /** Types as -t lists them; with -x `type T alias A, attr...;`, aliases and attributes in value order. */
  private typeItems(types: readonly TypeSym[], expand: boolean): { name: string; text: string }[] {
    const sym = this.ap.sym;
    if (!expand) return types.map((t) => ({ name: t.name, text: t.name }));
    const attrsOf = new Map<number, string[]>();
    sym.attrs.forEach((a, i) => {
      for (const t of listedMembers(sym, i)) attrsOf.set(t, [...(attrsOf.get(t) ?? []), a.name]);
    });
    const rank = this.rank();
    const byValue = (names: string[]) => [...names].sort((a, b) => rank.get(a)! - rank.get(b)!);
    return types.map((t) => {
      const aliases = byValue(t.aliases);
      let s = `type ${t.name}`;
      if (aliases.length) s += ` alias ${braced(aliases)}`;
      for (const a of byValue(attrsOf.get(t.id) ?? [])) s += `, ${a}`;
      return { name: t.name, text: `${s};` };
    });
  }

  /** A context as setools prints it: an MLS one's range as `low - high`. */
  private context(ctx: ResolvedContext): string {
    return setoolsContext(this.ap.sym, ctx);
  }

  items(c: Component, expand: boolean): { name: string; text: string }[] {
    const sym = this.ap.sym;
    switch (c) {
      case "types":
        return this.typeItems(sym.types, expand);
      case "permissives":
        // TypeQuery(permissive=True): a type's statement, as -t prints it
        return this.typeItems(sym.types.filter((t) => t.permissive), expand);
      case "commons":
        return [...this.ap.commons].map(([name, perms]) => ({ name, text: expand ? `common ${name}\n{\n${pySorted(perms).map((p) => `\t${p}\n`).join("")}}` : name }));
      case "defaults":
        return sym.classes.flatMap((cls) => defaultStatements(cls.name, cls.defaults).map((text) => ({ name: cls.name, text })));
      case "polcaps":
        return sym.policycaps.map((i) => POLICY_CAPABILITIES[i] ?? `cap${i}`).map((name) => ({ name, text: expand ? `policycap ${name};` : name }));
      case "typebounds":
        return sym.types.flatMap((t) => {
          const parent = typeParent(sym, t.id);
          if (parent === undefined) return [];
          const item = { name: t.name, text: `typebounds ${sym.types[parent]!.name} ${t.name};` };
          // an alias of a dotted type is a bounded datum too (see statistics), printed by its primary
          return Array(1 + (dottedParentType(sym, t.name) ? t.aliases.length : 0)).fill(item);
        });
      case "attributes":
        return sym.attrs.map((a, i) => {
          if (!expand) return { name: a.name, text: a.name };
          const members = pySorted(Array.from(listedMembers(sym, i), (t) => sym.types[t]!.name));
          return { name: a.name, text: `attribute ${a.name};\n\t${members.length ? members.join("\n\t") : "<empty attribute>"}` };
        });
      case "classes":
        return sym.classes.map((cls) => {
          if (!expand) return { name: cls.name, text: cls.name };
          const inherited = cls.common ? (this.ap.commons.get(cls.common)?.length ?? 0) : 0;
          const own = pySorted(cls.perms.slice(inherited));
          let s = `class ${cls.name}\n`;
          if (cls.common) s += `inherits ${cls.common}\n`;
          if (own.length) s += `{\n${own.map((p) => `\t${p}\n`).join("")}}`;
          // Class.statement ends "inherits C\n" (or "class C\n") when the class has no permission
          // of its own: setools prints that newline as a blank line
          return { name: cls.name, text: s };
        });
      case "booleans":
        return sym.bools.map((b) => ({ name: b.name, text: expand ? `bool ${b.name} ${b.value};` : b.name }));
      case "users":
        return sym.users.map((u) => {
          // an MLS policy's user statement ends with its default level and range
          const mls = sym.mls && u.level && u.range ? ` level ${setoolsLevel(sym.mls, u.level)} range ${setoolsRange(sym.mls, u.range)}` : "";
          return { name: u.name, text: expand ? `user ${u.name} roles ${braced(pySorted([...u.roles].map((r) => sym.roles[r]!.name)))}${mls};` : u.name };
        });
      case "roles":
        return declaredRoles(sym).map((r) => {
          const types = pySorted([...r.types].map((t) => sym.types[t]!.name));
          return { name: r.name, text: expand ? `role ${r.name} types ${types.length ? braced(types) : "{  }"};` : r.name };
        });
      case "initialsids":
        return [...sym.initialSids].filter(([, ctx]) => ctx !== undefined).map(([name, ctx]) => ({ name, text: expand ? `sid ${name} ${this.context(ctx!)}` : name }));
      case "sensitivities":
        return (sym.mls?.sens ?? []).map((s) => ({ name: s.name, text: expand ? `sensitivity ${s.name}${aliasText(s.aliases)};` : s.name }));
      case "categories":
        return (sym.mls?.cats ?? []).map((c) => ({ name: c.name, text: expand ? `category ${c.name}${aliasText(c.aliases)};` : c.name }));
      case "constraints":
        return sym.constraints.map((c) => ({ name: sym.classes[c.classId]!.name, text: setoolsConstraintText(c, sym, this.ap.constraintSources.get(c.span.offset)) }));
      case "validatetrans":
        return sym.validatetrans.map((v) => ({ name: sym.classes[v.classId]!.name, text: setoolsValidatetransText(v, sym, this.ap.constraintSources.get(v.span.offset)) }));
      case "pcidevicecon":
        return sym.ocontexts.pcidevicecon.map((o) => ({ name: String(o.device), text: `pcidevicecon ${o.device} ${this.context(o.context)}` }));
      case "iomemcon":
        return sym.ocontexts.iomemcon.map((o) => ({ name: String(o.low), text: `iomemcon ${o.low === o.high ? o.low : `${o.low}-${o.high}`} ${this.context(o.context)}` }));
      case "ioportcon":
        return sym.ocontexts.ioportcon.map((o) => ({ name: String(o.low), text: `ioportcon ${o.low === o.high ? o.low : `${o.low}-${o.high}`} ${this.context(o.context)}` }));
      case "pirqcon":
        return sym.ocontexts.pirqcon.map((o) => ({ name: String(o.irq), text: `pirqcon ${o.irq} ${this.context(o.context)}` }));
      case "fs_use":
      case "genfscon":
      case "ibendportcon":
      case "ibpkeycon":
      case "netifcon":
      case "nodecon":
      case "portcon":
        return [];
      case "devicetreecon":
        return sym.ocontexts.devicetreecon.map((o) => ({ name: o.path, text: `devicetreecon ${o.path} ${this.context(o.context)}` }));
    }
  }
}

/** Components setools sorts by their statement text (their str() is the statement). */
const BY_STATEMENT = new Set<Component>(["constraints", "validatetrans", "defaults", "typebounds", "pcidevicecon", "iomemcon", "ioportcon", "pirqcon", "devicetreecon"]);

export interface ListRequest {
  component: Component;
  /** Only this item (a name); unknown names are an error with the nearest known name. */
  name?: string;
}

export function listings(ap: AnalysisPolicy, requests: ListRequest[], expand: boolean): Listing[] {
  const lister = new Lister(ap);
  const wanted = new Map(requests.map((r) => [r.component, r.name]));
  return SEINFO_ORDER.filter((c) => wanted.has(c)).map((c) => {
    let items = lister.items(c, expand);
    const asked = wanted.get(c);
    const numeric = c === "pcidevicecon" || c === "iomemcon" || c === "ioportcon" || c === "pirqcon";
    const name = asked !== undefined && numeric ? ocontextKey(c, asked) : asked;
    if (name !== undefined && EMPTY_OK.has(c)) {
      // a name the policy knows that has nothing of this kind (a type not permissive, a class
      // without default_* rules): an empty listing, as seinfo prints it
      checkName(ap, c, name);
      items = items.filter((i) => i.name === name);
    } else if (name !== undefined) {
      const hit = items.filter((i) => i.name === name || (c === "types" && ap.sym.typeIds.get(name) !== undefined && ap.sym.types[ap.sym.typeIds.get(name)!]!.name === i.name));
      // a policy.conf read without -M has no levels: say so rather than "unknown sensitivity"
      if (hit.length === 0 && (c === "sensitivities" || c === "categories") && ap.sym.mls === undefined) {
        throw new QueryError(`the policy is not MLS, so it has no ${TITLES[c].toLowerCase()} (a policy.conf is read as MLS with -M, as checkpolicy -M; a binary says itself)`, FLAGS[c]);
      }
      // a class with no constraint is an empty listing, as seinfo prints it; only an unknown
      // class is an error ("not a valid class")
      const classQuery = c === "constraints" || c === "validatetrans";
      if (hit.length === 0 && classQuery && ap.sym.classIds.has(name!)) return { component: c, title: TITLES[c], items: [] };
      if (hit.length === 0 && classQuery) throw unknownName("class", name!, ap.sym.classes.map((k) => k.name), FLAGS[c]);
      if (hit.length === 0) throw numeric ? new QueryError(`no ${ITEM[c]} for ${asked}${asked !== name ? ` (${name})` : ""} in the policy`, FLAGS[c]) : unknownName(ITEM[c], name, items.map((i) => i.name), FLAGS[c]);
      items = hit;
    }
    // seinfo sorts what its query yields: a type, class, role... compares by its name (so `odd`
    // lists before `odd-two_t` whatever -x prints), a constraint or ocontext by its statement
    const byName = !BY_STATEMENT.has(c);
    const sorted = byName ? [...items].sort((x, y) => byCodePoint(x.name, y.name) || byCodePoint(x.text, y.text)).map((i) => i.text) : pySorted(items.map((i) => i.text));
    return { component: c, title: TITLES[c], items: sorted };
  });
}

/** seinfo's listings: each titled with its count, items indented; `flat` (seinfo --flat): the items
 *  alone, unindented. */
export function renderListings(list: Listing[], flat = false): string {
  if (flat) return list.map((l) => l.items.map((i) => `${i}\n`).join("")).join("");
  return list.map((l) => `\n${l.title}: ${l.items.length}\n${l.items.map((i) => `   ${i}\n`).join("")}`).join("");
}

/** Components whose name criterion may select nothing (seinfo's query matches a name it does not
 *  check): the name must still be one the policy declares, or it is an error. */
const EMPTY_OK = new Set<Component>(["defaults", "permissives", "polcaps", "typebounds"]);

/** An error unless `name` can name an item of `c`: a class for --default; a type's primary name
 *  for --permissive and --typebounds (setools compares names: an alias or attribute matches
 *  nothing, so it is refused with what to give instead); a capability libsepol knows for --polcap. */
function checkName(ap: AnalysisPolicy, c: Component, name: string): void {
  const sym = ap.sym;
  const flag = FLAGS[c];
  if (c === "defaults") {
    if (!sym.classIds.has(name)) throw unknownName("class", name, sym.classIds.keys(), flag);
    return;
  }
  if (c === "polcaps") {
    if (!POLICY_CAPABILITIES.includes(name)) throw unknownName("policy capability", name, POLICY_CAPABILITIES, flag);
    return;
  }
  const id = sym.typeIds.get(name);
  if (id !== undefined && sym.types[id]!.name === name) return;
  if (id !== undefined) throw new QueryError(`'${name}' is an alias of ${sym.types[id]!.name}; seinfo matches ${flag} against primary names (give ${sym.types[id]!.name})`, flag);
  if (sym.attrIds.has(name)) throw new QueryError(`'${name}' is a type attribute; ${flag} names a type`, flag);
  throw unknownName("type", name, sym.types.map((t) => t.name), flag);
}

/** A class's default_* rules as setools' Default.statement() prints them. default_range glblub
 *  needs version 32: a version 30 binary leaves it out, so it is not listed (see defaultCount). */
export function defaultStatements(cls: string, d: ClassDefaults | undefined): string[] {
  if (d === undefined) return [];
  const side = (v: number) => (v === 1 ? "source" : "target");
  const out: string[] = [];
  if (d.user) out.push(`default_user ${cls} ${side(d.user)};`);
  if (d.role) out.push(`default_role ${cls} ${side(d.role)};`);
  if (d.type) out.push(`default_type ${cls} ${side(d.type)};`);
  if (d.range && d.range !== 7) out.push(`default_range ${cls} ${d.range <= 3 ? "source" : "target"} ${["low", "high", "low_high"][(d.range - 1) % 3]};`);
  return out;
}

/** Whether a type's name gives it a parent type (a dot, and the part before it declared). */
function dottedParentType(sym: Symbols, name: string): boolean {
  const parent = parentName(name);
  return parent !== undefined && sym.typeIds.has(parent);
}
