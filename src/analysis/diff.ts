// `xsm diff OLD NEW`: sediff's report (setools diff/*.py, printed as the sediff script prints it)
// for commons, classes, booleans, roles, types, type attributes, users, the TE rules, role allow
// rules, constraints and initial SIDs, rules compared as sediff compares them: attributes expanded to
// types, permissions merged per (conditional, branch, source, target, class). Then Xen's ocontexts,
// which sediff 4.4.1 reads as SELinux ones (a pcidevicecon becomes a nodecon): sections in sediff's
// style keyed as Xen looks them up. And --access: per (source, target, class), the effective
// permissions gained and lost.
import { setoolsCondText } from "./condtext.js";
import { setoolsConstraintText } from "./constrainttext.js";
import type { AnalysisPolicy } from "./load.js";
import { effectiveAccess } from "./effective.js";
import { pySorted } from "./search.js";
import { keyTypes, type TeKind } from "./terules.js";

interface Section {
  title: string;
  /** "Added Allow Rules" etc. use this noun. */
  noun: string;
  added: string[];
  removed: string[];
  /** Lines after "* " and their detail lines (already indented). */
  modified: { line: string; details: string[] }[];
  /** Role allow rules and constraints can only be added or removed: no "Modified" count. */
  noModified?: boolean;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function setDiff<T>(a: Map<string, T>, b: Map<string, T>): { added: string[]; removed: string[]; both: string[] } {
  return {
    added: pySorted([...b.keys()].filter((k) => !a.has(k))),
    removed: pySorted([...a.keys()].filter((k) => !b.has(k))),
    both: pySorted([...a.keys()].filter((k) => b.has(k))),
  };
}

function namesDiff(a: Set<string>, b: Set<string>): { added: string[]; removed: string[] } {
  return { added: pySorted([...b].filter((x) => !a.has(x))), removed: pySorted([...a].filter((x) => !b.has(x))) };
}

/** A class's permissions as sediff compares them: its own and its common's. */
function classes(ap: AnalysisPolicy): Map<string, Set<string>> {
  return new Map(ap.sym.classes.map((c) => [c.name, new Set(c.perms)]));
}

function classSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const ca = classes(a);
  const cb = classes(b);
  const d = setDiff(ca, cb);
  return { title: "Classes", noun: "Classes", added: d.added, removed: d.removed, modified: permsModified(ca, cb, d.both) };
}

/** Commons and classes: added and removed permissions. */
function permsModified(a: Map<string, Set<string>>, b: Map<string, Set<string>>, both: string[]): Section["modified"] {
  return both.flatMap((name) => {
    const p = namesDiff(a.get(name)!, b.get(name)!);
    if (!p.added.length && !p.removed.length) return [];
    const change = [p.added.length && `${p.added.length} Added permissions`, p.removed.length && `${p.removed.length} Removed permissions`].filter(Boolean);
    return [{ line: `${name} (${change.join(", ")})`, details: [...p.added.map((x) => `+ ${x}`), ...p.removed.map((x) => `- ${x}`)] }];
  });
}

function commonSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const ca = new Map([...a.commons].map(([n, p]) => [n, new Set(p)]));
  const cb = new Map([...b.commons].map(([n, p]) => [n, new Set(p)]));
  const d = setDiff(ca, cb);
  return { title: "Commons", noun: "Commons", added: d.added, removed: d.removed, modified: permsModified(ca, cb, d.both) };
}

function roleSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const types = (ap: AnalysisPolicy) => new Map(ap.sym.roles.filter((r) => ap.sym.roleIds.has(r.name)).map((r) => [r.name, new Set([...r.types].map((t) => ap.sym.types[t]!.name))]));
  const ra = types(a);
  const rb = types(b);
  const d = setDiff(ra, rb);
  const modified = d.both.flatMap((name) => {
    const t = namesDiff(ra.get(name)!, rb.get(name)!);
    if (!t.added.length && !t.removed.length) return [];
    const change = [t.added.length && `${t.added.length} Added types`, t.removed.length && `${t.removed.length} Removed types`].filter(Boolean);
    return [{ line: `${name} (${change.join(", ")})`, details: [...t.added.map((x) => `+ ${x}`), ...t.removed.map((x) => `- ${x}`)] }];
  });
  return { title: "Roles", noun: "Roles", added: d.added, removed: d.removed, modified };
}

function userSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const roles = (ap: AnalysisPolicy) => new Map(ap.sym.users.map((u) => [u.name, new Set([...u.roles].map((r) => ap.sym.roles[r]!.name))]));
  const ua = roles(a);
  const ub = roles(b);
  const d = setDiff(ua, ub);
  const modified = d.both.flatMap((name) => {
    const r = namesDiff(ua.get(name)!, ub.get(name)!);
    if (!r.added.length && !r.removed.length) return [];
    const change = [r.added.length && `${r.added.length} Added roles`, r.removed.length && `${r.removed.length} Removed roles`].filter(Boolean);
    return [{ line: `${name} (${change.join(", ")})`, details: ["Roles:", ...r.added.map((x) => `+ ${x}`), ...r.removed.map((x) => `- ${x}`)] }];
  });
  return { title: "Users", noun: "Users", added: d.added, removed: d.removed, modified };
}

function roleAllowSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const rules = (ap: AnalysisPolicy) => new Set(ap.roleAllows.map(([s, t]) => `allow ${ap.sym.roles[s]!.name} ${ap.sym.roles[t]!.name};`));
  const d = namesDiff(rules(a), rules(b));
  return { title: "Role allow Rules", noun: "Role Allow Rules", added: d.added, removed: d.removed, modified: [], noModified: true };
}

/** Constraints compare as written (setools: no attribute expansion, no logical equivalence); one
 *  statement on several classes is one constraint per class, as the binary holds them. */
function constraintSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const texts = (ap: AnalysisPolicy) => new Set(ap.sym.constraints.map((c) => setoolsConstraintText(c, ap.sym, ap.constraintSources.get(c.span.offset))));
  const d = namesDiff(texts(a), texts(b));
  return { title: "Constraints", noun: "Constraints", added: d.added, removed: d.removed, modified: [], noModified: true };
}

/** Initial SIDs by the policy's own names (sediff names Xen's from SELinux's table, off by one). */
function initialSidSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const sids = (ap: AnalysisPolicy) => new Map([...ap.sym.initialSids].filter(([, c]) => c !== undefined).map(([n, c]) => [n, c!.text]));
  const sa = sids(a);
  const sb = sids(b);
  const d = setDiff(sa, sb);
  const modified = d.both.filter((n) => sa.get(n) !== sb.get(n)).map((n) => ({ line: `${n} +[${sb.get(n)}] -[${sa.get(n)}];`, details: [] }));
  return { title: "Initial SIDs", noun: "Initial SIDs", added: d.added.map((n) => `sid ${n} ${sb.get(n)}`), removed: d.removed.map((n) => `sid ${n} ${sa.get(n)}`), modified };
}

type OcontextKind = "pirqcon" | "ioportcon" | "iomemcon" | "pcidevicecon" | "devicetreecon";
const OCONTEXTS: [OcontextKind, string][] = [
  ["pirqcon", "Pirqcons"],
  ["ioportcon", "Ioportcons"],
  ["iomemcon", "Iomemcons"],
  ["pcidevicecon", "Pcidevicecons"],
  ["devicetreecon", "Devicetreecons"],
];

/** A Xen ocontext's key (what Xen looks it up by) and context, in setools' statement words. */
function ocontexts(ap: AnalysisPolicy, kind: OcontextKind): Map<string, string> {
  const o = ap.sym.ocontexts;
  const range = (low: number | bigint, high: number | bigint) => (low === high ? `${low}` : `${low}-${high}`);
  switch (kind) {
    case "pirqcon":
      return new Map(o.pirqcon.map((x) => [`${x.irq}`, x.context.text]));
    case "ioportcon":
      return new Map(o.ioportcon.map((x) => [range(x.low, x.high), x.context.text]));
    case "iomemcon":
      return new Map(o.iomemcon.map((x) => [range(x.low, x.high), x.context.text]));
    case "pcidevicecon":
      return new Map(o.pcidevicecon.map((x) => [`${x.device}`, x.context.text]));
    case "devicetreecon":
      return new Map(o.devicetreecon.map((x) => [x.path, x.context.text]));
  }
}

