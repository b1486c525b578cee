// The parser's own implementations of the two most numerous AST nodes (ast.ts Ident and NameSet).
// A large policy has ~700k names and ~400k one-name sets, and the whole AST stays live until the
// resolver is done, so each byte of them is paid in allocation and again in every GC. Both read
// exactly like the interfaces (a span is made when read), and serialise as the plain objects.
import type { Ident, NameSet } from "./ast.js";
import type { Span } from "./diagnostics.js";
import { SourceSpan, type LineMap } from "./lines.js";

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
  toJSON(): Ident {
    return { name: this.name, span: this.span };
  }
}

const NONE: Ident[] = Object.freeze([]) as unknown as Ident[];

/** The set `name`: no `*`, `~` or `-`, its span the name's. Keeps the Ident alone and hands out
 *  `include` as a fresh one-element array (a retained array per set would be a quarter of a large
 *  AST; one read now and then is young garbage). */
export class OneName implements NameSet {
  constructor(readonly ident: Ident) {}

  get include(): Ident[] {
    return [this.ident];
  }
  get span(): Span {
    return this.ident.span;
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
  toJSON(): NameSet {
    return { span: this.span, star: false, complement: false, include: [this.ident], exclude: NONE };
  }
}
