// The parser's own implementations of the two most numerous AST nodes (ast.ts Ident and NameSet).
// A large policy has ~700k names and ~400k one-name sets, and the whole AST stays live until the
// resolver is done, so each byte of them is paid in allocation and again in every GC. Both read
// exactly like the interfaces (a span is made when read), and serialise as the plain objects.
import type { Ident, NameSet } from "./ast.js";
import type { Span } from "../diagnostics/diagnostic.js";
import { LineMap, SourceSpan } from "./lines.js";
import type { ScanNodes } from "./scan.js";
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

/** The scanner's node makers over one text's lines. Methods of a class rather than closures made
 *  per parse, so the scanner's optimised code calls the same functions from one parse to the next
 *  (a closure inlined there dies with its parse and deoptimises it: shapes.ts). */
export class SourceNodes implements ScanNodes {
  constructor(readonly lines: LineMap) {}
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
}

// (sample instances: see shapes.ts)
{
  const nodes = keepShape(new SourceNodes(new LineMap("", "")));
  keepShape(nodes.nameSet("", 0));
  keepShape(nodes.ident("", 0));
}
