// fmt keeps a macro call's arguments exactly, so it must find where m4 ends them: a comment or
// `dnl` in an unquoted argument runs to the end of its line (a `)` or a quote there opens or closes
// nothing; dnl discards it, the comment goes into the argument), `dnl(` first collects its own
// arguments, and `9dnl` is 9 and dnl; a line ending inside a quote or an argument keeps its
// trailing blanks. A define body is kept as written, as any call's arguments: its blanks are m4's
// output where the macro is used (define-blanks: ifelse compares them). A `name(` never closed in
// the file is text to m4 unless name is certainly a macro there (m4 then stops). A macro whose
// expansion ends inside a call (`define(`open', `show(')`) makes m4 collect that call's arguments
// from the text after it, to a `)` that closes nothing the file opened: kept as written from the
// macro (from the file's first word when fmt cannot see the macro's body; past that, a word read
// before such a `)` used again inside parentheses the file opens as text, to the `)` closing them). Each case test/fixtures/fmt/m4/NAME.m4 is laid out as
// NAME.fmt.m4, and GNU m4 writes NAME.out from both, with the same trace of every macro call. The outputs are committed, so `npm test`, with
// only Node, checks that fmt still writes the layout m4 was run on; where m4 is installed (npm run
// test:m4) m4 runs on both.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FormatError, formatSource } from "../../src/fmt/format.js";
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

/** m4's trace of every macro call of a fixture: the arguments it collected and the expansion
 *  (--debug=aeqt, as test/oracle/fmt.test.ts: no line numbers). */
function m4Trace(file: string): string {
  const trace = join(mkdtempSync(join(tmpdir(), "xsm-m4-trace-")), "trace");
  const r = spawnSync("m4", ["--debug=aeqt", `--debugfile=${trace}`, file], { cwd: dir, encoding: "utf8" });
  expect(r.status, `${file}: ${r.stderr}`).toBe(0);
  return readFileSync(trace, "utf8");
}

