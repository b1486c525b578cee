// The parser's own implementations of the two most numerous AST nodes (ast.ts Ident and NameSet).
// A large policy has ~700k names and ~400k one-name sets, and the whole AST stays live until the
// resolver is done, so each byte of them is paid in allocation and again in every GC. Both read
// exactly like the interfaces (a span is made when read), and serialise as the plain objects.
import type { Ident, NameSet } from "./ast.js";
import type { Span } from "../diagnostics/diagnostic.js";
import { LineMap, SourceSpan } from "./lines.js";
import { ScannedAvRule, Scanner, type ScanNodes } from "./scan.js";
import { keepShape } from "./shapes.js";

/** A name and where it was read: its span is the name's length from `offset`. */
export class SourceIdent implements Ident {
  readonly #lines: LineMap;

  constructor(
    readonly name: string,
    lines: LineMap,
    readonly offset: number,
  ) {
    this.#lines = lines;
  }

  get span(): Span {
    return new SourceSpan(this.#lines, this.offset, this.name.length);
  }
  // (OneName, a subclass, serialises as a set where the AST holds one)
  toJSON(_key?: string): Ident | NameSet {
    return { name: this.name, span: this.span };
  }
}

const NONE: Ident[] = Object.freeze([]) as unknown as Ident[];

/** The set of one name (no `*`, `~` or `-`), which is also that name's Ident: `include` is
 *  `[this]`, so a one-name set costs one small object instead of a set, an array and an Ident. */
export class OneName extends SourceIdent implements NameSet {
  get include(): Ident[] {
    return [this];
  }
  get star(): boolean {
    return false;
  }
  get complement(): boolean {
    return false;
  }
  get exclude(): Ident[] {
    return NONE;
  }
  /** As the set where the AST holds a set; as the Ident inside `include` (an array index). */
  override toJSON(key?: string): NameSet | Ident {
    const ident = { name: this.name, span: this.span };
    return key !== undefined && /^\d+$/.test(key) ? ident : { span: this.span, star: false, complement: false, include: [ident], exclude: NONE };
  }
}

/** A set in braces (`{ a b -c }`, `~{ ... }`, no nesting) as the scanner read it: its names, and
 *  where it is. Its Idents are read again from the text when first asked for: the resolver reads
 *  the names only, and a large policy has ~90k such sets of ~3 names, each Ident an object and a
 *  span that would stay live (and be copied by every scavenge) until the resolver is done. */
export class ScannedSet implements NameSet {
  readonly #nodes: SourceNodes;
  #idents: { include: Ident[]; exclude: Ident[] } | undefined = undefined;

  constructor(
    nodes: SourceNodes,
    readonly offset: number,
    readonly length: number,
    readonly complement: boolean,
    /** The names of `include`, in order. */
    readonly names: string[],
    /** The names of `exclude` (after a `-`), in order. */
    readonly excludeNames: string[],
  ) {
    this.#nodes = nodes;
  }

  get span(): Span {
    return new SourceSpan(this.#nodes.lines, this.offset, this.length);
  }
  get star(): boolean {
    return false;
  }
  get include(): Ident[] {
    return (this.#idents ??= this.#nodes.braceIdents(this.offset)).include;
  }
  get exclude(): Ident[] {
    return (this.#idents ??= this.#nodes.braceIdents(this.offset)).exclude;
  }
  /** Where each name is written, in text order, `minus` 1 after a `-` (Scanner.braceOffsets; no
   *  Idents made: the language server's index reads every set of a policy). */
  offsets(): { offsets: readonly number[]; minus: readonly number[] } {
    return this.#nodes.braceOffsets(this.offset);
  }
  toJSON(): NameSet {
    return { span: this.span, star: false, complement: this.complement, include: this.include, exclude: this.exclude };
  }
}

/** The names of a set's include list (without making a ScannedSet's Idents). */
export function includeNames(set: NameSet): readonly string[] {
  return set instanceof ScannedSet ? set.names : set.include.map((id) => id.name);
}

/** The names of a set's exclude list (without making a ScannedSet's Idents). */
export function excludeNames(set: NameSet): readonly string[] {
  return set instanceof ScannedSet ? set.excludeNames : set.exclude.length === 0 ? NO_NAMES : set.exclude.map((id) => id.name);
}

const NO_NAMES: readonly string[] = Object.freeze([]);

/** The scanner's node makers over one text's lines. Methods of a class rather than closures made
 *  per parse, so the scanner's optimised code calls the same functions from one parse to the next
 *  (a closure inlined there dies with its parse and deoptimises it: shapes.ts). */
export class SourceNodes implements ScanNodes {
  #reader: Scanner | undefined = undefined;
  readonly pool: (string | number)[] = [];

  constructor(
    readonly lines: LineMap,
    /** The text the lines map (sets read again from it: ScannedSet). */
    readonly text: string,
  ) {}
  span(start: number, end: number): Span {
    return this.lines.span(start, end);
  }
  at(start: number, end: number): Span {
    return this.lines.lazySpan(start, end);
  }
  ident(name: string, start: number): Ident {
    return new SourceIdent(name, this.lines, start);
  }
  oneName(id: Ident): NameSet {
    return new OneName(id.name, this.lines, (id as SourceIdent).offset);
  }
  nameSet(name: string, start: number): NameSet {
    return new OneName(name, this.lines, start);
  }
  nameList(start: number, end: number, complement: boolean, include: string[], exclude: string[]): NameSet {
    return new ScannedSet(this, start, end - start, complement, include, exclude);
  }
  /** The Idents of the set a ScannedSet holds the names of. */
  braceIdents(start: number): { include: Ident[]; exclude: Ident[] } {
    return (this.#reader ??= new Scanner(this.text, this)).braceIdents(start);
  }
  braceOffsets(start: number): { offsets: readonly number[]; minus: readonly number[] } {
    return (this.#reader ??= new Scanner(this.text, this)).braceOffsets(start);
  }
  avRuleSets(at: number): [NameSet, NameSet, NameSet, NameSet] {
    return (this.#reader ??= new Scanner(this.text, this)).avRuleSets(at);
  }
}

// (sample instances: see shapes.ts)
{
  const nodes = keepShape(new SourceNodes(new LineMap("", ""), ""));
  keepShape(nodes.nameSet("", 0));
  keepShape(nodes.ident("", 0));
  keepShape(nodes.nameList(0, 0, false, [], []));
  keepShape(new ScannedAvRule(nodes, "allow", 0, "", "", "", 0));
}
