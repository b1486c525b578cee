// MLS (checkpolicy -M), as policy_define.c reads it: define_sens, define_dominance,
// define_category, define_level, and the levels and ranges of users, contexts and
// range_transition rules (parse_categories, mls_semantic_level_expand, mls_range_isvalid).
// Without MLS the first MLS statement or field is one error, where checkpolicy stops at its
// "... in non-MLS configuration"; MLS operands in a plain `constrain` stay legal (checkpolicy
// writes them, and they compare the empty levels of non-MLS contexts).
import { diagnostic, type Diagnostic, type Span } from "../../diagnostics/diagnostic.js";
import type { Ident, MlsLevel, MlsRange, PolicyAst, Statement } from "../ast.js";
import { levelDominates, levelRunsText, type Level, type LevelRange, type MlsSymbols } from "../symbols.js";
import { expandTypeSet } from "../typeset.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

/** What makes a statement MLS, in checkpolicy's words; undefined for a plain one. */
function mlsUse(s: Statement): { what: string; span: Span } | undefined {
  switch (s.kind) {
    case "sensitivity":
      return { what: "sensitivity definition", span: s.span };
    case "dominance":
      return { what: "dominance definition", span: s.span };
    case "category":
      return { what: "category definition", span: s.span };
    case "level":
      return { what: "level definition", span: s.span };
    case "range_transition":
      return { what: "range_transition rule", span: s.span };
    case "constrain":
    case "validatetrans":
      return s.mls ? { what: `mls${s.kind} statement`, span: s.span } : undefined;
    case "user":
      return s.mls ? { what: `user ${s.name.name}'s level and range`, span: s.mls.level.span } : undefined;
    case "sid_context":
    case "pirqcon":
    case "iomemcon":
    case "ioportcon":
    case "pcidevicecon":
    case "devicetreecon": {
      const c = s.context;
      return c.mls ? { what: `MLS range in context ${c.user.name}:${c.role.name}:${c.type.name}`, span: c.mls.span } : undefined;
    }
    default:
      return undefined;
  }
}

/** A non-MLS compile: one error at the first MLS statement or field, counting the others. */
export function mlsDisabled(ast: PolicyAst): Diagnostic[] {
  // (one pass that allocates nothing for a plain statement: every compile walks every statement here)
  let first: { what: string; span: Span } | undefined;
  let count = 0;
  const statements = ast.statements;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    const use = mlsUse(s);
    if (use === undefined) continue;
    first ??= use;
    count++;
  }
  if (first === undefined) return [];
  return [diagnostic("mls-disabled", first.span, first.what, count - 1)];
}

/** The kernel's text of a level (mls_sid_to_context): runs of three or more categories as
 *  `c0.c2`, shorter ones listed. */
export function levelText(mls: MlsSymbols, l: Level): string {
  return levelRunsText(mls, l, 3);
}

export function rangeText(mls: MlsSymbols, r: LevelRange): string {
  const low = levelText(mls, r.low);
  const high = levelText(mls, r.high);
  return low === high ? low : `${low}-${high}`;
}

/** The MLS half of resolve: declarations first, then levels and ranges wherever a statement
 *  names one. */
export class MlsResolver {
  readonly mls: MlsSymbols = { sens: [], sensIds: new Map(), cats: [], catIds: new Map(), rangeTransitions: [] };

  constructor(private readonly st: ResolveState) {
    st.sym.mls = this.mls;
  }

