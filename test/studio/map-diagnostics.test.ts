// The page moves its diagnostics with the text typed before the next compile answers (and a tree's
// late answer through the edits made while m4 ran): each span stays on the text it is about.
import { ChangeSet, Text } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { error, type Span } from "../../src/diagnostics/diagnostic.js";
import { mapDiagnostics } from "../../src/studio/page/map-diagnostics.js";

const doc = (s: string) => Text.of(s.split("\n"));
/** The span of `word` in `text` (its first occurrence), as the compiler gives it. */
function spanOf(text: string, word: string, file = "p.conf", lineOffset = 0): Span {
  const offset = text.indexOf(word);
  const before = text.slice(0, offset).split("\n");
  const line = before.length + lineOffset;
  const col = before.at(-1)!.length + 1;
  return { file, line, col, endLine: line, endCol: col + word.length, offset, length: word.length };
}
const at = (text: string, s: Span) => text.slice(s.offset, s.offset + s.length);

describe("mapDiagnostics", () => {
  const before = "class xen\nallow a_t nosuch_t:xen x;\n";
  const d = error("undeclared", "unknown type nosuch_t", spanOf(before, "nosuch_t"));

  it("lines typed above: the span keeps its word, its line and column follow", () => {
    const changes = ChangeSet.of({ from: 0, insert: "# a\n# b\n" }, before.length);
    const after = changes.apply(doc(before));
    const [m] = mapDiagnostics([d], changes.desc, doc(before), after, () => true);
    expect(at(after.toString(), m!.span!)).toBe("nosuch_t");
    expect(m!.span).toMatchObject({ line: 4, col: 11, endLine: 4, endCol: 19 });
  });

  it("text typed on its line before it moves the column; text typed at its end stays outside", () => {
    const from = before.indexOf("a_t");
    const changes = ChangeSet.of([{ from, insert: "xx" }, { from: from + 3 + 1 + 8, insert: "_more" }], before.length);
    const after = changes.apply(doc(before));
    const [m] = mapDiagnostics([d], changes.desc, doc(before), after, () => true);
    expect(at(after.toString(), m!.span!)).toBe("nosuch_t");
    expect(m!.span).toMatchObject({ line: 2, col: 13 });
  });

  it("a #line-mapped line moves by the difference, and spans elsewhere (another file, no offset) stay", () => {
    const mapped = error("undeclared", "x", spanOf(before, "nosuch_t", "modules/domU.te", 40), [{ message: "note", span: spanOf(before, "a_t", "modules/xen.if") }]);
    const changes = ChangeSet.of({ from: 0, insert: "\n" }, before.length);
    const after = changes.apply(doc(before));
    const [m] = mapDiagnostics([mapped], changes.desc, doc(before), after, (f) => f === "modules/domU.te");
    expect(m!.span!.line).toBe(43);
    expect(m!.notes![0]!.span).toEqual(mapped.notes![0]!.span);
  });

  it("edits composed since an answer carry it as one (a rebuild that answered late)", () => {
    const first = ChangeSet.of({ from: 0, insert: "# a\n" }, before.length);
    const mid = first.apply(doc(before));
    const second = ChangeSet.of({ from: mid.length, insert: "allow more;\n" }, mid.length);
    const after = second.apply(mid);
    const [m] = mapDiagnostics([d], first.desc.composeDesc(second.desc), doc(before), after, () => true);
    expect(at(after.toString(), m!.span!)).toBe("nosuch_t");
    expect(m!.span!.line).toBe(3);
  });

  it("its text deleted: an empty span where it was", () => {
    const from = before.indexOf("nosuch_t");
    const changes = ChangeSet.of({ from, to: from + 8 }, before.length);
    const [m] = mapDiagnostics([d], changes.desc, doc(before), changes.apply(doc(before)), () => true);
    expect(m!.span).toMatchObject({ offset: from, length: 0 });
  });
});
