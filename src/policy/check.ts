// Stage `check`: neverallow assertions, as libsepol's assertion.c check_assertions(): every
// neverallow is tested against every allow entry, unconditional or in either branch of any
// conditional, whatever the booleans' values. A violation names the neverallow, each violating
// (source, target, class, perms), and the allow rule(s) that grant it. The violations come one per
// line checkpolicy prints, in its order (test/fixtures/neverallow-order holds its output).
import { AvKind, AvTab, EMPTY } from "./avtab.js";
import { error, warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Expanded, ExpandedAvRule } from "./expand.js";
import { ruleMask } from "./rulematch.js";
import type { Symbols } from "./symbols.js";
import { checkBounds, typeParent } from "./bounds.js";
import { typeAttrMap, TypeAttrMap } from "./typeattr.js";
import { AVTAB_COMPILE_MASK, avtabHash } from "./hashtab.js";
import { typeTableOrder } from "./symtab-order.js";

/** Enough to act on; a rule that breaks a neverallow for thousands of pairs would drown the rest. */
const MAX_REPORTS_PER_NEVERALLOW = 20;

export function permList(sym: Symbols, tclass: number, mask: number): string[] {
  const perms = sym.classes[tclass]!.perms;
  const out: string[] = [];
  for (let bit = 0; bit < perms.length; bit++) if (mask & (1 << bit)) out.push(perms[bit]!);
  return out;
}

/** Every allow entry, conditional or not: the base table, and one table of the conditional
 *  lists' allow entries when there are any (the base is read in place, not copied). */
function allowTables(ex: Expanded): AvTab[] {
  let extra = 0;
  for (const l of ex.condLists) extra += l.length;
  if (extra === 0) return [ex.base];
  const conds = new AvTab(ex.base.nids, ex.base.nclasses, extra);
  for (const l of ex.condLists) {
    for (let i = 0; i < l.length; i++) if (l.kinds[i] === AvKind.Allow) conds.add(l.keys[i]!, AvKind.Allow, l.masks[i]!);
  }
  return [ex.base, conds];
}

export function checkNeverallows(sym: Symbols, ex: Expanded): Diagnostic[] {
  if (ex.neverallows.length === 0) return [];
  const diags: Diagnostic[] = [];
  const tables = allowTables(ex);
  // (over every table of the expansion: a superset of the ids the allow entries use, same answers)
  const tam = typeAttrMap(sym, ex);
  // the allow rules expanded to types, read only to name the rules behind a violation
  let allows: ExpandedAvRule[] | undefined;
  let walk: AvtabWalk | undefined;
  // expand.c copy_neverallow prepends each neverallow to the list check_assertions walks: the
  // last one declared is checked, and reported, first
  for (let n = ex.neverallows.length - 1; n >= 0; n--) {
    const na = ex.neverallows[n]!;
    const found = violations(tables, tam, na);
    if (found.length === 0) continue;
    allows ??= ex.rules.filter((r) => r.kind === "allow");
    walk ??= new AvtabWalk(sym, ex);
    const { shown, count } = walk.reports(tam, na, MAX_REPORTS_PER_NEVERALLOW);
    for (const r of shown) diags.push(violation(sym, na, allows, r));
    if (count > shown.length) {
      diags.push(error("neverallow", `neverallow violated ${count - shown.length} more time(s) (first ${shown.length} shown)`, na.span));
    }
    // report_assertion_avtab_matches skips every pair but (s, s) of a neverallow with `self`, and
    // check_assertions fails only on what it reported: its other targets are never enforced
    const unchecked = na.self ? found.filter((v) => v[0] !== v[1]) : [];
    if (unchecked.length > 0) {
      const [s, t, c, bad] = unchecked[0]!;
      const more = unchecked.length > 1 ? ` (and ${unchecked.length - 1} more)` : "";
      diags.push(
        warning(
          "neverallow-unchecked",
          `allow ${sym.types[s]!.name} ${sym.types[t]!.name}:${sym.classes[c]!.name} { ${permList(sym, c, bad).join(" ")} }${more} breaks this neverallow, but checkpolicy checks only the self pairs of a neverallow with self and accepts it`,
          na.span,
        ),
      );
    }
  }
  return diags;
}

/** One line of checkpolicy's report: `neverallow ... violated by allow S T:C { perms }`. */
interface Report {
  s: number;
  t: number;
  c: number;
  perms: number;
}

/** The allow entries in the order check_assertions meets them (avtab_map over te_avtab, then
 *  te_cond_avtab: avtab_hash buckets of libsepol's values, chains by (source, target, class)),
 *  so the reports come in checkpolicy's order. A conditional list's entries are merged per key
 *  as find_avtab_node merges them. */
class AvtabWalk {
  /** Key id (types, then attributes) -> libsepol value: p_types in hashtab_map order. */
  private readonly value: Int32Array;
  private readonly entries: { s: number; t: number; c: number; allow: number }[] = [];

