// `xsm diff OLD NEW`: sediff's report (setools diff/*.py, printed as the sediff script prints it)
// for commons, classes, booleans, roles, types, type attributes, users, the TE rules, role allow
// rules, constraints and initial SIDs, rules compared as sediff compares them: attributes expanded to
// types, permissions merged per (conditional, branch, source, target, class). Then Xen's ocontexts,
// which sediff 4.4.1 reads as SELinux ones (a pcidevicecon becomes a nodecon): sections in sediff's
// style keyed as Xen looks them up. And --access: per (source, target, class), the effective
// permissions gained and lost.
import { setoolsCondText } from "./condtext.js";
import { setoolsConstraintText, setoolsValidatetransText } from "./constrainttext.js";
import { isMlsExpr, rangeTransRecords, setoolsContext, setoolsLevel, setoolsRange } from "./mls.js";
import type { AnalysisPolicy } from "./load.js";
import { effectiveAccess } from "./effective.js";
import { byCodePoint } from "../policy/matrix.js";
import { pySorted } from "./search.js";
import { roleRules } from "./rolerules.js";
import { typeParent } from "../policy/symbols.js";
import { defaultStatements } from "./info.js";
import { POLICY_CAPABILITIES } from "../policy/resolve/declarations.js";
import { keyTypes, listedMembers, type TeKind } from "./terules.js";

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
  /** The noun after "Added" where sediff spells it otherwise ("Added Sensitivites"). */
  addedNoun?: string;
  /** Policy properties are only modified: "(N Modified)", the lines without a header. */
  onlyModified?: boolean;
}

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

type SectionOf = (a: AnalysisPolicy, b: AnalysisPolicy) => Section;

/** One kind of member a named item has (a class's permissions, a type's attributes), counted on
 *  the item's "* name (N Added types, ...)" line; `header` heads its detail lines where sediff
 *  prints one. */
interface MemberKind {
  noun: string;
  header?: string;
}

/** Items by name, each with one member set per kind: added, removed, and those whose members
 *  changed. */
function membersSection(
  title: string,
  kinds: MemberKind[],
  of: (ap: AnalysisPolicy) => Map<string, Set<string>[]>,
  flags?: (a: AnalysisPolicy, b: AnalysisPolicy) => (name: string) => string[],
): SectionOf {
  return (a, b) => {
    const ma = of(a);
    const mb = of(b);
    const d = setDiff(ma, mb);
    const flagsOf = flags?.(a, b);
    const modified = d.both.flatMap((name) => {
      const parts = kinds.map((kind, i) => ({ kind, ...namesDiff(ma.get(name)![i]!, mb.get(name)![i]!) }));
      const change = parts.flatMap((p) => [p.added.length && `${p.added.length} Added ${p.kind.noun}`, p.removed.length && `${p.removed.length} Removed ${p.kind.noun}`]).filter(Boolean);
      if (flagsOf) change.push(...flagsOf(name));
      if (change.length === 0) return [];
      const details = parts.flatMap((p) =>
        p.added.length || p.removed.length ? [...(p.kind.header ? [p.kind.header] : []), ...p.added.map((x) => `+ ${x}`), ...p.removed.map((x) => `- ${x}`)] : [],
      );
      return [{ line: `${name} (${change.join(", ")})`, details }];
    });
    return { title, noun: title, added: d.added, removed: d.removed, modified };
  };
}

/** Items by key, each with one value: added and removed as `entry` words them, and those whose
 *  value changed as `change` does. */
function valuesSection<V>(
  title: string,
  of: (ap: AnalysisPolicy) => Map<string, V>,
  entry: (key: string, value: V) => string,
  change: (key: string, before: V, after: V) => Section["modified"][number],
): SectionOf {
  return (a, b) => {
    const va = of(a);
    const vb = of(b);
    const d = setDiff(va, vb);
    const modified = d.both.filter((k) => va.get(k) !== vb.get(k)).map((k) => change(k, va.get(k)!, vb.get(k)!));
    return { title, noun: title, added: d.added.map((k) => entry(k, vb.get(k)!)), removed: d.removed.map((k) => entry(k, va.get(k)!)), modified };
  };
}