function ocontextSection(a: AnalysisPolicy, b: AnalysisPolicy, kind: OcontextKind, title: string): Section {
  const oa = ocontexts(a, kind);
  const ob = ocontexts(b, kind);
  const d = setDiff(oa, ob);
  const modified = d.both.filter((k) => oa.get(k) !== ob.get(k)).map((k) => ({ line: `${kind} ${k} +[${ob.get(k)}] -[${oa.get(k)}];`, details: [] }));
  return { title, noun: title, added: d.added.map((k) => `${kind} ${k} ${ob.get(k)}`), removed: d.removed.map((k) => `${kind} ${k} ${oa.get(k)}`), modified };
}

function boolSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const ba = new Map(a.sym.bools.map((x) => [x.name, x.value]));
  const bb = new Map(b.sym.bools.map((x) => [x.name, x.value]));
  const d = setDiff(ba, bb);
  const py = (v: boolean) => (v ? "True" : "False");
  const modified = d.both.filter((n) => ba.get(n) !== bb.get(n)).map((n) => ({ line: `${n} (Modified default state)`, details: [`+ ${py(bb.get(n)!)}`, `- ${py(ba.get(n)!)}`] }));
  return { title: "Booleans", noun: "Booleans", added: d.added, removed: d.removed, modified };
}

function typeSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const info = (ap: AnalysisPolicy) => {
    const attrsOf = new Map<string, Set<string>>(ap.sym.types.map((t) => [t.name, new Set<string>()]));
    for (const at of ap.sym.attrs) for (const t of at.members) attrsOf.get(ap.sym.types[t]!.name)!.add(at.name);
    return new Map(ap.sym.types.map((t) => [t.name, { attrs: attrsOf.get(t.name)!, aliases: new Set(t.aliases) }]));
  };
  const ta = info(a);
  const tb = info(b);
  const d = setDiff(ta, tb);
  const modified = d.both.flatMap((name) => {
    const at = namesDiff(ta.get(name)!.attrs, tb.get(name)!.attrs);
    const al = namesDiff(ta.get(name)!.aliases, tb.get(name)!.aliases);
    const change = [
      at.added.length && `${at.added.length} Added attributes`,
      at.removed.length && `${at.removed.length} Removed attributes`,
      al.added.length && `${al.added.length} Added aliases`,
      al.removed.length && `${al.removed.length} Removed aliases`,
    ].filter(Boolean);
    if (change.length === 0) return [];
    const details: string[] = [];
    if (at.added.length || at.removed.length) details.push("Attributes:", ...at.added.map((x) => `+ ${x}`), ...at.removed.map((x) => `- ${x}`));
    if (al.added.length || al.removed.length) details.push("Aliases:", ...al.added.map((x) => `+ ${x}`), ...al.removed.map((x) => `- ${x}`));
    return [{ line: `${name} (${change.join(", ")})`, details }];
  });
  return { title: "Types", noun: "Types", added: d.added, removed: d.removed, modified };
}

function attrSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const members = (ap: AnalysisPolicy) => new Map(ap.sym.attrs.map((x) => [x.name, new Set(Array.from(x.members, (t) => ap.sym.types[t]!.name))]));
  const ma = members(a);
  const mb = members(b);
  const d = setDiff(ma, mb);
  const modified = d.both.flatMap((name) => {
    const t = namesDiff(ma.get(name)!, mb.get(name)!);
    if (!t.added.length && !t.removed.length) return [];
    const change = [t.added.length && `${t.added.length} Added types`, t.removed.length && `${t.removed.length} Removed types`].filter(Boolean);
    return [{ line: `${name} (${change.join(", ")})`, details: [...t.added.map((x) => `+ ${x}`), ...t.removed.map((x) => `- ${x}`)] }];
  });
  return { title: "Type Attributes", noun: "Type Attributes", added: d.added, removed: d.removed, modified };
}

