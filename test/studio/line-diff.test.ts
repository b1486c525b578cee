// Compare's line diff (a save conflict: the page's text against the disk's), pinned against
// what diff -u would show for the same two texts.
import { describe, expect, it } from "vitest";
import { hunks, lineDiff, type DiffLine } from "../../src/studio/page/line-diff.js";

const unified = (lines: DiffLine[]) => lines.map((l) => `${l.op === "same" ? " " : l.op === "page" ? "-" : "+"}${l.text}`);
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `l${i + 1}`);

describe("lineDiff and its hunks", () => {
  it("equal texts: every line the same, no hunk", () => {
    const d = lineDiff("a\nb\n", "a\nb\n");
    expect(d.every((l) => l.op === "same")).toBe(true);
    expect(hunks(d)).toEqual([]);
  });

  it("a changed line, a removed one and one added at the end, each with three lines of context, with both line numbers", () => {
    const page = numbered(30);
    const disk = [...page];
    disk[5] = "X";
    disk.splice(20, 1);
    disk.push("new");
    const d = lineDiff(page.join("\n"), disk.join("\n"));
    expect(d.filter((l) => l.op !== "same")).toEqual([
      { op: "page", text: "l6", pageLine: 6 },
      { op: "disk", text: "X", diskLine: 6 },
      { op: "page", text: "l21", pageLine: 21 },
      { op: "disk", text: "new", diskLine: 30 },
    ]);
    expect(hunks(d).map((h) => [h.skipped, unified(h.lines)])).toEqual([
      [2, [" l3", " l4", " l5", "-l6", "+X", " l7", " l8", " l9"]],
      [8, [" l18", " l19", " l20", "-l21", " l22", " l23", " l24"]],
      [3, [" l28", " l29", " l30", "+new"]],
    ]);
  });

  it("changes six lines apart or fewer share a hunk", () => {
    const page = numbered(20);
    const disk = page.map((l, i) => (i === 4 || i === 11 ? `${l}!` : l));
    expect(hunks(lineDiff(page.join("\n"), disk.join("\n"))).length).toBe(1);
    const farther = page.map((l, i) => (i === 4 || i === 12 ? `${l}!` : l));
    expect(hunks(lineDiff(page.join("\n"), farther.join("\n"))).length).toBe(2);
  });

  it("a common subsequence, not only a common head and tail", () => {
    expect(unified(lineDiff("a\nb\nc\nd", "a\nc\nd\ne\nb"))).toEqual([" a", "-b", " c", " d", "+e", "+b"]);
  });

  it("past the table's cap, the lines between the common head and tail are all taken out, then all put in", () => {
    expect(unified(lineDiff("h\na\nb\nt", "h\nx\ny\nt", 4))).toEqual([" h", "-a", "-b", "+x", "+y", " t"]);
  });
});