/** Statements that are only added or removed (sediff prints no "Modified" count for them). */
function linesSection(title: string, noun: string, of: (ap: AnalysisPolicy) => Set<string>): SectionOf {
  return (a, b) => {
    const d = namesDiff(of(a), of(b));
    return { title, noun, added: d.added, removed: d.removed, modified: [], noModified: true };
  };
}

const PERMISSIONS: MemberKind[] = [{ noun: "permissions" }];

/** Commons and classes with their permissions (a class's own and its common's, as sediff compares them). */
const commons = (ap: AnalysisPolicy) => new Map([...ap.commons].map(([n, p]) => [n, [new Set(p)]]));
const classes = (ap: AnalysisPolicy) => new Map(ap.sym.classes.map((c) => [c.name, [new Set(c.perms)]]));
const roleTypes = (ap: AnalysisPolicy) =>
  new Map(ap.sym.roles.filter((r) => ap.sym.roleIds.has(r.name)).map((r) => [r.name, [new Set([...r.types].map((t) => ap.sym.types[t]!.name))]]));

/** Users with their roles and, in an MLS policy, their default level and range (sediff's
 *  "Modified default level" / "Modified range", old and new under each). */
function usersSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const of = (ap: AnalysisPolicy) =>
    new Map(
      ap.sym.users.map((u) => {
        const mls = ap.sym.mls;
        return [u.name, { roles: new Set([...u.roles].map((r) => ap.sym.roles[r]!.name)), level: mls && u.level ? setoolsLevel(mls, u.level) : "", range: mls && u.range ? setoolsRange(mls, u.range) : "" }];
      }),
    );
  const ua = of(a);
  const ub = of(b);
  const d = setDiff(ua, ub);
  const modified = d.both.flatMap((name) => {
    const [x, y] = [ua.get(name)!, ub.get(name)!];
    const roles = namesDiff(x.roles, y.roles);
    const change = [roles.added.length && `${roles.added.length} Added roles`, roles.removed.length && `${roles.removed.length} Removed roles`].filter(Boolean) as string[];
    const details = roles.added.length || roles.removed.length ? ["Roles:", ...roles.added.map((r) => `+ ${r}`), ...roles.removed.map((r) => `- ${r}`)] : [];
    if (x.level !== y.level) {
      change.push("Modified default level");
      details.push("Default level:", `+ ${y.level}`, `- ${x.level}`);
    }
    if (x.range !== y.range) {
      change.push("Modified range");
      details.push("Range:", `+ ${y.range}`, `- ${x.range}`);
    }
    return change.length ? [{ line: `${name} (${change.join(", ")})`, details }] : [];
  });
  return { title: "Users", noun: "Users", added: d.added, removed: d.removed, modified };
}

/** Sensitivities or categories with their aliases (sediff prints the "Aliases:" header always). */
const mlsNames = (which: "sens" | "cats") => (ap: AnalysisPolicy) => new Map((ap.sym.mls?.[which] ?? []).map((s) => [s.name, [new Set(s.aliases)]]));

/** Each sensitivity's `level` statement: the categories it allows. */
const levels = (ap: AnalysisPolicy) => {
  const mls = ap.sym.mls;
  return new Map((mls?.sens ?? []).filter((s) => s.cats).map((s) => [s.name, [new Set(s.cats!.map((c) => mls!.cats[c]!.name))]]));
};

/** Levels by sensitivity; an added or removed one printed as its statement's level (`s3:c0.c5`). */
function levelsSection(a: AnalysisPolicy, b: AnalysisPolicy): Section {
  const s = membersSection("Levels", [{ noun: "Categories" }], levels)(a, b);
  const decl = (ap: AnalysisPolicy) => (name: string) => {
    const mls = ap.sym.mls!;
    const sens = mls.sens[mls.sensIds.get(name)!]!;
    return setoolsLevel(mls, { sens: sens.order, cats: sens.cats ?? [] });
  };
  return { ...s, added: pySorted(s.added.map(decl(b))), removed: pySorted(s.removed.map(decl(a))) };
}

