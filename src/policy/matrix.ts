// The canonical matrix document, byte for byte what test/oracle/tools/oracle-matrix prints:
// Python's json.dumps(sort_keys=True, separators=(",", ":")) of the policy as setools sees it,
// booleans at their defaults. Written as a string builder: a medium policy's matrix is megabytes.
import { filenameTransRecords } from "./typeset.js";
import { AvKind, type AvTab } from "./avtab.js";
import type { PolicyTables } from "./image.js";
import { OBJECT_R, declaredRoles, type Symbols } from "./symbols.js";

/** A JSON string as Python's json.dumps writes it (ensure_ascii: every non-ASCII unit escaped). */
export function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Python's default string order: by code point (UTF-16 units agree below the surrogates). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function strList(items: string[]): string {
  return `[${items.map(pyJsonString).join(",")}]`;
}

function obj(entries: [string, string][]): string {
  entries.sort((a, b) => byCodePoint(a[0], b[0]));
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}:${v}`).join(",")}}`;
}

/** Rank of each id when its names are sorted. */
function ranks(names: string[]): Int32Array {
  const order = names.map((_, i) => i).sort((a, b) => byCodePoint(names[a]!, names[b]!));
  const rank = new Int32Array(names.length);
  order.forEach((id, r) => (rank[id] = r));
  return rank;
}

/** The permission names of a mask, sorted by name. */
function permsSorted(sym: Symbols, tclass: number, mask: number): string[] {
  const perms = sym.classes[tclass]!.perms;
  const out: string[] = [];
  for (let bit = 0; bit < perms.length; bit++) if ((mask >>> bit) & 1) out.push(perms[bit]!);
  return out.sort(byCodePoint);
}

/** One kind's entries of a table over type pairs (TypeAttrMap.expandToTypes). */
function avSection(core: PolicyTables, table: AvTab, kind: AvKind): string {
  const sym = core.sym;
  const nt = sym.types.length;
  const nc = Math.max(1, sym.classes.length);
  const typeRank = ranks(sym.types.map((t) => t.name));
  const classRank = ranks(sym.classes.map((c) => c.name));
  const masks = kind === AvKind.Allow ? table.allow : kind === AvKind.AuditAllow ? table.auditallow : table.dontaudit;
  const rows: { order: number; s: number; t: number; c: number; mask: number }[] = [];
  for (let i = 0; i < table.keys.length; i++) {
    const key = table.keys[i]!;
    const mask = masks[i]!;
    if (key < 0 || mask === 0) continue;
    const [s, t, c] = table.decode(key);
    rows.push({ order: (typeRank[s]! * nt + typeRank[t]!) * nc + classRank[c]!, s, t, c, mask });
  }
  rows.sort((a, b) => a.order - b.order);
  const out: string[] = [];
  let i = 0;
  while (i < rows.length) {
    const s = rows[i]!.s;
    const targets: string[] = [];
    while (i < rows.length && rows[i]!.s === s) {
      const t = rows[i]!.t;
      const classes: string[] = [];
      while (i < rows.length && rows[i]!.s === s && rows[i]!.t === t) {
        const r = rows[i++]!;
        classes.push(`${pyJsonString(sym.classes[r.c]!.name)}:${strList(permsSorted(sym, r.c, r.mask))}`);
      }
      targets.push(`${pyJsonString(sym.types[t]!.name)}:{${classes.join(",")}}`);
    }
    out.push(`${pyJsonString(sym.types[s]!.name)}:{${targets.join(",")}}`);
  }
  return `{${out.join(",")}}`;
}

function compareLists(a: (string | number | bigint)[], b: (string | number | bigint)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === "string") return byCodePoint(x, y as string);
    return (x as number) < (y as number) ? -1 : 1;
  }
  return a.length - b.length;
}

function tupleList(rows: (string | number | bigint)[][]): string {
  rows.sort(compareLists);
  return `[${rows.map((r) => `[${r.map((v) => (typeof v === "string" ? pyJsonString(v) : v.toString())).join(",")}]`).join(",")}]`;
}

