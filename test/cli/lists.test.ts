// Comma lists in option values (src/cli/lists.ts): every list of names reads back as written,
// whatever the separators, and an empty item anywhere is reported at its own item and character.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commaItems, emptyItem, nameSet } from "../../src/cli/lists.js";

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/);
const names = fc.array(name, { minLength: 1, maxLength: 6 });
const separator = fc.constantFrom(",", " ", ", ", " ,", "  ", "\t");
const blank = fc.constantFrom("", " ", "  ");

describe("comma lists", () => {
  it("names joined by commas read back as the names", () => {
    fc.assert(fc.property(names, blank, (ns, pad) => {
      expect(commaItems(ns.map((n) => `${pad}${n}${pad}`).join(","))).toEqual({ items: ns });
    }));
  });

  it("an empty item is named by its index and the character it starts at", () => {
    fc.assert(fc.property(names, fc.nat(), blank, (ns, k, pad) => {
      const index = k % (ns.length + 1);
      const items = [...ns.slice(0, index), pad, ...ns.slice(index)];
      const value = items.join(",");
      const at = items.slice(0, index).reduce((n, item) => n + item.length + 1, 0) + 1;
      const said = emptyItem(value);
      expect(said).toMatch(new RegExp(`^item ${index + 1} of ${items.length}, at character ${at}, is empty`));
      // the character there is the next comma, or the blanks of the item, or the end of the value
      expect(value.slice(at - 1).replace(/^ */, "")).toMatch(/^(,|$)/);
      expect(commaItems(value)).toEqual({ empty: said });
    }));
  });

  it("a set reads back whatever its separators, in braces or not", () => {
    fc.assert(fc.property(names, separator, fc.boolean(), (ns, sep, braced) => {
      const list = ns.join(sep);
      expect(nameSet(braced ? `{ ${list} }` : list)).toEqual({ names: ns });
    }));
  });

  it("a set's empty item is placed in the value as typed, braces included", () => {
    expect(nameSet("{ plug,, unplug }")).toEqual({ problem: "item 2 of 3, at character 8, is empty (between two commas)" });
    expect(nameSet("plug,")).toEqual({ problem: "item 2 of 2, at character 6, is empty (after the last comma)" });
    expect(nameSet("{ }")).toEqual({ problem: "the list is empty" });
    expect(nameSet("{ plug")).toEqual({ problem: "the '{' at character 1 has no '}' at the end of the list" });
    expect(nameSet("plug {unplug}")).toEqual({ problem: "a '{' at character 6: braces enclose the whole list, as in '{ plug unplug }'" });
  });
});