/** range_transition records by (source, target, class), each with its range. */
const rangeTransitions = (ap: AnalysisPolicy) => {
  const sym = ap.sym;
  return new Map(rangeTransRecords(sym).map((r) => [`${sym.types[r.source]!.name} ${sym.types[r.target]!.name}:${sym.classes[r.classId]!.name}`, setoolsRange(sym.mls!, r.range)]));
};

const validatetrans = (mls: boolean) => (ap: AnalysisPolicy) =>
  new Set(ap.sym.validatetrans.filter((v) => isMlsExpr(v.expr) === mls).map((v) => setoolsValidatetransText(v, ap.sym, ap.constraintSources.get(v.span.offset))));
const attrTypes = (ap: AnalysisPolicy) => new Map(ap.sym.attrs.map((x, i) => [x.name, [new Set(Array.from(listedMembers(ap.sym, i), (t) => ap.sym.types[t]!.name))]]));

/** A type's attributes and aliases. */
function typeMembers(ap: AnalysisPolicy): Map<string, Set<string>[]> {
  const attrsOf = new Map<string, Set<string>>(ap.sym.types.map((t) => [t.name, new Set<string>()]));
  ap.sym.attrs.forEach((at, i) => {
    for (const t of listedMembers(ap.sym, i)) attrsOf.get(ap.sym.types[t]!.name)!.add(at.name);
  });
  return new Map(ap.sym.types.map((t) => [t.name, [attrsOf.get(t.name)!, new Set(t.aliases)]]));
}

/** A type made or no longer permissive (sediff: "Added permissive", after the member counts). */
function typePermissive(a: AnalysisPolicy, b: AnalysisPolicy): (name: string) => string[] {
  const permissive = (ap: AnalysisPolicy) => new Set(ap.sym.types.filter((t) => t.permissive).map((t) => t.name));
  const [pa, pb] = [permissive(a), permissive(b)];
  return (name) => (pa.has(name) === pb.has(name) ? [] : [pa.has(name) ? "Removed permissive" : "Added permissive"]);
}

/** role_transition records by (role, type, class), each with its new role: the binary's records,
 *  role and type attributes expanded, as sediff compares them. */
const roleTransitions = (ap: AnalysisPolicy) => new Map(roleRules(ap, { kinds: ["role_transition"] }).map((h) => [`${h.source} ${h.target}:${h.class}`, h.default!]));

/** A bounded type's parent, by the bounded type: sediff keys typebounds by the child's name (an
 *  alias's repeated record, as setools reads it, is the same child). */
const typebounds = (ap: AnalysisPolicy) =>
  new Map(ap.sym.types.flatMap((t) => {
    const parent = typeParent(ap.sym, t.id);
    return parent === undefined ? [] : [[t.name, ap.sym.types[parent]!.name] as const];
  }));

const polcaps = (ap: AnalysisPolicy) => new Set(ap.sym.policycaps.map((i) => POLICY_CAPABILITIES[i] ?? `cap${i}`));

/** default_* rules by (kind, class), each with its side and, for default_range, its range part. */
function defaults(ap: AnalysisPolicy): Map<string, { statement: string; side: string; range?: string }> {
  const out = new Map<string, { statement: string; side: string; range?: string }>();
  for (const cls of ap.sym.classes) {
    for (const statement of defaultStatements(cls.name, cls.defaults)) {
      const [kind, , side, range] = statement.replace(/;$/, "").split(" ");
      out.set(`${kind} ${cls.name}`, { statement, side: side!, range });
    }
  }
  return out;
}

/** sediff's Defaults: a rule of one kind and class whose side or range changed is modified,
 *  `default_range C +target -source low;` (each part that changed as +new -old). */
const defaultsSection: SectionOf = (a, b) => {
  const [da, db] = [defaults(a), defaults(b)];
  const d = setDiff(da, db);
  const modified = pySorted(
    d.both.filter((k) => da.get(k)!.statement !== db.get(k)!.statement).map((k) => {
      const [x, y] = [da.get(k)!, db.get(k)!];
      const side = x.side === y.side ? y.side : `+${y.side} -${x.side}`;
      const range = x.range === y.range ? (y.range ? ` ${y.range}` : "") : ` +${y.range} -${x.range}`;
      return `${k} ${side}${range};`;
    }),
  ).map((line) => ({ line, details: [] }));
  return { title: "Defaults", noun: "Defaults", added: pySorted(d.added.map((k) => db.get(k)!.statement)), removed: pySorted(d.removed.map((k) => da.get(k)!.statement)), modified };
};