export function matrixJson(core: PolicyTables): string {
  const sym = core.sym;
  const { table: keyed, conds: condState } = core.tableFor(core.defaults);
  // setools lists type pairs: each attribute key's masks go to every pair of its members
  const table = core.tam.expandToTypes(keyed);
  const typeName = (id: number) => sym.types[id]!.name;

  const typeRules = new Map<string, Set<string>>([
    ["type_transition", new Set()],
    ["type_change", new Set()],
    ["type_member", new Set()],
  ]);
  const typeRows = new Map<string, string[][]>([
    ["type_transition", []],
    ["type_change", []],
    ["type_member", []],
  ]);
  for (const e of core.ex.typeRules) {
    if (e.cond && (condState[e.cond.node] === 1) !== e.cond.branch) continue;
    const row = [typeName(e.stype), typeName(e.ttype), sym.classes[e.tclass]!.name, typeName(e.defaultType)];
    const key = row.join(" ");
    if (typeRules.get(e.kind)!.has(key)) continue;
    typeRules.get(e.kind)!.add(key);
    typeRows.get(e.kind)!.push(row);
  }
  // setools lists filename transitions among the type_transition rules (without their names)
  for (const f of sym.filenameTransitions) {
    for (const r of filenameTransRecords(f, sym)) {
      const row = [typeName(r.stype), typeName(r.ttype), sym.classes[r.tclass]!.name, typeName(f.defaultType)];
      const key = row.join(" ");
      if (typeRules.get("type_transition")!.has(key)) continue;
      typeRules.get("type_transition")!.add(key);
      typeRows.get("type_transition")!.push(row);
    }
  }

  const o = sym.ocontexts;
  const ocontexts = obj([
    ["pirqcon", tupleList(o.pirqcon.map((x) => [x.irq, x.context.text]))],
    ["iomemcon", tupleList(o.iomemcon.map((x) => [x.low, x.high, x.context.text]))],
    ["ioportcon", tupleList(o.ioportcon.map((x) => [x.low, x.high, x.context.text]))],
    ["pcidevicecon", tupleList(o.pcidevicecon.map((x) => [x.device, x.context.text]))],
    ["devicetreecon", tupleList(o.devicetreecon.map((x) => [x.path, x.context.text]))],
  ]);

  const stats = obj([
    ["types", String(sym.types.length)],
    ["attributes", String(sym.attrs.length)],
    ["classes", String(sym.classes.length)],
    ["allow", String(core.ex.counts.allow)],
    ["booleans", String(sym.bools.length)],
    ["constraints", String(sym.constraints.length)],
  ]);

  const names = (ids: Iterable<number>) => strList([...ids].map(typeName).sort(byCodePoint));
  return obj([
    ["ok", "true"],
    ["stats", stats],
    ["classes", obj(sym.classes.map((c) => [c.name, strList([...c.perms].sort(byCodePoint))]))],
    ["types", strList(sym.types.map((t) => t.name).sort(byCodePoint))],
    // an attribute `expandattribute ... true` is expanded away: the binary keeps it with no types
    ["attributes", obj(sym.attrs.map((a) => [a.name, names(a.expand === true ? [] : a.members)]))],
    ["aliases", obj([...sym.aliases].map(([alias, id]) => [alias, pyJsonString(typeName(id))]))],
    ["booleans", obj(sym.bools.map((b) => [b.name, b.value ? "true" : "false"]))],
    ["allow", avSection(core, table, AvKind.Allow)],
    ["auditallow", avSection(core, table, AvKind.AuditAllow)],
    ["dontaudit", avSection(core, table, AvKind.DontAudit)],
    ["type_transition", tupleList(typeRows.get("type_transition")!)],
    ["type_change", tupleList(typeRows.get("type_change")!)],
    ["type_member", tupleList(typeRows.get("type_member")!)],
    ["roles", obj(declaredRoles(sym).map((r) => [r.name, names(r.types)]))],
    // setools leaves object_r out of a user's roles (every user has it implicitly)
    ["users", obj(sym.users.map((u) => [u.name, strList([...u.roles].filter((r) => r !== OBJECT_R).map((r) => sym.roles[r]!.name).sort(byCodePoint))]))],
    ["ocontexts", ocontexts],
  ]);
}