  constructor(sym: Symbols, ex: Expanded) {
    const nt = sym.types.length;
    const value = (this.value = new Int32Array(nt + sym.attrs.length));
    let next = 0;
    for (const e of typeTableOrder(sym)) {
      if (e.kind === "type") value[e.id] = ++next;
      else if (e.kind === "attr") value[nt + e.id] = ++next;
    }
    const base = this.sorted(ex.base.keys, (i) => ex.base.allow[i]!, ex.base);
    const conds = ex.condLists.flatMap((l) => {
      const merged = new Map<number, number>();
      for (let i = 0; i < l.length; i++) if (l.kinds[i] === AvKind.Allow) merged.set(l.keys[i]!, (merged.get(l.keys[i]!) ?? 0) | l.masks[i]!);
      const keys = [...merged.keys()];
      return this.sorted(keys, (i) => merged.get(keys[i]!)!, l);
    });
    // one key in several lists: avtab_insert_nonunique puts each new node before the equal ones,
    // so the last list expand copied comes first (our lists are in the order it copies them)
    conds.reverse().sort((a, b) => this.compare(a, b));
    this.entries = [...base, ...conds];
  }

  private sorted(keys: ArrayLike<number>, allow: (i: number) => number, shape: { nids: number; nclasses: number }) {
    const out: { s: number; t: number; c: number; allow: number; bucket: number }[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const mask = allow(i);
      if (key === EMPTY || mask === 0) continue;
      const c = key % shape.nclasses;
      const pair = (key - c) / shape.nclasses;
      const t = pair % shape.nids;
      const s = (pair - t) / shape.nids;
      out.push({ s, t, c, allow: mask, bucket: avtabHash(this.value[s]!, this.value[t]!, c + 1, AVTAB_COMPILE_MASK) });
    }
    return out.sort((a, b) => this.compare(a, b));
  }

  private compare(a: { s: number; t: number; c: number; bucket: number }, b: { s: number; t: number; c: number; bucket: number }): number {
    return a.bucket - b.bucket || this.value[a.s]! - this.value[b.s]! || this.value[a.t]! - this.value[b.t]! || a.c - b.c;
  }

  /** report_assertion_avtab_matches over every entry: per entry, each source type of both the
   *  neverallow and the key by value, then each such target (with `self`, only the source
   *  itself). The first `limit` reports, and how many there are. */
  reports(tam: TypeAttrMap, na: ExpandedAvRule, limit: number): { shown: Report[]; count: number } {
    const nids = this.value.length;
    const src = new Uint8Array(nids);
    const tgt = new Uint8Array(nids);
    for (let a = 0; a < na.sources.length; a++) src[na.sources[a]!] = 1;
    for (let b = 0; b < na.targets.length; b++) tgt[na.targets[b]!] = 1;
    const classMask = new Map<number, number>();
    na.classes.forEach((c, i) => classMask.set(c, (classMask.get(c) ?? 0) | na.masks[i]!));
    const byValue = (ids: number[]) => ids.sort((x, y) => this.value[x]! - this.value[y]!);
    const shown: Report[] = [];
    let count = 0;
    for (const e of this.entries) {
      const perms = e.allow & (classMask.get(e.c) ?? 0);
      if (perms === 0) continue;
      const sources = byValue(Array.from(tam.members(e.s)).filter((s) => src[s] === 1));
      if (sources.length === 0) continue;
      const inTarget = new Set(Array.from(tam.members(e.t)));
      const forbidden = na.self ? [] : byValue([...inTarget].filter((t) => tgt[t] === 1));
      for (const s of sources) {
        const targets = na.self ? (inTarget.has(s) ? [s] : []) : forbidden;
        for (const t of targets) {
          if (shown.length < limit) shown.push({ s, t, c: e.c, perms });
          count++;
        }
      }
    }
    return { shown, count };
  }
}

type Violation = [stype: number, ttype: number, tclass: number, perms: number];

/** The allowed (source type, target type, class) cells a neverallow forbids, sorted. Asks each
 *  cell when the neverallow is narrow; walks the tables once (as assertion.c walks the avtab,
 *  meeting each entry's source and target members with the neverallow's) when it is wide. */
