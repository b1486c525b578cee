// Stage `check`: neverallow assertions, as libsepol's assertion.c check_assertions(): every
// neverallow is tested against every allow entry, unconditional or in either branch of any
// conditional, whatever the booleans' values. A violation names the neverallow, each violating
// (source, target, class, perms), and the allow rule(s) that grant it.
import { AvKind, AvTab } from "./avtab.js";
import { error, warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Expanded, ExpandedAvRule } from "./expand.js";
import { ruleMask } from "./rulematch.js";
import type { Symbols } from "./symbols.js";

/** Enough to act on; a rule that breaks a neverallow for thousands of pairs would drown the rest. */
const MAX_REPORTS_PER_NEVERALLOW = 20;

export function permList(sym: Symbols, tclass: number, mask: number): string[] {
  const perms = sym.classes[tclass]!.perms;
  const out: string[] = [];
  for (let bit = 0; bit < perms.length; bit++) if (mask & (1 << bit)) out.push(perms[bit]!);
  return out;
}

/** Every allow entry, conditional or not, in one table. */
function allAllowed(ex: Expanded): AvTab {
  let extra = 0;
  for (const l of ex.condLists) extra += l.length;
  if (extra === 0) return ex.base;
  const tab = ex.base.cloneWithRoom(extra);
  for (const l of ex.condLists) {
    for (let i = 0; i < l.length; i++) if (l.kinds[i] === AvKind.Allow) tab.add(l.keys[i]!, AvKind.Allow, l.masks[i]!);
  }
  return tab;
}

export function checkNeverallows(sym: Symbols, ex: Expanded): Diagnostic[] {
  if (ex.neverallows.length === 0) return [];
  const diags: Diagnostic[] = [];
  const tab = allAllowed(ex);
  const allows = ex.rules.filter((r) => r.kind === "allow");
  for (const na of ex.neverallows) {
    const found = violations(tab, na, sym.types.length);
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    for (const [s, t, c, bad] of found.slice(0, MAX_REPORTS_PER_NEVERALLOW)) diags.push(violation(sym, na, allows, s, t, c, bad));
    if (found.length > MAX_REPORTS_PER_NEVERALLOW) {
      diags.push(error("neverallow", `neverallow violated ${found.length - MAX_REPORTS_PER_NEVERALLOW} more time(s) (first ${MAX_REPORTS_PER_NEVERALLOW} shown)`, na.span));
    }
  }
  return diags;
}

type Violation = [stype: number, ttype: number, tclass: number, perms: number];

/** The allowed (source, target, class) cells a neverallow forbids. Looks each pair up when the
 *  neverallow is narrow; scans the table once (as assertion.c walks the avtab) when it is wide. */
function violations(tab: AvTab, na: ExpandedAvRule, ntypes: number): Violation[] {
  const out: Violation[] = [];
  const pairs = na.sources.length * (na.targets.length + (na.self ? 1 : 0)) * na.classes.length;
  if (pairs <= tab.size * 4) {
    for (const s of na.sources) {
      const targets = na.self ? [s, ...na.targets] : na.targets;
      for (const t of targets) {
        for (let ci = 0; ci < na.classes.length; ci++) {
          const c = na.classes[ci]!;
          const slot = tab.find(tab.key(s, t, c));
          const bad = slot < 0 ? 0 : tab.allow[slot]! & na.masks[ci]!;
          if (bad !== 0) out.push([s, t, c, bad]);
        }
      }
    }
    return dedupe(out);
  }
  const src = new Uint8Array(ntypes);
  const tgt = new Uint8Array(ntypes);
  for (const s of na.sources) src[s] = 1;
  for (const t of na.targets) tgt[t] = 1;
  const classMask = new Map(na.classes.map((c, i) => [c, na.masks[i]!]));
  tab.forEach((key, allow) => {
    if (allow === 0) return;
    const [s, t, c] = tab.decode(key);
    const mask = classMask.get(c);
    if (mask === undefined || !src[s] || !(tgt[t] || (na.self && s === t))) return;
    if ((allow & mask) !== 0) out.push([s, t, c, allow & mask]);
  });
  return out;
}

/** `self` plus a target list naming the source again yields the same cell twice. */
function dedupe(v: Violation[]): Violation[] {
  const seen = new Set<string>();
  return v.filter(([s, t, c]) => {
    const k = `${s} ${t} ${c}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function violation(sym: Symbols, na: ExpandedAvRule, allows: ExpandedAvRule[], s: number, t: number, c: number, bad: number): ReturnType<typeof error> {
  const perms = permList(sym, c, bad);
  const sn = sym.types[s]!.name;
  const tn = sym.types[t]!.name;
  const cn = sym.classes[c]!.name;
  const notes: { message: string; span?: (typeof na)["span"] }[] = [];
  for (const r of allows) {
    const m = ruleMask(r, s, t, c) & bad;
    if (m === 0) continue;
    const where = r.cond ? ` (in the ${r.cond.branch ? "true" : "false"} branch of a conditional)` : "";
    notes.push({ message: `allow ${sn} ${tn}:${cn} { ${permList(sym, c, m).join(" ")} } granted by this rule${where}`, span: r.span });
  }
  return error("neverallow", `neverallow violated by allow ${sn} ${tn}:${cn} { ${perms.join(" ")} }`, na.span, notes);
}

export function check(sym: Symbols, ex: Expanded): Diagnostic[] {
  return checkNeverallows(sym, ex);
}

/** CompileOptions.warnings: declarations that cannot matter (checkpolicy accepts them silently). */
export function unusedDeclarations(sym: Symbols): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const a of sym.attrs) {
    if (a.members.length === 0) out.push(warning("unused", `attribute ${a.name} has no types: rules naming it grant nothing`, a.span));
  }
  const read = new Set(sym.conds.flatMap((c) => c.bools));
  for (const b of sym.bools) {
    if (!read.has(b.id)) out.push(warning("unused", `boolean ${b.name} is not used by any conditional`, b.span));
  }
  return out;
}
