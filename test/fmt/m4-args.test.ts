// fmt keeps a macro call's arguments exactly, so it must find where m4 ends them: a comment or
// `dnl` in an unquoted argument runs to the end of its line (a `)` or a quote there opens or closes
// nothing; dnl discards it, the comment goes into the argument), `dnl(` first collects its own
// arguments, and `9dnl` is 9 and dnl; a line ending inside a quote or an argument keeps its
// trailing blanks. In a define body a `)` straight after a quoted string closes the `(` the string
// leaves open (refpolicy's template). Each case test/fixtures/fmt/m4/NAME.m4 is laid out as
// NAME.fmt.m4, and GNU m4 writes NAME.out from both. The outputs are committed, so `npm test`, with
// only Node, checks that fmt still writes the layout m4 was run on; where m4 is installed (npm run
// test:m4) m4 runs on both.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/fmt/format.js";
import { hasM4 } from "../tools.js";

const dir = fileURLToPath(new URL("../fixtures/fmt/m4", import.meta.url));
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".m4") && !f.endsWith(".fmt.m4"))
  .map((f) => f.slice(0, -".m4".length))
  .sort();
const read = (name: string) => readFileSync(join(dir, name), "utf8");

/** What GNU m4 writes from a fixture (its warnings, as `dnl(x)`'s, apart). */
function m4(file: string): string {
  const r = spawnSync("m4", [file], { cwd: dir, encoding: "utf8" });
  expect(r.status, `${file}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe("fmt keeps what m4 collects as a call's arguments", () => {
  it("finds the cases", () => {
    expect(cases).toEqual(["comment-in-args", "define-body", "digit-dnl", "dnl-closes", "dnl-opens", "dnl-quotes", "dnl-with-args", "line-end-in-args", "not-dnl", "quoted-call"]);
  });

  for (const name of cases) {
    it(`${name}: laid out as committed, idempotently, each argument line kept`, () => {
      const formatted = formatSource(read(`${name}.m4`), "m4");
      expect(formatted).toBe(read(`${name}.fmt.m4`));
      expect(formatSource(formatted, "m4")).toBe(formatted);
      // every case has a line fmt changes (a dnl line's trailing blanks), so it is laid out, not refused
      expect(formatted).not.toBe(read(`${name}.m4`));
    });

    it.skipIf(!hasM4)(`${name}: m4 writes the committed output from the file and from its layout`, () => {
      expect(m4(`${name}.m4`)).toBe(read(`${name}.out`));
      expect(m4(`${name}.fmt.m4`)).toBe(read(`${name}.out`));
    });
  }

  it("a line continuing an argument after dnl or a comment is kept with its blanks (m4 keeps them in the argument)", () => {
    expect(formatSource("show(a dnl )\n  , b)\n", "m4")).toBe("show(a dnl )\n  , b)\n");
    expect(formatSource("show(a # )\n  , b)\n", "m4")).toBe("show(a # )\n  , b)\n");
    expect(formatSource("show(a dnl (\n  , b)\n  type  a_t;\n", "m4")).toBe("show(a dnl (\n  , b)\ntype a_t;\n");
    // after dnl's own arguments the rest of the line is discarded, kept as written
    expect(formatSource("dnl(a,\n  b)  type   x_t;  \n", "m4")).toBe("dnl(a,\n  b)  type   x_t;\n");
    // a word that ends in dnl is no dnl; a digit before it is no part of a word
    expect(formatSource("show(a, xdnl ) b)\n", "m4")).toBe("show(a, xdnl ) b)\n");
    expect(formatSource("type  a_t; 9dnl  x  \n", "m4")).toBe("type a_t; 9dnl  x\n");
  });

  it("in a define body a ')' closes a '(' of the quoted string straight before it, and no other", () => {
    // refpolicy's template: the quoted define( and its ) become one call once the quote is removed
    expect(formatSource("define(`t', `\n  `define(`$1', `$2'')\n')\n", "m4")).toBe("define(`t', `\n\t`define(`$1', `$2'')\n')\n");
    expect(formatSource("define(`t', `\n  `f(a, g(b'))\n')\n", "m4")).toBe("define(`t', `\n\t`f(a, g(b'))\n')\n");
    // a ')' that closes a call made elsewhere: the text before it may be an argument, refused
    expect(() => formatSource("define(`t', `b  ,  c)')\n", "m4")).toThrow(expect.objectContaining({ code: "fmt-unopened", line: 1 }));
    expect(() => formatSource("define(`t', `\n  `f(a' b)\n')\n", "m4")).toThrow(expect.objectContaining({ code: "fmt-unopened", line: 2 }));
    expect(() => formatSource("define(`t', `\n  `f(a')\n)\n')\n", "m4")).toThrow(expect.objectContaining({ code: "fmt-unopened", line: 3 }));
    expect(() => formatSource("define(`t', `\n  `f(a')))\n')\n", "m4")).toThrow(expect.objectContaining({ code: "fmt-unopened", line: 2 }));
  });
});
