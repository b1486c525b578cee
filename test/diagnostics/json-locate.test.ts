// locateJsonPointer: a member's key and value as the text writes them, for any document
// JSON.stringify writes (compact or indented), keys needing escapes and pointer escapes included;
// a key given twice is the last one, the member JSON.parse keeps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lineColAt, locateJsonPointer } from "../../src/io/json-locate.js";

const escape = (k: string) => k.replace(/~/g, "~0").replace(/\//g, "~1");

/** Every pointer of a document with its value. */
function pointers(value: unknown, at = ""): [string, unknown][] {
  const out: [string, unknown][] = [[at, value]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pointers(v, `${at}/${i}`)));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) out.push(...pointers(v, `${at}/${escape(k)}`));
  return out;
}

describe("locateJsonPointer", () => {
  it("finds each member's value (and key) where the text writes it", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(undefined, 2, "\t"), (doc, indent) => {
        const text = JSON.stringify(doc, null, indent);
        const parsed = JSON.parse(text) as unknown;
        for (const [pointer, value] of pointers(parsed)) {
          const place = locateJsonPointer(text, pointer);
          expect(place, pointer).toBeDefined();
          expect(JSON.parse(text.slice(place!.value.start, place!.value.end))).toEqual(value);
          const key = pointer.split("/").at(-1)!.replace(/~1/g, "/").replace(/~0/g, "~");
          if (place!.key) expect(JSON.parse(text.slice(place!.key.start, place!.key.end))).toBe(key);
        }
      }),
    );
  });

  it("a key given twice: the last; a member not there: undefined", () => {
    const text = '{"a": 1, "a": {"b": [10, 20]}}';
    expect(locateJsonPointer(text, "/a")).toEqual({ key: { start: 9, end: 12 }, value: { start: 14, end: 29 } });
    expect(locateJsonPointer(text, "/a/b/1")).toEqual({ value: { start: 25, end: 27 } });
    expect(locateJsonPointer(text, "/a/c")).toBeUndefined();
    expect(locateJsonPointer(text, "/a/b/2")).toBeUndefined();
    expect(locateJsonPointer(text, "/a/b/01")).toBeUndefined();
  });

  it("line and column of an offset, as an editor counts them", () => {
    expect(lineColAt("{\n  \"x\": 1\n}", 4)).toEqual({ line: 2, col: 3 });
    expect(lineColAt("abc", 0)).toEqual({ line: 1, col: 1 });
  });
});