const roleAllows = (ap: AnalysisPolicy) => new Set(ap.roleAllows.map(([s, t]) => `allow ${ap.sym.roles[s]!.name} ${ap.sym.roles[t]!.name};`));

/** Constraints compare as written (setools: no attribute expansion, no logical equivalence); one
 *  statement on several classes is one constraint per class, as the binary holds them. */
const constraints = (mls: boolean) => (ap: AnalysisPolicy) =>
  new Set(ap.sym.constraints.filter((c) => isMlsExpr(c.expr) === mls).map((c) => setoolsConstraintText(c, ap.sym, ap.constraintSources.get(c.span.offset))));

const bools = (ap: AnalysisPolicy) => new Map(ap.sym.bools.map((x) => [x.name, x.value]));
const py = (v: boolean) => (v ? "True" : "False");

/** Initial SIDs by the policy's own names (sediff names Xen's from SELinux's table, off by one). */
const initialSids = (ap: AnalysisPolicy) => new Map([...ap.sym.initialSids].filter(([, c]) => c !== undefined).map(([n, c]) => [n, setoolsContext(ap.sym, c!)]));

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
  modified.sort((x, y) => byCodePoint(x.key, y.key));
  return { title: `${title} Rules`, noun: `${title} Rules`, added: pySorted(added), removed: pySorted(removed), modified };
}

export interface DiffReport {
  sections: Section[];
  /** Did anything differ? */
  differs: boolean;
}

/** Sections only an MLS policy (either side) can fill; validatetrans ones also when either side
 *  has a validatetrans, role_transition, policy capability, default_* and typebounds ones when
 *  either has such a record: printed then, so a report without them stays sediff's of its sections. */
type Gate = "mls" | "validatetrans" | "roletrans" | "polcap" | "defaults" | "typebounds" | "properties";
const gated = (gate: Gate, section: SectionOf): SectionOf & { gate: Gate } => Object.assign(section, { gate });

/** sediff's Policy Properties: handle_unknown, MLS and version, each `name +new -old` when it
 *  differs (a source is compiled as version 30, deny, as checkpolicy -t Xen -c 30 builds it). */
const propertiesSection: SectionOf = (a, b) => {
  // sorted by name as sediff sorts them (Python: upper case first)
  const props = (ap: AnalysisPolicy): [string, string][] => [
    ["MLS", ap.sym.mls !== undefined ? "True" : "False"],
    ["handle_unknown", ap.handleUnknown ?? "deny"],
    ["version", String(ap.version ?? 30)],
  ];
  const pb = new Map(props(b));
  const modified = props(a).filter(([n, v]) => pb.get(n) !== v).map(([n, v]) => ({ line: `${n} +${pb.get(n)} -${v}`, details: [] }));
  return { title: "Policy Properties", noun: "Policy Properties", added: [], removed: [], modified, onlyModified: true };
};

