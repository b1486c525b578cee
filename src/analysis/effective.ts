// `xsm search --effective`: what the policy grants, per (source type, target type, class), after
// attributes are expanded, conditionals evaluated at the booleans' values and, when both contexts
// are given, constraints applied (Xen's context_struct_compute_av). Without both contexts a
// permission that a constraint could remove is listed with that constraint.
import { EMPTY } from "../policy/avtab.js";
import { PolicyTables } from "../policy/image.js";
import { holds, roleDomOf } from "../policy/decide.js";
import type { SecurityContext } from "../policy/types.js";
import { spanLocation, type AnalysisPolicy } from "./load.js";
import { QueryError, unknownName } from "./names.js";
import { lookupTypes, permText, pySorted } from "./search.js";

export interface EffectiveQuery {
  source?: string;
  target?: string;
  classes?: string[];
  perms?: string[];
  scontext?: string;
  tcontext?: string;
  booleans: Readonly<Record<string, boolean>>;
}

export interface EffectiveRow {
  source: string;
  target: string;
  class: string;
  perms: string[];
  /** Permissions a constraint may remove (contexts not given), with the constraint's file:line. */
  constrained?: { perm: string; constraint: string }[];
}

function context(ap: AnalysisPolicy, text: string, option: string): SecurityContext {
  const r = ap.policy.parseContext(text);
  if (!r.ok) throw new QueryError(`invalid context '${text}': ${ap.policy.explainContext(text) ?? r.error}`, option);
  return r.value;
}

export function effectiveAccess(ap: AnalysisPolicy, q: EffectiveQuery): EffectiveRow[] {
  const sym = ap.sym;
  const core = new PolicyTables(sym, ap.ex, ap.text);
  for (const name of Object.keys(q.booleans)) if (!sym.boolIds.has(name)) throw unknownName("boolean", name, sym.boolIds.keys(), "--set");
  const state = Uint8Array.from(core.defaults);
  for (const [name, v] of Object.entries(q.booleans)) state[sym.boolIds.get(name)!] = v ? 1 : 0;
  const { table } = core.tableFor(state);
  const scon = q.scontext ? context(ap, q.scontext, "--scontext") : undefined;
  const tcon = q.tcontext ? context(ap, q.tcontext, "--tcontext") : undefined;
  const sources = scon ? new Set([scon.type]) : q.source ? lookupTypes(sym, q.source, "-s").types : undefined;
  const targets = tcon ? new Set([tcon.type]) : q.target ? lookupTypes(sym, q.target, "-t").types : undefined;
  let classes: Set<number> | undefined;
  if (q.classes?.length) {
    classes = new Set(q.classes.map((n) => sym.classIds.get(n) ?? -1));
    const bad = q.classes.find((n) => !sym.classIds.has(n));
    if (bad) throw unknownName("class", bad, sym.classIds.keys(), "-c");
  }
  const wanted = new Set(q.perms ?? []);
  if (wanted.size > 0) {
    const scope = sym.classes.filter((c) => !classes || classes.has(c.id));
    const known = new Set(scope.flatMap((c) => c.perms));
    for (const p of wanted) if (!known.has(p)) throw unknownName("permission", p, known, "-p");
  }
  // the table keys attributes as checkpolicy does: OR each entry into the type pairs it covers
  const granted = new Map<number, number>();
  const nt = sym.types.length;
  const nc = Math.max(1, sym.classes.length);
  for (let i = 0; i < table.keys.length; i++) {
    const key = table.keys[i]!;
    const allow = table.allow[i]!;
    if (key === EMPTY || allow === 0) continue;
    const [sk, tk, c] = table.decode(key);
    if (classes && !classes.has(c)) continue;
    for (const s of Array.from(core.tam.members(sk))) {
      if (sources && !sources.has(s)) continue;
      for (const t of Array.from(core.tam.members(tk))) {
        if (targets && !targets.has(t)) continue;
        const cell = (s * nt + t) * nc + c;
        granted.set(cell, (granted.get(cell) ?? 0) | allow);
      }
    }
  }
  const rows: EffectiveRow[] = [];
  for (const [cell, allow] of granted) {
    const c = cell % nc;
    const t = ((cell - c) / nc) % nt;
    const s = ((cell - c) / nc - t) / nt;
    const cls = sym.classes[c]!;
    let mask = allow & cls.allMask;
    if (wanted.size > 0) mask &= cls.perms.reduce((m, p, bit) => (wanted.has(p) ? m | (1 << bit) : m), 0);
    const constrained: { perm: string; constraint: string }[] = [];
    for (const con of core.constraintsByClass[c] ?? []) {
      if ((con.mask & mask) === 0) continue;
      if (scon && tcon) {
        if (!holds(con.expr, { ...scon, type: s }, { ...tcon, type: t }, undefined, roleDomOf(ap.sym))) mask &= ~con.mask;
      } else {
        for (let bit = 0; bit < cls.perms.length; bit++) if (((con.mask & mask) >>> bit) & 1) constrained.push({ perm: cls.perms[bit]!, constraint: spanLocation(ap, con.span) });
      }
    }
    if (mask === 0) continue;
    const perms = pySorted(cls.perms.filter((_, bit) => (mask >>> bit) & 1));
    const row: EffectiveRow = { source: sym.types[s]!.name, target: sym.types[t]!.name, class: cls.name, perms };
    if (constrained.length) row.constrained = constrained;
    rows.push(row);
  }
  const key = (r: EffectiveRow) => `${r.source} ${r.target}:${r.class}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function renderEffective(rows: EffectiveRow[]): string {
  let out = "";
  for (const r of rows) {
    out += `${r.source} ${r.target}:${r.class} ${permText(r.perms)};\n`;
    const byCon = new Map<string, string[]>();
    for (const c of r.constrained ?? []) byCon.set(c.constraint, [...(byCon.get(c.constraint) ?? []), c.perm]);
    for (const [where, perms] of byCon) out += `    ${permText(pySorted(perms))} only if the constraint at ${where} holds (give --scontext and --tcontext to decide)\n`;
  }
  return out;
}

