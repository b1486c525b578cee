// Offsets in a text -> LSP positions (zero-based line, UTF-16 character), as
// vscode-languageserver-textdocument's TextDocument.positionAt computes them (\n, \r\n and a lone \r
// end a line; an offset is clamped to the text and kept before a line's end-of-line characters),
// over a typed table of line starts and without an object per position: the index asks for every
// occurrence of every name, over half a million in a large policy, mostly in increasing order.

export class Positions {
  private readonly starts: Int32Array;
  private readonly lines: number;
  /** The line of the last lookup: the next is usually on it or a few lines below. */
  private cursor = 0;
  line = 0;
  character = 0;

  constructor(private readonly text: string) {
    this.starts = text.includes("\r") ? startsWithCr(text) : startsLf(text);
    this.lines = this.starts.length;
  }

  /** Sets `line` and `character` to the position of `offset`. */
  at(offset: number): void {
    const starts = this.starts;
    offset = Math.max(Math.min(offset, this.text.length), 0);
    let line = this.cursor;
    if (starts[line]! > offset) line = this.search(offset);
    else {
      // a few lines down from the last one, else a binary search
      let steps = 0;
      while (line + 1 < this.lines && starts[line + 1]! <= offset) {
        if (++steps > 8) {
          line = this.search(offset);
          break;
        }
        line++;
      }
    }
    this.cursor = line;
    const start = starts[line]!;
    while (offset > start && isEol(this.text.charCodeAt(offset - 1))) offset--;
    this.line = line;
    this.character = offset - start;
  }

  /** The position of `offset`, as an object (for the few callers that keep one). */
  position(offset: number): { line: number; character: number } {
    this.at(offset);
    return { line: this.line, character: this.character };
  }

  /** The last line whose start is at or before `offset`. */
  private search(offset: number): number {
    let lo = 0;
    let hi = this.lines - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function isEol(c: number): boolean {
  return c === 10 || c === 13;
}

/** Line starts of a text with only \n line ends (indexOf runs natively, far faster than a loop). */
function startsLf(text: string): Int32Array {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  const starts = new Int32Array(n);
  let k = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts[k++] = i + 1;
  return starts;
}

/** Line starts where \r\n and a lone \r end a line too. */
function startsWithCr(text: string): Int32Array {
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isEol(c)) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return Int32Array.from(starts);
}