  /** define_sens, define_dominance, define_category, define_level, in statement order; then,
   *  unless `asRead` (what checkpolicy's first pass has found by the statement it stopped at), what
   *  the whole policy lacks. */
  declarations(asRead = false): void {
    const st = this.st;
    let dominance: Statement | undefined;
    let sawMls = false;
    for (const s of st.ast.statements) {
      switch (s.kind) {
        case "sensitivity":
          sawMls = true;
          this.declare("sensitivity", s.name, s.aliases, this.mls.sensIds, this.mls.sens.length, (id, name, span) => this.mls.sens.push({ id, name, span, aliases: [], order: 0 }), (id, a) => this.mls.sens[id]!.aliases.push(a));
          break;
        case "category":
          this.declare("category", s.name, s.aliases, this.mls.catIds, this.mls.cats.length, (id, name, span) => this.mls.cats.push({ id, name, span, aliases: [] }), (id, a) => this.mls.cats[id]!.aliases.push(a));
          break;
        case "dominance":
          if (dominance) st.err("duplicate", "a second dominance statement: one orders every sensitivity", s.span, [{ message: "the first is here", span: dominance.span }]);
          else {
            dominance = s;
            this.dominance(s.order, s.span);
          }
          break;
        case "level":
          this.levelDecl(s.level);
          break;
      }
    }
    if (asRead) return;
    if (!sawMls) {
      const first = st.ast.statements.find((s) => s.kind === "user" || s.kind === "type" || s.kind === "attribute");
      st.err("mls-required", "an MLS policy (-M) needs its sensitivity, dominance and level declarations after the access vectors", first?.span);
      return;
    }
    if (!dominance) st.err("mls-required", "the MLS declarations need a dominance statement ordering every sensitivity (dominance { s0 s1 ... })", this.mls.sens[0]!.span);
  }

  /** checkpolicy's check_level, run once the whole policy is read (after the errors of both
   *  passes): every sensitivity has a level. */
  levelsUsed(): void {
    for (const sens of this.mls.sens) {
      if (sens.cats === undefined) this.st.err("mls-level", `sensitivity ${sens.name} was not used in a level definition`, sens.span);
    }
  }

  private declare(
    noun: string,
    name: Ident,
    aliases: Ident[],
    ids: Map<string, number>,
    id: number,
    add: (id: number, name: string, span: Span) => void,
    alias: (id: number, name: string) => void,
  ): void {
    if (ids.has(name.name)) {
      this.st.err("duplicate", `duplicate declaration of ${noun} ${name.name}`, name.span, this.st.firstDeclared(noun, name.name));
      return;
    }
    this.st.declared(noun, name.name, name.span);
    ids.set(name.name, id);
    add(id, name.name, name.span);
    for (const a of aliases) {
      if (ids.has(a.name)) this.st.err("duplicate", `duplicate declaration of ${noun} alias ${a.name}`, a.span, this.st.firstDeclared(noun, a.name));
      else {
        this.st.declared(noun, a.name, a.span);
        ids.set(a.name, id);
        alias(id, a.name);
      }
    }
  }

  /** define_dominance: each sensitivity once, all of them, lowest first. */
  private dominance(order: Ident[], span: Span): void {
    let n = 0;
    for (const name of order) {
      const id = this.mls.sensIds.get(name.name);
      if (id === undefined) {
        this.st.err("undeclared", `unknown sensitivity ${name.name} used in dominance definition`, name.span);
        continue;
      }
      const sens = this.mls.sens[id]!;
      if (sens.order !== 0) this.st.err("duplicate", `sensitivity ${name.name} occurs multiply in dominance definition`, name.span);
      else sens.order = ++n;
    }
    const missing = this.mls.sens.filter((s) => s.order === 0).map((s) => s.name);
    if (missing.length > 0 && n === order.length) {
      this.st.err("mls-required", `all sensitivities must be specified in dominance definition (missing: ${missing.join(", ")})`, span);
    }
  }

  /** define_level: the categories a sensitivity may carry. */
  private levelDecl(l: MlsLevel): void {
    const id = this.mls.sensIds.get(l.sens.name);
    if (id === undefined) {
      this.st.err("undeclared", `unknown sensitivity ${l.sens.name} used in level definition`, l.sens.span);
      return;
    }
    const sens = this.mls.sens[id]!;
    if (sens.cats !== undefined) {
      this.st.err("duplicate", `sensitivity ${sens.name} used in multiple level definitions`, l.span);
      return;
    }
    sens.cats = this.categories(l.cats) ?? [];
  }

  /** parse_categories: names and `lo.hi` ranges -> sorted category values - 1. */
  private categories(items: Ident[]): number[] | undefined {
    const out = new Set<number>();
    let ok = true;
    for (const item of items) {
      const dot = item.name.indexOf(".");
      const lo = dot < 0 ? item.name : item.name.slice(0, dot);
      const hi = dot < 0 ? lo : item.name.slice(dot + 1);
      const a = this.mls.catIds.get(lo);
      const b = this.mls.catIds.get(hi);
      if (a === undefined || b === undefined) {
        this.st.err("undeclared", `unknown category ${a === undefined ? lo : hi}`, item.span);
        ok = false;
        continue;
      }
      if (a > b) {
        this.st.err("mls-level", `category range ${item.name} is invalid: ${lo} comes after ${hi}`, item.span);
        ok = false;
        continue;
      }
      for (let v = a; v <= b; v++) out.add(v);
    }
    return ok ? [...out].sort((x, y) => x - y) : undefined;
  }

