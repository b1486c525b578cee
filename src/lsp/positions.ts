// Offsets in a text -> LSP positions (zero-based line, UTF-16 character), as
// vscode-languageserver-textdocument's TextDocument.positionAt computes them (\n, \r\n and a
// lone \r end a line; an offset is clamped to the text and kept before a line's end-of-line
// characters), over the shared table of line starts and without an object per position: the
// index asks for every occurrence of every name, over half a million in a large policy, mostly in
// increasing order.
import { LineStarts } from "../diagnostics/line-starts.js";

export class Positions {
  private readonly lines: LineStarts;
  line = 0;
  character = 0;

  constructor(private readonly text: string) {
    this.lines = new LineStarts(text, "crlf");
  }

  /** Sets `line` and `character` to the position of `offset`. */
  at(offset: number): void {
    offset = Math.max(Math.min(offset, this.text.length), 0);
    const line = this.lines.line(offset);
    const start = this.lines.starts[line]!;
    while (offset > start && isEol(this.text.charCodeAt(offset - 1))) offset--;
    this.line = line;
    this.character = offset - start;
  }

  /** The position of `offset`, as an object (for the few callers that keep one). */
  position(offset: number): { line: number; character: number } {
    this.at(offset);
    return { line: this.line, character: this.character };
  }
}

function isEol(c: number): boolean {
  return c === 10 || c === 13;
}
