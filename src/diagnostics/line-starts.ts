// Offsets in a text -> lines: the offset each line starts at, in a typed table (a large policy has
// 100k lines, and its index asks for over half a million positions), found by a short walk from the
// last lookup (callers mostly ask in increasing order) or a binary search. Which characters end a
// line is the caller's: "\n" alone, as checkpolicy's scanner and m4 count lines, or "\r\n" and a lone
// "\r" as well, as an LSP client does. Columns are the caller's too: offsets count UTF-16 code units.

/** "lf": only \n ends a line; "crlf": \n, \r\n and a lone \r do. */
export type LineEnds = "lf" | "crlf";

export class LineStarts {
  /** The offset of the first character of each line. */
  readonly starts: Int32Array;
  /** The line of the last lookup: the next is usually on it or a few lines below. */
  private cursor = 0;

  constructor(text: string, ends: LineEnds = "lf") {
    this.starts = ends === "crlf" && text.includes("\r") ? startsWithCr(text) : startsLf(text);
  }

  get count(): number {
    return this.starts.length;
  }

  /** The 0-based line holding `offset`: the last line starting at or before it (line 0 before the
   *  text, the last line past it). */
  line(offset: number): number {
    return (this.cursor = lastAtOrBefore(this.starts, offset, this.cursor));
  }

  /** 1-based line and column of `offset`. */
  position(offset: number): { line: number; col: number } {
    const line = this.line(offset);
    return { line: line + 1, col: offset - this.starts[line]! + 1 };
  }
}

/** The last index of ascending `sorted` (typed, so each lookup reads one kind of array) whose value is at or before `value` (0 if none is): walks
 *  a few steps on from `hint`, the last answer, before a binary search. */
export function lastAtOrBefore(sorted: Int32Array, value: number, hint = 0): number {
  const last = sorted.length - 1;
  let i = hint;
  if (i <= last && sorted[i]! <= value) {
    for (let step = 0; step < 8; step++) {
      if (i === last || sorted[i + 1]! > value) return i;
      i++;
    }
  }
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
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
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return Int32Array.from(starts);
}
