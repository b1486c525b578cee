// The argument lists of interface calls as m4 collects them (src/build/macros.ts scanArguments),
// which lint, allow -R and the language server's hints read: each case's arguments are what GNU m4
// 1.4.19 passed to `define(`show', `[$#]<$1>|<$2>|<$3>')` for the same call, comments and all.
import { describe, expect, it } from "vitest";
import { scanArguments } from "../../src/build/macros.js";

function args(call: string): { args: string[]; starts: string[] } {
  const scan = scanArguments(call, call.indexOf("("));
  expect(scan.close).toBe(call.length - 1);
  return { args: scan.args, starts: scan.starts.map((at) => call.slice(at, at + 3)) };
}

describe("scanArguments, as m4 collects a call's arguments", () => {
  it("a comma, a quote or a parenthesis in a # comment separates nothing; the comment stays in", () => {
    expect(args("show(a_t, # the guest's (own) type, see below\n  b_t)")).toEqual({
      args: ["a_t", "# the guest's (own) type, see below\n  b_t"],
      starts: ["a_t", "b_t"],
    });
  });

  it("blanks before the first token dropped, after a leading comment kept; quotes taken off once", () => {
    expect(args("show(  # leading comment, with a comma\n  x_t,`q, r'  , ( p, q ) )")).toEqual({
      args: ["# leading comment, with a comma\n  x_t", "q, r  ", "( p, q ) "],
      starts: ["x_t", "`q,", "( p"],
    });
  });

  it("a # inside quotes is text, not a comment", () => {
    expect(args("show(a, `b # not a comment, here', c)").args).toEqual(["a", "b # not a comment, here", "c"]);
  });

  it("f() is one empty argument with no start; a trailing empty argument too", () => {
    expect(args("show()")).toEqual({ args: [""], starts: [] });
    expect(args("show(a,\n)")).toEqual({ args: ["a", ""], starts: ["a,\n"] });
  });

  it("a list cut short (by the end of the text, or of a comment at the limit) does not close", () => {
    const text = "show(a, # b, c";
    expect(scanArguments(text, 4)).toMatchObject({ close: -1, commas: [6] });
    expect(scanArguments("show(a, b) tail", 4, 8)).toMatchObject({ close: -1, commas: [6] });
  });
});
