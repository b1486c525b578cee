// A comment that would be a `#line` directive but for a blank after it (`#line 40 `, a tab, a CR) is
// a comment to checkpolicy 3.4: its scanner takes the longest match, and `#[^\n]*` outlasts a
// directive that does not end its line. fmt trims a comment's trailing blanks, which made such a
// comment a directive and moved every line checkpolicy names after it; it keeps them where that
// would happen. Each policy of test/fixtures/fmt/line-comment (NAME.conf) is laid out as
// NAME.fmt.conf, and checkpolicy's output on both is recorded in checkpolicy.json (re-checked live by
// test/oracle/fmt.test.ts): the same, but for the file's own name.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/fmt/format.js";
import { lineDirectives } from "../../src/policy/lines.js";
import { recorded } from "../policy/checkpolicy-runs.js";

const dir = "test/fixtures/fmt/line-comment";
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".conf") && !f.endsWith(".fmt.conf"))
  .map((f) => f.slice(0, -".conf".length))
  .sort();
// (latin1: a CR and every byte as it is)
const read = (file: string) => readFileSync(join(dir, file), "latin1");
const runs = new Map(recorded(dir).map((r) => [r.file, r]));

describe("fmt keeps a comment checkpolicy does not read as a #line directive a comment", () => {
  it("finds the cases", () => {
    expect(cases).toEqual(["after-statement-blank", "cr", "file-blank", "honoured", "in-braces", "start-blank", "tab"]);
  });

  for (const name of cases) {
    it(`${name}: laid out as committed, idempotently; checkpolicy names the same lines after it`, () => {
      const formatted = formatSource(read(`${name}.conf`), "conf");
      expect(formatted).toBe(read(`${name}.fmt.conf`));
      expect(formatSource(formatted, "conf")).toBe(formatted);
      expect(formatted).not.toBe(read(`${name}.conf`));
      const before = runs.get(`${name}.conf`)!;
      const after = runs.get(`${name}.fmt.conf`)!;
      expect(after.status).toBe(before.status);
      expect(after.stderr.replaceAll(`${name}.fmt.conf`, "NAME")).toBe(before.stderr.replaceAll(`${name}.conf`, "NAME"));
      // xsm's reading of the directives (src/policy/lines.ts, checkpolicy's scanner) agrees
      const read2 = (text: string) => lineDirectives(text).map((d) => [d.line, d.file]);
      expect(read2(formatted)).toEqual(read2(read(`${name}.conf`)));
    });
  }

  it("keeps the blanks only where a directive would come of trimming them, in m4 sources too", () => {
    expect(formatSource("type u;  #line 3  \n# a comment   \n#line 4 x  \n", "conf")).toBe("type u; #line 3  \n# a comment\n#line 4 x\n");
    expect(formatSource("type  u;  #line 3 \n#line 1 \"x.te\"\t\n", "m4")).toBe("type u; #line 3 \n#line 1 \"x.te\"\t\n");
    // `m4 -s`'s `#line N "file"` (checkpolicy 3.10 reads it for any N)
    expect(formatSource("#line 7 \"x.te\" \n", "m4")).toBe("#line 7 \"x.te\" \n");
  });

  it("drops a comment's blanks after its CR and before it in one pass: a second fmt changes nothing", () => {
    for (const [text, kind, laid] of [
      ["type t; # c \r \f \n", "conf", "type t; # c\r\n"],
      ["type t; dnl c , \r \f \n", "m4", "type t; dnl c ,\r\n"],
      ["type t; # c  \r \n", "m4", "type t; # c\r\n"],
    ] as const) {
      expect(formatSource(text, kind), JSON.stringify(text)).toBe(laid);
      expect(formatSource(laid, kind)).toBe(laid);
    }
  });

  it("keeps the rest of a line after a # in a top-level m4 quote as written: m4 copies it into a comment", () => {
    // m4 writes `#line  5` (a comment): laid out, `#line 5` (a directive)
    expect(formatSource("  `#line'  5\n", "m4")).toBe("`#line'  5\n");
    expect(formatSource("x   `#line 5'  \n  type   t;\n", "m4")).toBe("x `#line 5'  \ntype t;\n");
    expect(formatSource("{  a  `#'  b  \n}\n", "m4")).toBe("{ a `#'  b  \n}\n");
  });
});
