// The compiled policy's tables, as decisions read them: interned names, the base avtab and the
// conditional lists, constraints by class. decide.ts and matrix.ts work on this, never on the AST.
import { AvTab } from "./avtab.js";
import type { Span } from "../diagnostics/diagnostic.js";
import { evalCond } from "./cond.js";
import { condListIndex, type Expanded } from "./expand.js";
import type { ResolvedConstraint, Symbols } from "./symbols.js";
import type { RuleRef } from "./types.js";

export interface ClassEntry {
  id: number;
  perms: Map<string, number>;
}

/** Everything decisions read. decide.ts and matrix.ts work on this, never on the AST. */
export class PolicyCore {
  readonly typeIds: Map<string, number>;
  readonly classEntries: Map<string, ClassEntry>;
  readonly constraintsByClass: ResolvedConstraint[][];
  /** Boolean values, by boolean id (0/1). */
  readonly boolState: Uint8Array;
  /** Conditional node values under boolState. */
  readonly condState: Uint8Array;
  /** Base table plus the enabled conditional branches. */
  effective: AvTab;

  constructor(
    readonly sym: Symbols,
    readonly ex: Expanded,
    private readonly source: string,
  ) {
    this.typeIds = sym.typeIds;
    this.classEntries = new Map(sym.classes.map((c) => [c.name, { id: c.id, perms: c.permMask }]));
    this.constraintsByClass = sym.classes.map(() => []);
    for (const c of sym.constraints) this.constraintsByClass[c.classId]!.push(c);
    this.boolState = Uint8Array.from(sym.bools, (b) => (b.value ? 1 : 0));
    this.condState = new Uint8Array(sym.conds.length);
    this.effective = ex.base;
    this.refresh();
  }

  /** The avtab under the given boolean values. */
  tableFor(boolState: Uint8Array): { table: AvTab; condState: Uint8Array } {
    const condState = Uint8Array.from(this.sym.conds, (c) => (evalCond(c.program, boolState) ? 1 : 0));
    const lists = this.sym.conds.map((c, i) => this.ex.condLists[condListIndex({ node: i, branch: condState[i] === 1 })]!);
    const extra = lists.reduce((n, l) => n + l.length, 0);
    if (extra === 0) return { table: this.ex.base, condState };
    const table = this.ex.base.cloneWithRoom(extra);
    for (const l of lists) l.addTo(table);
    return { table, condState };
  }

  refresh(): void {
    const { table, condState } = this.tableFor(this.boolState);
    this.effective = table;
    this.condState.set(condState);
  }

  ruleRef(span: Span): RuleRef {
    const raw = this.source.slice(span.offset, span.offset + span.length);
    // a rule m4 spread over lines carries `#line` directives (and may carry comments) inside it
    return { text: raw.replace(/#[^\n]*/g, " ").replace(/\s+/g, " ").trim(), span };
  }
}