function violations(tables: readonly AvTab[], tam: TypeAttrMap, na: ExpandedAvRule): Violation[] {
  const nt = tam.ntypes;
  const nc = tables[0]!.nclasses;
  // type-pair key -> forbidden permissions granted there
  const cells = new Map<number, number>();
  const note = (s: number, t: number, c: number, bad: number) => {
    if (bad === 0) return;
    const key = (s * nt + t) * nc + c;
    cells.set(key, (cells.get(key) ?? 0) | bad);
  };
  let size = 0;
  for (const tab of tables) size += tab.size;
  const pairs = na.sources.length * (na.targets.length + (na.self ? 1 : 0)) * na.classes.length;
  if (pairs <= size * 4) {
    // (indexed loops: a cold compile runs this in V8's interpreter, where each step of a for-of
    // allocates an iterator result; ~1,200 cells per neverallow of Xen's policy made ~0.5 MB)
    const { sources, classes, masks } = na;
    for (let a = 0; a < sources.length; a++) {
      const s = sources[a]!;
      const targets = na.self ? [s, ...na.targets] : na.targets;
      for (let b = 0; b < targets.length; b++) {
        const t = targets[b]!;
        for (let ci = 0; ci < classes.length; ci++) {
          const c = classes[ci]!;
          let allowed = 0;
          for (let x = 0; x < tables.length; x++) allowed |= tam.allowed(tables[x]!, s, t, c);
          note(s, t, c, allowed & masks[ci]!);
        }
      }
    }
  } else {
    const src = new Uint8Array(nt);
    const tgt = new Uint8Array(nt);
    for (let a = 0; a < na.sources.length; a++) src[na.sources[a]!] = 1;
    for (let b = 0; b < na.targets.length; b++) tgt[na.targets[b]!] = 1;
    // the neverallow's mask per class (0: not its class); masks as int32, so no read boxes a number
    const classMask = new Int32Array(nc);
    for (let ci = 0; ci < na.classes.length; ci++) classMask[na.classes[ci]!] = na.masks[ci]!;
    for (let x = 0; x < tables.length; x++) {
      const { keys, allow, nids } = tables[x]!;
      for (let i = 0; i < keys.length; i++) {
        if (allow[i] === 0) continue;
        const key = keys[i]!;
        if (key === EMPTY) continue;
        // tab.decode inline: its [s, t, c] and the destructuring's iterator cost ~150 KB a compile
        const c = key % nc;
        const mask = allow[i]! & classMask[c]!;
        if (mask === 0) continue;
        const pair = (key - c) / nc;
        const kt = pair % nids;
        const sources = tam.members((pair - kt) / nids);
        const targets = tam.members(kt);
        for (let a = 0; a < sources.length; a++) {
          const s = sources[a]!;
          if (!src[s]) continue;
          for (let b = 0; b < targets.length; b++) {
            const t = targets[b]!;
            if (tgt[t] || (na.self && s === t)) note(s, t, c, mask);
          }
        }
      }
    }
  }
  const out: Violation[] = [];
  for (const [key, bad] of cells) {
    const c = key % nc;
    const pair = (key - c) / nc;
    const t = pair % nt;
    out.push([(pair - t) / nt, t, c, bad]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
}

function violation(sym: Symbols, na: ExpandedAvRule, allows: ExpandedAvRule[], { s, t, c, perms: bad }: Report): Diagnostic {
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

/** What checkpolicy says of this policy with `allow s t:c mask;` added (s, t as a context names
 *  them): the bounds and neverallow errors that rule alone brings, in checkpolicy's order, from the
 *  same checks the compile runs (a compiled policy has none of its own). The rule's avtab entry is
 *  checked alone: merged into the policy's (s, t, c) entry its forbidden permissions are the same,
 *  as that entry forbids none. Checked before a denial's proposal is offered as its fix
 *  (test/fixtures/refused/checkpolicy.json holds checkpolicy's word on such rules). */
export function addedRuleProblems(sym: Symbols, ex: Expanded, s: number, t: number, c: number, mask: number): Diagnostic[] {
  const diags: Diagnostic[] = [];
  if (s < sym.types.length && typeParent(sym, s) !== undefined) {
    // bounds_check_types reads the whole table (a child's rules against its parent's): the
    // policy's own, plus this one
    const base = ex.base.cloneWithRoom(1);
    base.add(base.key(s, t, c), AvKind.Allow, mask);
    diags.push(...checkBounds(sym, { ...ex, base }).filter((d) => d.code === "bounds" && d.span !== undefined));
    // (expand_module stops at a bounds failure: checkpolicy then says nothing of neverallows)
    if (diags.length > 0) return diags;
  }
  const added = new AvTab(ex.base.nids, ex.base.nclasses, 1);
  added.add(added.key(s, t, c), AvKind.Allow, mask);
  // (the policy's own map walks only the ids its rules key on: this rule's may be others)
  const tam = new TypeAttrMap(sym, [added]);
  for (let n = ex.neverallows.length - 1; n >= 0; n--) {
    const na = ex.neverallows[n]!;
    // (a neverallow with self is enforced on the (s, s) pairs only, as checkNeverallows says)
    for (const [vs, vt, vc, bad] of violations([added], tam, na)) if (!na.self || vs === vt) diags.push(violation(sym, na, [], { s: vs, t: vt, c: vc, perms: bad }));
  }
  return diags;
}

/** expand_module runs hierarchy_check_constraints before check_assertions, and checkpolicy stops
 *  at a bounds failure: its errors come first (the neverallow ones are still reported). */
export function check(sym: Symbols, ex: Expanded): Diagnostic[] {
  return [...checkBounds(sym, ex), ...checkNeverallows(sym, ex)];
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