/** sediff's rule database: kind -> "cond|branch|source|target|class" -> perms (or default type). */
function expandedRules(ap: AnalysisPolicy, kind: TeKind): Map<string, { cond: string; source: string; target: string; tclass: string; perms: Set<string>; def?: string; branch?: boolean }> {
  const sym = ap.sym;
  const condText = sym.conds.map((c) => setoolsCondText(c.program, sym));
  const out = new Map<string, { cond: string; source: string; target: string; tclass: string; perms: Set<string>; def?: string; branch?: boolean }>();
  for (const r of ap.terules) {
    if (r.kind !== kind) continue;
    const cls = sym.classes[r.tclass]!;
    const perms = cls.perms.filter((_, bit) => (r.perms >>> bit) & 1);
    const cond = r.cond ? `${condText[r.cond.node]}` : "";
    for (const s of Array.from(keyTypes(sym, r.source))) {
      for (const t of Array.from(keyTypes(sym, r.target))) {
        const source = sym.types[s]!.name;
        const target = sym.types[t]!.name;
        const key = `${cond}|${r.cond ? r.cond.branch : ""}|${source}|${target}|${cls.name}`;
        let e = out.get(key);
        if (!e) out.set(key, (e = { cond, source, target, tclass: cls.name, perms: new Set(), branch: r.cond?.branch }));
        for (const p of perms) e.perms.add(p);
        if (r.defaultType >= 0) e.def = sym.types[r.defaultType]!.name;
      }
    }
  }
  if (kind === "allow" || kind === "auditallow" || kind === "dontaudit") {
    // setools diff/terules.py _av_remove_redundant_rules: a conditional rule's permissions that an
    // unconditional rule already grants for the same (source, target, class) do not count
    for (const [key, e] of out) {
      if (!e.cond) continue;
      const plain = out.get(`||${e.source}|${e.target}|${e.tclass}`);
      if (!plain) continue;
      for (const p of plain.perms) e.perms.delete(p);
      if (e.perms.size === 0) out.delete(key);
    }
  }
  return out;
}

const RULE_SECTIONS: [TeKind, string][] = [
  ["allow", "Allow"],
  ["auditallow", "Auditallow"],
  ["dontaudit", "Dontaudit"],
  ["type_transition", "Type_transition"],
  ["type_change", "Type_change"],
  ["type_member", "Type_member"],
];

function ruleSection(a: AnalysisPolicy, b: AnalysisPolicy, kind: TeKind, title: string): Section {
  const ra = expandedRules(a, kind);
  const rb = expandedRules(b, kind);
  const isAv = kind === "allow" || kind === "auditallow" || kind === "dontaudit";
  const text = (e: NonNullable<ReturnType<typeof ra.get>>): string => {
    const body = isAv ? (e.perms.size === 1 ? [...e.perms][0] : `{ ${pySorted(e.perms).join(" ")} }`) : e.def;
    return `${kind} ${e.source} ${e.target}:${e.tclass} ${body};${e.cond ? ` [ ${e.cond} ]:${e.branch ? "True" : "False"}` : ""}`;
  };
  const added = [...rb.entries()].filter(([k]) => !ra.has(k)).map(([, e]) => text(e));
  const removed = [...ra.entries()].filter(([k]) => !rb.has(k)).map(([, e]) => text(e));
  const modified: { key: string; line: string; details: string[] }[] = [];
  for (const [k, ea] of ra) {
    const eb = rb.get(k);
    if (!eb) continue;
    const cond = ea.cond ? ` [ ${ea.cond} ]` : "";
    if (isAv) {
      const p = namesDiff(ea.perms, eb.perms);
      if (!p.added.length && !p.removed.length) continue;
      const matched = pySorted([...ea.perms].filter((x) => eb.perms.has(x)));
      const perms = [...matched, ...p.added.map((x) => `+${x}`), ...p.removed.map((x) => `-${x}`)].join(" ");
      // sediff sorts modified rules by the old side's rule as sesearch prints it
      modified.push({ key: text(ea), line: `${kind} ${ea.source} ${ea.target}:${ea.tclass} { ${perms} };${cond}`, details: [] });
    } else if (ea.def !== eb.def) {
      modified.push({ key: text(ea), line: `${kind} ${ea.source} ${ea.target}:${ea.tclass} +${eb.def} -${ea.def};${cond}`, details: [] });
    }
  }
  modified.sort((x, y) => cmp(x.key, y.key));
  return { title: `${title} Rules`, noun: `${title} Rules`, added: pySorted(added), removed: pySorted(removed), modified };
}