  /** A level in a user, context or rule (mls_semantic_level_expand): its categories must be ones
   *  the sensitivity's `level` statement allows. */
  level(l: MlsLevel): Level | undefined {
    const id = this.mls.sensIds.get(l.sens.name);
    if (id === undefined) {
      this.st.err("undeclared", `sensitivity ${l.sens.name} is not defined`, l.sens.span);
      return undefined;
    }
    const sens = this.mls.sens[id]!;
    const cats = this.categories(l.cats);
    if (cats === undefined) return undefined;
    const allowed = new Set(sens.cats ?? []);
    const stray = cats.find((c) => !allowed.has(c));
    if (stray !== undefined) {
      this.st.err("mls-level", `category ${this.mls.cats[stray]!.name} can not be associated with level ${sens.name}`, l.span);
      return undefined;
    }
    return { sens: sens.order, cats };
  }

  /** mls_range_def: the high level must dominate the low one. */
  range(r: MlsRange): LevelRange | undefined {
    const low = this.level(r.low);
    const high = r.high ? this.level(r.high) : low;
    if (!low || !high) return undefined;
    if (!levelDominates(high, low)) {
      this.st.err("mls-level", "MLS range high level does not dominate low level", r.span);
      return undefined;
    }
    return { low, high };
  }

  /** define_user's `level L range R`: the default level lies within the range. */
  user(name: Ident, span: Span, mls: { level: MlsLevel; range: MlsRange } | undefined): { range: LevelRange; level: Level } | undefined {
    if (!mls) {
      this.st.err("mls-required", `no default level specified for user ${name.name}: an MLS policy needs 'level L range R'`, span);
      return undefined;
    }
    const range = this.range(mls.range);
    const level = this.level(mls.level);
    if (!range || !level) return undefined;
    if (!levelDominates(level, range.low) || !levelDominates(range.high, level)) {
      this.st.err("mls-level", `default level not within user range of ${name.name}`, mls.level.span);
      return undefined;
    }
    return { range, level };
  }

  /** define_range_trans: types, classes (the legacy form means class process) and a range;
   *  expand's exp_rangetr_helper refuses two ranges for one (source, target, class). */
  rangeTransition(names: Names, s: Statement & { kind: "range_transition" }, seen: Map<string, { range: LevelRange; span: Span }>): void {
    const st = this.st;
    names.shape(s.sources, { exclude: true });
    names.shape(s.targets, { exclude: true });
    const sources = names.typeSet(s.sources, false);
    const targets = names.typeSet(s.targets, false);
    let classes: number[];
    if (s.classes) classes = names.classSet(s.classes);
    else {
      const process = st.sym.classIds.get("process");
      if (process === undefined) {
        st.err("undeclared", "could not find process class for legacy range_transition statement", s.span);
        return;
      }
      classes = [process];
    }
    const range = this.range(s.range);
    if (!range) return;
    st.sym.mls!.rangeTransitions.push({ span: s.span, sources, targets, classes, range });
    const text = (r: LevelRange) => rangeText(this.mls, r);
    for (const src of expandTypeSet(sources, st.sym)) {
      for (const tgt of expandTypeSet(targets, st.sym)) {
        for (const c of classes) {
          const key = `${src} ${tgt} ${c}`;
          const first = seen.get(key);
          if (!first) seen.set(key, { range, span: s.span });
          else if (text(first.range) !== text(range)) {
            const sym = st.sym;
            st.err("duplicate", `conflicting range_transition rules for ${sym.types[src]!.name} ${sym.types[tgt]!.name}:${sym.classes[c]!.name}: ${text(first.range)} and ${text(range)}`, s.span, [
              { message: "the first rule", span: first.span },
            ]);
            return;
          }
        }
      }
    }
  }
}