describe("fmt keeps what m4 collects as a call's arguments", () => {
  it("finds the cases", () => {
    expect(cases).toEqual([
      "comment-in-args",
      "define-blanks",
      "define-body",
      "define-dnl-args",
      "digit-dnl",
      "dnl-closes",
      "dnl-opens",
      "dnl-quotes",
      "dnl-with-args",
      "expansion-opens",
      "expansion-opens-again",
      "expansion-opens-elsewhere",
      "line-end-in-args",
      "not-dnl",
      "quote-then-word",
      "quoted-call",
      "quoted-line-comment",
      "unclosed-text",
    ]);
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
      expect(m4Trace(`${name}.fmt.m4`)).toBe(m4Trace(`${name}.m4`));
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

  it("a define body is kept as written, whatever its parentheses, quotes and dnl( (m4 reads only its quotes while it defines it)", () => {
    const kept = [
      // refpolicy's template: the quoted define( and its ) become one call once the quote is removed
      "define(`t', `\n  `define(`$1', `$2'')\n')\n",
      "define(`t', `\n  `f(a, g(b'))\n')\n",
      // a ')' that closes a call made where the macro is used
      "define(`t', `b  ,  c)')\n",
      "define(`t', `\n  `f(a' b)\n')\n",
      "define(`t', `\n  `f(a')))\n')\n",
      // dnl( whose arguments go on over lines, and a quote that does
      "define(`x', `\n  foo dnl(a,\n  b) c\n')\n",
      "define(`x', `\n  foo `a\n  b'   c\n')\n",
    ];
    for (const text of kept) expect(formatSource(text, "m4"), JSON.stringify(text)).toBe(text);
  });

  it("a name( never closed is text to m4 unless the name is certainly a macro: laid out, or refused where m4 stops", () => {
    // nothing here makes foo a macro: m4 copies the text, and the ( opens nothing to indent by
    expect(formatSource("constrain  foo(a  b\n  type   t;\n", "m4")).toBe("constrain foo(a b\ntype t;\n");
    expect(formatSource("a(b(c)\n  d;\n", "m4")).toBe("a(b(c)\nd;\n");
    // m4 stops at the end of the file: a builtin, a macro of Xen's Makefile's -D, or one the file
    // defined before; located at the name, saying why
    const refusal = (text: string) => {
      try {
        formatSource(text, "m4");
      } catch (err) {
        const e = err as FormatError;
        const d = e.diagnostics("f.te", text)[0]!;
        return [e.code, d.span?.line, d.span?.col, d.span?.length, d.message];
      }
      return undefined;
    };
    const stops = "m4 collects its arguments to the end of the file and stops there ('end of file in argument list')";
    expect(refusal("type t;\n  ifelse(a, b\n")).toEqual(["fmt-unclosed", 2, 3, 7, `'ifelse(' is never closed, and ifelse is an m4 builtin: ${stops}`]);
    expect(refusal("x dnl(a,\n")).toEqual(["fmt-unclosed", 1, 3, 4, `'dnl(' is never closed, and dnl is an m4 builtin: ${stops}`]);
    expect(refusal("mls_num_sens(\n")).toEqual(["fmt-unclosed", 1, 1, 13, `'mls_num_sens(' is never closed, and mls_num_sens is defined on m4's command line by Xen's Makefile (-D): ${stops}`]);
    expect(refusal("define(`foo', `[$1]')\nfoo(a\n")).toEqual(["fmt-unclosed", 2, 1, 4, `'foo(' is never closed, and foo is a macro (defined at line 1): ${stops}`]);
    // a name the file takes back, or defines only after the call, is none there
    expect(refusal("undefine(`index')index(a\n")).toBeUndefined();
    expect(refusal("foo(a\ndefine(`foo', `x')\n")).toBeUndefined();
    // a quote never closed: m4 stops too
    expect(refusal("type t;\nallow `a b;\n")).toEqual(["fmt-unclosed", 2, 7, 1, "an m4 quote '`' that is never closed: m4 stops at the end of the file ('end of file in string')"]);
  });

  it("a ) that closes a call a macro's expansion opened: what m4 collects up to it is kept as written", () => {
    const show = "define(`show', `[$1|$2]')define(`open', `show(')";
    // open's body ends inside show(, a macro there: its arguments run from after open to the )
    expect(formatSource(`${show}\nopen  a  b )  x   y\n`, "m4")).toBe(`${show}\nopen  a  b ) x y\n`);
    // after open's own arguments, nested in a call's, and two deep
    expect(formatSource(`${show}\nopen(z)  a\n\n\n  b )\n  type   t;\n`, "m4")).toBe(`${show}\nopen(z)  a\n\n\n  b )\ntype t;\n`);
    expect(formatSource(`${show}\nshow(open  a ) b  )\n`, "m4")).toBe(`${show}\nshow(open  a ) b  )\n`);
    expect(formatSource("define(`s', `$1')define(`o2', `s(x, s(')\no2  a ) b  ) c   d\n", "m4")).toBe("define(`s', `$1')define(`o2', `s(x, s(')\no2  a ) b  ) c d\n");
    // a body that opens nothing m4 collects (nomacro is none; a quoted call) opens nothing here,
    // and a macro used before its define is no macro there: its ) is then one fmt cannot place
    expect(formatSource("define(`o', `nomacro(')\n  o  a\n", "m4")).toBe("define(`o', `nomacro(')\no a\n");
    expect(formatSource("define(`s', `$1')define(`o', ``s('')\n  o  a\n", "m4")).toBe("define(`s', `$1')define(`o', ``s('')\no a\n");
    // a ) that closes nothing the file opened, a call fmt cannot see opened or text: kept as
    // written from the file's first word to the last such ), laid out after it
    const elsewhere = "  type   a_t;\nfar  a  ,\n\n  b )  c\n  type   b_t;\n";
    expect(formatSource(elsewhere, "m4")).toBe("type   a_t;\nfar  a  ,\n\n  b ) c\ntype b_t;\n");
    expect(formatSource("define(`o', `nomacro(')\n  o  a )\n  x   y )\n  z   w\n", "m4")).toBe("define(`o', `nomacro(')\n  o  a )\n  x   y )\nz w\n");
    // a ) before any word closes nothing an expansion opened: text
    expect(formatSource("  )   a   b\n", "m4")).toBe(") a b\n");
  });

  /** far and far2 as another file defines them (m4 -D, as test/fixtures/fmt/m4/expansion-opens-again.inc):
   *  their expansions open one call of show and two. Each text with its layout. */
  const far = ["-D", "show=[$1|$2]", "-D", "far=show(", "-D", "far2=show(x, show("];
  const opensAgain: [string, string][] = [
    // far may be the macro: in `( far  c )` m4 collects `  c ' as its argument, and the ( is text
    ["far  a )\nx  ( far   c   d  )  y   z\n", "far  a )\nx ( far   c   d  ) y z\n"],
    // from such a word to where the parentheses it is in are all closed (it may open more calls
    // than one: far2 below opens two)
    ["far  a )\n( b  ( c   far  d )  e )\n", "far  a )\n( b ( c far  d )  e )\n"],
    ["far2  a ) b ) c\n( ( far2   d  )  e  )  f   g\n", "far2  a ) b ) c\n( ( far2   d  )  e  ) f g\n"],
    ["far  a )\n( far  ( c   d )  e )\n", "far  a )\n( far  ( c   d )  e )\n"],
    // a word m4 read only after that ) is no macro fmt can tell of; one at the top level may be,
    // with no ) after it to close its call (m4 would stop at the file's end)
    ["far  a )\n( b   c )\n  a   e\n", "far  a )\n( b c )\na e\n"],
  ];
  const keptLaidOut: [string, string][] = [
    // a macro of the file whose body opens a call of a name fmt cannot tell is a macro (show,
    // another file's) may open it: kept as far (m4 collects `{ a_t \t ' here)
    ["define(`o', `show(')dnl\n ( o { a_t \t )  }\n", "define(`o', `show(')dnl\n( o { a_t \t ) }\n"],
    // a brace there indents what follows and is closed as anywhere (fmt refused the } before)
    ["if (b) {\nfar  a )\n    allow  a;\n}\n", "if (b) {\nfar  a )\n\tallow a;\n}\n"],
    ["{ far  a ) }\n  type   t;\n", "{ far  a ) }\ntype t;\n"],
    // a first word in dnl's arguments (dnl( was laid out past it, and the rest with it)
    ["dnl(x)\nfar  a  b )\n", "dnl(x)\nfar  a  b )\n"],
    // a ( ) ) before the first word: the ) that closes nothing there is text, and counts for nothing
    ["(  )  )\nfar  a  b )\n", "( ) )\nfar  a  b )\n"],
  ];

  it("past the last ) that closes nothing, a word before it may open calls again inside parentheses: kept until they are all closed", () => {
    for (const [text, laid] of opensAgain) expect(formatSource(text, "m4"), JSON.stringify(text)).toBe(laid);
  });

  it("the text kept as m4's arguments is laid out for what follows: its braces count, it starts at the first word m4 reads", () => {
    for (const [text, laid] of keptLaidOut) expect(formatSource(text, "m4"), JSON.stringify(text)).toBe(laid);
  });

  it.skipIf(!hasM4)("m4 collects the same arguments from those texts and their layouts, far defined elsewhere", () => {
    const trace = (text: string) => {
      const file = join(mkdtempSync(join(tmpdir(), "xsm-m4-trace-")), "trace");
      const r = spawnSync("m4", [...far, "--debug=aeqt", `--debugfile=${file}`], { input: text, encoding: "utf8" });
      expect(r.status, `${text}: ${r.stderr}`).toBe(0);
      return readFileSync(file, "utf8");
    };
    for (const [text, laid] of [...opensAgain, ...keptLaidOut]) expect(trace(laid), JSON.stringify(text)).toBe(trace(text));
  });

  it.skipIf(!hasM4)("m4 stops where fmt refuses a name( never closed, and copies one whose name is no macro", () => {
    const run = (text: string) => spawnSync("m4", ["-D", "self_contained_policy", "-D", "mls_num_sens=16", "-D", "mls_num_cats=256"], { input: text, encoding: "utf8" });
    for (const text of ["type t;\n  ifelse(a, b\n", "x dnl(a,\n", "mls_num_sens(\n", "define(`foo', `[$1]')\nfoo(a\n"]) {
      expect(() => formatSource(text, "m4")).toThrow(expect.objectContaining({ code: "fmt-unclosed" }));
      const r = run(text);
      expect(r.status, text).toBe(1);
      expect(r.stderr).toContain("ERROR: end of file in argument list");
    }
    const quote = run("type t;\nallow `a b;\n");
    expect([quote.status, quote.stderr]).toEqual([1, expect.stringContaining("ERROR: end of file in string")]);
    for (const text of ["constrain  foo(a  b\n  type   t;\n", "undefine(`index')index(a\n", "foo(a\ndefine(`foo', `x')\n"]) {
      const r = run(text);
      expect(r.status, text).toBe(0);
      // top-level text, laid out: the same words on the same lines
      const words = (out: string) => out.replace(/[ \t]+/g, " ").replace(/^ | $/gm, "");
      expect(words(run(formatSource(text, "m4")).stdout)).toBe(words(r.stdout));
    }
  });
});
