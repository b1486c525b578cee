// The line diff a save conflict's Compare shows: the page's text against the file's on disk. The
// page's bundle has no diff library (CodeMirror's merge view is not among its packages, and a
// whole package for one read-only view is more than it needs), so this is the textbook one: the
// common head and tail set aside, a longest common subsequence of the lines between. The lines
// between are what the two sides edited, usually few; past `cap` table cells they are shown as
// all taken out then all put in, which is still true, only less precise.

/** A line of the diff: in both texts, only in the page's, or only on disk; with its line numbers. */
export interface DiffLine {
  op: "same" | "page" | "disk";
  text: string;
  /** Its line in the page's text (same, page). */
  pageLine?: number;
  /** Its line on disk (same, disk). */
  diskLine?: number;
}

/** A run of changed lines with up to `context` unchanged lines each side; `skipped`: the unchanged
 *  lines left out before it. */
export interface DiffHunk {
  skipped: number;
  lines: DiffLine[];
}

export function lineDiff(page: string, disk: string, cap = 4_000_000): DiffLine[] {
  const a = page.split("\n");
  const b = disk.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out: DiffLine[] = [];
  const same = (i: number, j: number) => out.push({ op: "same", text: a[i]!, pageLine: i + 1, diskLine: j + 1 });
  for (let i = 0; i < head; i++) same(i, i);
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if ((n + 1) * (m + 1) > cap) {
    for (let i = 0; i < n; i++) out.push({ op: "page", text: a[head + i]!, pageLine: head + i + 1 });
    for (let j = 0; j < m; j++) out.push({ op: "disk", text: b[head + j]!, diskLine: head + j + 1 });
  } else {
    // lcs[i * (m + 1) + j]: the longest common run of a's middle from i and b's from j
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = a[head + i] === b[head + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] === b[head + j]) {
        same(head + i, head + j);
        i++, j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // (the page's lines first where either goes on as well: taken out above put in, as diff -u)
        out.push({ op: "page", text: a[head + i]!, pageLine: head + i + 1 });
        i++;
      } else {
        out.push({ op: "disk", text: b[head + j]!, diskLine: head + j + 1 });
        j++;
      }
    }
  }
  for (let k = tail; k > 0; k--) same(a.length - k, b.length - k);
  return out;
}

/** The changed lines with `context` unchanged ones around each run, as diff -u groups them. */
export function hunks(lines: readonly DiffLine[], context = 3): DiffHunk[] {
  const changed = lines.flatMap((l, k) => (l.op === "same" ? [] : [k]));
  const out: DiffHunk[] = [];
  let shown = 0; // (lines before this index are in a hunk or skipped)
  for (let c = 0; c < changed.length; ) {
    const from = Math.max(shown, changed[c]! - context);
    let to = changed[c++]! + 1;
    // runs apart by no more than twice the context share a hunk
    while (c < changed.length && changed[c]! - to <= 2 * context) to = changed[c++]! + 1;
    const end = Math.min(lines.length, to + context);
    out.push({ skipped: from - shown, lines: lines.slice(from, end) });
    shown = end;
  }
  return out;
}
