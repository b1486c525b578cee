// The index places every occurrence with Positions instead of TextDocument.positionAt (an object per
// call, over half a million calls on a large policy): the two must agree on every offset, for any
// mix of \n, \r\n and lone \r line ends, in any order of lookups (Positions keeps a cursor).
import fc from "fast-check";
import { TextDocument } from "vscode-languageserver-textdocument";
import { describe, expect, it } from "vitest";
import { Positions } from "../../src/lsp/positions.js";

const text = fc.array(fc.constantFrom("a", "b", " ", "\n", "\r", "\r\n", "é", "😀"), { maxLength: 60 }).map((parts) => parts.join(""));

describe("Positions", () => {
  it("agrees with TextDocument.positionAt on every offset, in increasing and random order", () => {
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: -3, max: 70 }), { maxLength: 40 }), (t, random) => {
        const doc = TextDocument.create("x", "x", 0, t);
        const p = new Positions(t);
        const offsets = [...Array.from({ length: t.length + 2 }, (_, i) => i), ...random];
        for (const o of offsets) expect(p.position(o), `${JSON.stringify(t)} @ ${o}`).toEqual(doc.positionAt(o));
      }),
      { numRuns: 500 },
    );
  });

  it("finds lines far from the last lookup (the binary search)", () => {
    const t = Array.from({ length: 500 }, (_, i) => `line ${i}`).join("\n");
    const doc = TextDocument.create("x", "x", 0, t);
    const p = new Positions(t);
    for (const o of [t.length - 1, 0, 2000, 1990, 3000, 15, t.length]) expect(p.position(o)).toEqual(doc.positionAt(o));
  });
});
