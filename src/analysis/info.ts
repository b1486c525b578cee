// `xsm info`: seinfo's statistics block (the counts setools reports for the binary checkpolicy
// builds: avtab entries in their kernel form, conditional nodes, Xen ocontexts) and its component
// listings, each line as setools' statement() prints it, sorted as seinfo sorts them (as strings).
import { hashRank } from "../binary/hash.js";
import { declaredRoles } from "../policy/symbols.js";
import type { AnalysisPolicy } from "./load.js";
import { unknownName } from "./names.js";
import { pySorted } from "./search.js";
import type { TeKind } from "./terules.js";

export const COMPONENTS = ["types", "attributes", "classes", "booleans", "users", "roles", "initialsids", "pcidevicecon", "iomemcon", "ioportcon", "pirqcon", "devicetreecon"] as const;
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
  pcidevicecon: "--pcidevicecon",
  iomemcon: "--iomemcon",
  ioportcon: "--ioportcon",
  pirqcon: "--pirqcon",
  devicetreecon: "--devicetreecon",
};

/** seinfo prints components in this order, whatever the order of the options. */
const SEINFO_ORDER: Component[] = ["booleans", "classes", "initialsids", "roles", "types", "attributes", "users", "ioportcon", "iomemcon", "pcidevicecon", "pirqcon", "devicetreecon"];

export interface Statistics {
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
  return {
    classes: sym.classes.length,
    // setools counts each class's own permissions and each common's once, used or not
    permissions:
      sym.classes.reduce((n, c) => n + c.perms.length - (c.common ? (ap.commons.get(c.common)?.length ?? 0) : 0), 0) +
      [...ap.commons.values()].reduce((n, perms) => n + perms.length, 0),
    sensitivities: 0,
    categories: 0,
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
    typeTrans: count("type_transition"),
    typeChange: count("type_change"),
    typeMember: count("type_member"),
    rangeTrans: 0,
    roleAllow: ap.roleAllows.length,
    roleTrans: 0,
    constraints: sym.constraints.length,
    validatetrans: 0,
    mlsConstrain: 0,
    mlsValTran: 0,
    permissives: 0,
    polcap: 0,
    defaults: 0,
    typebounds: 0,
    initialSids: [...sym.initialSids.values()].filter((c) => c !== undefined).length,
    devicetreecon: o.devicetreecon.length,
    iomemcon: o.iomemcon.length,
    ioportcon: o.ioportcon.length,
    pcidevicecon: o.pcidevicecon.length,
    pirqcon: o.pirqcon.length,
  };
}

function row(l1: string, v1: number, l2: string, v2: number): string {
  return `  ${l1.padEnd(17)}${String(v1).padStart(7)}    ${l2.padEnd(17)}${String(v2).padStart(7)}\n`;
}

/** The statistics block exactly as seinfo prints it (`file` in place of the binary's path). */
export function renderStatistics(s: Statistics, file: string): string {
  return (
    `Statistics for policy file: ${file}\n` +
    "Policy Version:             30 (MLS disabled)\n" +
    "Target Policy:              xen\n" +
    "Handle unknown classes:     deny\n" +
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
    this.typeRank ??= hashRank([...sym.types.map((t) => t.name), ...sym.attrs.map((a) => a.name), ...sym.types.flatMap((t) => t.aliases)], 512);
    return this.typeRank;
  }

  items(c: Component, expand: boolean): { name: string; text: string }[] {
    const sym = this.ap.sym;
    switch (c) {
      case "types": {
        const attrsOf = new Map<number, string[]>();
        for (const a of sym.attrs) for (const t of a.members) attrsOf.set(t, [...(attrsOf.get(t) ?? []), a.name]);
        const rank = this.rank();
        return sym.types.map((t) => {
          if (!expand) return { name: t.name, text: t.name };
          const byValue = (names: string[]) => [...names].sort((a, b) => rank.get(a)! - rank.get(b)!);
          const aliases = byValue(t.aliases);
          let s = `type ${t.name}`;
          if (aliases.length) s += ` alias ${braced(aliases)}`;
          for (const a of byValue(attrsOf.get(t.id) ?? [])) s += `, ${a}`;
          return { name: t.name, text: `${s};` };
        });
      }
      case "attributes":
        return sym.attrs.map((a) => {
          if (!expand) return { name: a.name, text: a.name };
          const members = pySorted(Array.from(a.members, (t) => sym.types[t]!.name));
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
          return { name: cls.name, text: s.replace(/\n$/, "") };
        });
      case "booleans":
        return sym.bools.map((b) => ({ name: b.name, text: expand ? `bool ${b.name} ${b.value};` : b.name }));
      case "users":
        return sym.users.map((u) => ({
          name: u.name,
          text: expand ? `user ${u.name} roles ${braced(pySorted([...u.roles].map((r) => sym.roles[r]!.name)))};` : u.name,
        }));
      case "roles":
        return declaredRoles(sym).map((r) => {
          const types = pySorted([...r.types].map((t) => sym.types[t]!.name));
          return { name: r.name, text: expand ? `role ${r.name} types ${types.length ? braced(types) : "{  }"};` : r.name };
        });
      case "initialsids":
        return [...sym.initialSids].filter(([, ctx]) => ctx !== undefined).map(([name, ctx]) => ({ name, text: expand ? `sid ${name} ${ctx!.text}` : name }));
      case "pcidevicecon":
        return sym.ocontexts.pcidevicecon.map((o) => ({ name: String(o.device), text: `pcidevicecon ${o.device} ${o.context.text}` }));
      case "iomemcon":
        return sym.ocontexts.iomemcon.map((o) => ({ name: String(o.low), text: `iomemcon ${o.low === o.high ? o.low : `${o.low}-${o.high}`} ${o.context.text}` }));
      case "ioportcon":
        return sym.ocontexts.ioportcon.map((o) => ({ name: String(o.low), text: `ioportcon ${o.low === o.high ? o.low : `${o.low}-${o.high}`} ${o.context.text}` }));
      case "pirqcon":
        return sym.ocontexts.pirqcon.map((o) => ({ name: String(o.irq), text: `pirqcon ${o.irq} ${o.context.text}` }));
      case "devicetreecon":
        return sym.ocontexts.devicetreecon.map((o) => ({ name: o.path, text: `devicetreecon ${o.path} ${o.context.text}` }));
    }
  }
}

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
    const name = wanted.get(c);
    if (name !== undefined) {
      const hit = items.filter((i) => i.name === name || (c === "types" && ap.sym.typeIds.get(name) !== undefined && ap.sym.types[ap.sym.typeIds.get(name)!]!.name === i.name));
      if (hit.length === 0) throw unknownName(TITLES[c].toLowerCase().replace(/s$/, ""), name, items.map((i) => i.name), FLAGS[c]);
      items = hit;
    }
    return { component: c, title: TITLES[c], items: pySorted(items.map((i) => i.text)) };
  });
}

export function renderListings(list: Listing[]): string {
  return list.map((l) => `\n${l.title}: ${l.items.length}\n${l.items.map((i) => `   ${i}\n`).join("")}`).join("");
}