export interface DiffReport {
  sections: Section[];
  /** Did anything differ? */
  differs: boolean;
}

export function diffPolicies(a: AnalysisPolicy, b: AnalysisPolicy): DiffReport {
  // in the order the sediff script prints its sections
  const sections = [
    commonSection(a, b),
    classSection(a, b),
    boolSection(a, b),
    roleSection(a, b),
    typeSection(a, b),
    attrSection(a, b),
    userSection(a, b),
    ...RULE_SECTIONS.map(([k, t]) => ruleSection(a, b, k, t)),
    roleAllowSection(a, b),
    constraintSection(a, b),
    initialSidSection(a, b),
    ...OCONTEXTS.map(([k, t]) => ocontextSection(a, b, k, t)),
  ];
  return { sections, differs: sections.some((s) => s.added.length + s.removed.length + s.modified.length > 0) };
}

/** sediff's text, sections in its order, each printed as it prints them (every section, as when
 *  sediff is given that section's option). */
export function renderDiff(r: DiffReport): string {
  let out = "";
  for (const s of r.sections) {
    out += `${s.title} (${s.added.length} Added, ${s.removed.length} Removed${s.noModified ? "" : `, ${s.modified.length} Modified`})\n`;
    if (s.added.length) out += `   Added ${s.noun}: ${s.added.length}\n${s.added.map((x) => `      + ${x}\n`).join("")}`;
    if (s.removed.length) out += `   Removed ${s.noun}: ${s.removed.length}\n${s.removed.map((x) => `      - ${x}\n`).join("")}`;
    if (s.modified.length) {
      out += `   Modified ${s.noun}: ${s.modified.length}\n`;
      for (const m of s.modified) out += `      * ${m.line}\n${m.details.map((d) => `          ${d}\n`).join("")}`;
    }
    out += "\n";
  }
  return out;
}

export interface AccessChange {
  source: string;
  target: string;
  class: string;
  gained: string[];
  lost: string[];
}

/** Effective permissions (booleans at their defaults) gained and lost per (source, target, class). */
export function accessDiff(a: AnalysisPolicy, b: AnalysisPolicy): AccessChange[] {
  const table = (ap: AnalysisPolicy) => new Map(effectiveAccess(ap, { booleans: {} }).map((r) => [`${r.source} ${r.target}:${r.class}`, r]));
  const ta = table(a);
  const tb = table(b);
  const out: AccessChange[] = [];
  for (const key of pySorted(new Set([...ta.keys(), ...tb.keys()]))) {
    const pa = new Set(ta.get(key)?.perms ?? []);
    const pb = new Set(tb.get(key)?.perms ?? []);
    const d = namesDiff(pa, pb);
    if (!d.added.length && !d.removed.length) continue;
    const r = (ta.get(key) ?? tb.get(key))!;
    out.push({ source: r.source, target: r.target, class: r.class, gained: d.added, lost: d.removed });
  }
  return out;
}

/** Grouped by source type, one line per target and class: `+gained -lost`. */
export function renderAccess(changes: AccessChange[]): string {
  let out = "";
  let cur: string | undefined;
  for (const c of changes) {
    if (c.source !== cur) {
      cur = c.source;
      out += `${cur}\n`;
    }
    out += `    ${c.target}:${c.class} ${[...c.gained.map((p) => `+${p}`), ...c.lost.map((p) => `-${p}`)].join(" ")}\n`;
  }
  return out;
}
