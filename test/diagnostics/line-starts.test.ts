// One table of line starts serves fmt's m4 reader (\n lines, 1-based), the LSP's Positions (\n, \r\n
// and a lone \r, checked against TextDocument in test/lsp/positions.test.ts) and the compiler's
// LineMap (\n lines through `#line`): each must place every offset, asked in any order (the table
// keeps a cursor), where a plain split of the text places it, columns in UTF-16 code units.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lastAtOrBefore, LineStarts } from "../../src/diagnostics/line-starts.js";
import { LineMap } from "../../src/policy/lines.js";

/** Each offset's 0-based line and column, from the text split at `eol`. */
function naive(text: string, eol: RegExp): { line: number; col: number }[] {
  const out: { line: number; col: number }[] = [];
  let line = 0;
  let col = 0;
  for (let i = 0; i <= text.length; i++) {
    out.push({ line, col });
    const m = eol.exec(text.slice(i, i + 2));
    if (m && m.index === 0) {
      for (let k = 1; k < m[0].length; k++) out.push({ line, col: col + k });
      i += m[0].length - 1;
      line++;
      col = 0;
    } else col++;
  }
  return out;
}

const parts = fc.constantFrom("a", " ", "\n", "\r", "\r\n", "é", "😀", "#line 7\n", '#line 1 "c.te"\n', '#line 3 "b.te"\n', "#line 9 \n", "#line 4\r\n", "#line\t5\n", '#line 1 ""\n');
const text = fc.array(parts, { maxLength: 40 }).map((p) => p.join(""));
const order = (t: string) => fc.array(fc.integer({ min: 0, max: t.length }), { maxLength: 30 });

describe("LineStarts", () => {
  it("places every offset as a split of the text does, \\n lines or \\n, \\r\\n and lone \\r lines, in any order", () => {
    fc.assert(
      fc.property(
        text.chain((t) => fc.tuple(fc.constant(t), order(t))),
        ([t, random]) => {
          for (const [ends, eol] of [["lf", /\n/], ["crlf", /\r\n|\r|\n/]] as const) {
            const lines = new LineStarts(t, ends);
            const want = naive(t, eol);
            for (const o of [...want.keys(), ...random]) {
              const line = lines.line(o);
              expect({ line, col: o - lines.starts[line]! }, `${ends} ${JSON.stringify(t)} @ ${o}`).toEqual(want[o]);
              expect(lines.position(o)).toEqual({ line: want[o]!.line + 1, col: want[o]!.col + 1 });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts columns in UTF-16 code units and lines past either end as the first and last", () => {
    const lines = new LineStarts("😀x\r\nb\rc");
    expect(lines.position(2)).toEqual({ line: 1, col: 3 }); // the x after a surrogate pair
    expect(lines.count).toBe(2); // \n alone
    expect(new LineStarts("😀x\r\nb\rc", "crlf").count).toBe(3);
    expect(lines.line(-5)).toBe(0);
    expect(lines.line(99)).toBe(1);
  });

  it("lastAtOrBefore finds the last entry at or before a value from any hint", () => {
    const sorted = Int32Array.from([0, 3, 3, 8, 20]);
    for (let hint = 0; hint < sorted.length; hint++) {
      expect([-1, 0, 2, 3, 7, 8, 19, 20, 50].map((v) => lastAtOrBefore(sorted, v, hint))).toEqual([0, 0, 0, 2, 2, 3, 3, 4, 4]);
    }
  });
});

describe("LineMap on the shared table", () => {
  it("maps every offset through `#line` directives as m4 means them, and ignores the others", () => {
    fc.assert(
      fc.property(
        text.chain((t) => fc.tuple(fc.constant(t), order(t))),
        ([t, random]) => {
          // the model: physical line L after `#line N` or `#line N "f"` (the comment that ends line
          // D, one space apart: src/policy/lines.ts) is N + L - D - 1; after `#line N ""`, until a
          // directive names a file, it is physical line L of the text's own file; any other `#line`
          // is a comment
          const physical = t.split("\n");
          const mapped: { file: string; line: number }[] = [];
          let file = "a.te";
          let shift = 1;
          let unnamed = false;
          physical.forEach((l, i) => {
            mapped.push(unnamed ? { file: "a.te", line: i + 1 } : { file, line: i + shift });
            const comment = l.includes("#") ? l.slice(l.indexOf("#")) : "";
            const m = /^#line (\d+)(?: "(.*)")?$/.exec(comment);
            if (m) {
              if (m[2] !== undefined) unnamed = m[2] === "";
              if (m[2]) file = m[2];
              shift = Number(m[1]) - (i + 1);
            }
          });
          const map = new LineMap(t, "a.te");
          const want = naive(t, /\n/);
          for (const o of [...want.keys(), ...random]) {
            const { line, col } = want[o]!;
            expect(map.position(o), `${JSON.stringify(t)} @ ${o}`).toEqual({ ...mapped[line]!, col: col + 1 });
            const end = Math.min(t.length, o + 3);
            const last = want[Math.max(o, end - 1)]!;
            expect(map.span(o, end)).toEqual({
              ...mapped[line]!,
              col: col + 1,
              endLine: last.line === line ? mapped[line]!.line : mapped[last.line]!.line,
              endCol: last.line === line ? end - (o - col) + 1 : last.col + 2,
              offset: o,
              length: end - o,
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
