// A key given twice in one JSON object: JSON.parse keeps the last value without a word, so every
// JSON file xsm reads finds each repeat (findDuplicateKeys) at its JSON path and line:col.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDuplicateKeys, findJsonSyntaxError } from "../../src/io/json-syntax.js";

describe("findDuplicateKeys", () => {
  it("names each later occurrence at its path, line and column, with the first's place", () => {
    const text = '[{"a": 1,\n  "b": {"k": 1, "k": 2},\n  "a": 3}]';
    expect(findDuplicateKeys(text)).toEqual([
      { path: "/0/b/k", key: "k", line: 2, col: 17, first: { line: 2, col: 9 } },
      { path: "/0/a", key: "a", line: 3, col: 3, first: { line: 1, col: 3 } },
    ]);
  });

  it("compares keys as JSON.parse reads them, and escapes them in the path as a JSON pointer does", () => {
    expect(findDuplicateKeys('{"a/~": 1, "\\u0061/~": 2}').map((d) => d.path)).toEqual(["/a~1~0"]);
  });

  it("a key repeated in different objects, or a value repeated, is no repeat", () => {
    expect(findDuplicateKeys('[{"a": 1}, {"a": 1}, {"x": {"a": 1}, "a": "a"}]')).toEqual([]);
  });

  it("counts columns on CRLF lines as on LF ones (the CR ends the line)", () => {
    expect(findDuplicateKeys('{\r\n "a": 1,\r\n "a": 2\r\n}').map((d) => [d.line, d.col])).toEqual([[3, 2]]);
  });

  it("JSON.stringify never repeats a key: no finding for any value it writes", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(findDuplicateKeys(JSON.stringify(v, null, 1))).toEqual([]);
      }),
    );
  });

  it("a key written twice into any object is found, at the path JSON.parse's value has", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.nat(), (obj, pick) => {
        const keys = Object.keys(obj);
        const key = keys[pick % keys.length]!;
        const members = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(obj[k])}`);
        const text = `{"wrap":{${[...members, `${JSON.stringify(key)}:null`].join(",")}}}`;
        const found = findDuplicateKeys(text);
        expect(found.map((d) => d.key)).toEqual([key]);
        expect(found[0]!.path).toBe(`/wrap/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
        expect(findJsonSyntaxError(text)).toBeUndefined();
      }),
    );
  });
});