/** The sections in the order the sediff script prints them. */
const SECTIONS: (SectionOf & { gate?: Gate })[] = [
  gated("properties", propertiesSection),
  membersSection("Commons", PERMISSIONS, commons),
  membersSection("Classes", PERMISSIONS, classes),
  valuesSection(
    "Booleans",
    bools,
    (n) => n,
    (n, before, after) => ({ line: `${n} (Modified default state)`, details: [`+ ${py(after)}`, `- ${py(before)}`] }),
  ),
  membersSection("Roles", [{ noun: "types" }], roleTypes),
  membersSection("Types", [{ noun: "attributes", header: "Attributes:" }, { noun: "aliases", header: "Aliases:" }], typeMembers, typePermissive),
  membersSection("Type Attributes", [{ noun: "types" }], attrTypes),
  usersSection,
  gated("mls", membersSection("Categories", [{ noun: "Aliases", header: "Aliases:" }], mlsNames("cats"))),
  // sediff 4.4.1 spells its added sensitivities "Sensitivites"
  gated("mls", (a, b) => ({ ...membersSection("Sensitivities", [{ noun: "Aliases", header: "Aliases:" }], mlsNames("sens"))(a, b), addedNoun: "Sensitivites" })),
  gated("mls", levelsSection),
  ...RULE_SECTIONS.map(([k, t]): SectionOf => (a, b) => ruleSection(a, b, k, t)),
  linesSection("Role allow Rules", "Role Allow Rules", roleAllows),
  gated(
    "roletrans",
    valuesSection(
      "Role_transition Rules",
      roleTransitions,
      (key, role) => `role_transition ${key} ${role};`,
      (key, before, after) => ({ line: `role_transition ${key} +${after} -${before}`, details: [] }),
    ),
  ),
  gated(
    "mls",
    valuesSection(
      "Range_transition Rules",
      rangeTransitions,
      (key, range) => `range_transition ${key} ${range};`,
      (key, before, after) => ({ line: `range_transition ${key} +[${after}] -[${before}]`, details: [] }),
    ),
  ),
  linesSection("Constraints", "Constraints", constraints(false)),
  gated("mls", linesSection("MLS Constraints", "MLS Constraints", constraints(true))),
  gated("validatetrans", linesSection("Validatetrans", "Validatetrans", validatetrans(false))),
  gated("validatetrans", linesSection("MLS Validatetrans", "MLS Validatetrans", validatetrans(true))),
  valuesSection(
    "Initial SIDs",
    initialSids,
    (n, ctx) => `sid ${n} ${ctx}`,
    (n, before, after) => ({ line: `${n} +[${after}] -[${before}];`, details: [] }),
  ),
  ...OCONTEXTS.map(([kind, title]) =>
    valuesSection(
      title,
      (ap) => ocontexts(ap, kind),
      (k, ctx) => `${kind} ${k} ${ctx}`,
      (k, before, after) => ({ line: `${kind} ${k} +[${after}] -[${before}];`, details: [] }),
    ),
  ),
  // sediff prints these after its (SELinux) ocontexts
  gated("polcap", linesSection("Policy Capabilities", "Policy Capabilities", polcaps)),
  gated("defaults", defaultsSection),
  gated(
    "typebounds",
    valuesSection(
      "Typebounds",
      typebounds,
      (child, parent) => `typebounds ${parent} ${child};`,
      (child, before, after) => ({ line: `typebounds +${after} -${before} ${child};`, details: [] }),
    ),
  ),
];

export function diffPolicies(a: AnalysisPolicy, b: AnalysisPolicy): DiffReport {
  const mls = a.sym.mls !== undefined || b.sym.mls !== undefined;
  const roletrans = roleTransitions(a).size + roleTransitions(b).size > 0;
  const polcap = a.sym.policycaps.length + b.sym.policycaps.length > 0;
  const anyDefaults = defaults(a).size + defaults(b).size > 0;
  const bounded = typebounds(a).size + typebounds(b).size > 0;
  // as sediff without --property: only when a property differs
  const properties = propertiesSection(a, b).modified.length > 0;
  const open: Record<Gate, boolean> = { mls, validatetrans: mls || a.sym.validatetrans.length + b.sym.validatetrans.length > 0, roletrans, polcap, defaults: anyDefaults, typebounds: bounded, properties };
  const sections = SECTIONS.filter((s) => s.gate === undefined || open[s.gate]).map((section) => section(a, b));
  return { sections, differs: sections.some((s) => s.added.length + s.removed.length + s.modified.length > 0) };
}

/** sediff's text, sections in its order, each printed as it prints them (every section, as when
 *  sediff is given that section's option). */
export function renderDiff(r: DiffReport): string {
  let out = "";
  for (const s of r.sections) {
    if (s.onlyModified) {
      out += `${s.title} (${s.modified.length} Modified)\n${s.modified.map((m) => `      * ${m.line}\n`).join("")}\n`;
      continue;
    }
    out += `${s.title} (${s.added.length} Added, ${s.removed.length} Removed${s.noModified ? "" : `, ${s.modified.length} Modified`})\n`;
    if (s.added.length) out += `   Added ${s.addedNoun ?? s.noun}: ${s.added.length}\n${s.added.map((x) => `      + ${x}\n`).join("")}`;
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
