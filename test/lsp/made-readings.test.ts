// A name m4 makes that several patterns of a call could make, or that splits several ways: made.ts
// places it where the call's arguments make it from when the text tells (the call around the line
// gives the $N their values), else at every pattern that could; a hover lists every split. The
// last test builds a tree with such a call through m4.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Note } from "../../src/diagnostics/diagnostic.js";
import { describe, expect, it } from "vitest";
import { runJob } from "../../src/lsp/job.js";
import { madePlaces, readings, readingsText } from "../../src/lsp/made.js";
import { hasM4 } from "../tools.js";
import { repoRoot } from "./client.js";

/** Files by name, as lines. */
const files: Record<string, string[]> = {
  "modules/x.if": [
    "define(`pair', `type $1; type $2;')", // 0
    "define(`both', `",
    "\tpair($1_$2, $1_$2_x)", // 2
    "')",
  ],
  "modules/x.te": [
    "both(a, b)", // 0
    "both(a_b, x)", // 1
    "both(c, `$3')", // 2
  ],
};
const linesOf = (file: string) => files[file];
const span = (file: string, line: number, col: number) => ({
  file,
  line,
  col,
  endLine: line,
  endCol: col + 1,
  offset: 0,
  length: 1,
});
const note = (macro: string, file: string, line: number, col: number): Note => ({
  message: `in expansion of \`${macro}'`,
  macro,
  span: span(file, line, col),
});
/** The arguments of each call the notes name, as m4 splits them. */
const args: Record<string, string[]> = {
  "modules/x.te:1": ["a", "b"],
  "modules/x.te:2": ["a_b", "x"],
  "modules/x.te:3": ["c", "$3"],
};
const argsOf = (n: Note) => args[`${n.span!.file}:${n.span!.line}`];
/** `type NAME;` in pair's body, from the call of pair in both's body, from both's call at line `te`. */
const placesOf = (name: string, te: number, withArgs = true) => {
  const at = span("modules/x.if", 1, 23);
  const context = [note("pair", "modules/x.if", 3, 2), note("both", "modules/x.te", te, 1)];
  return madePlaces(name, at, context, linesOf, withArgs ? argsOf : undefined).map((p) =>
    files[p.file]![p.line]!.slice(p.start, p.end),
  );
};

describe("made.ts: a name several patterns of a call could make", () => {
  it("placed at the one the arguments make it from", () => {
    // both(a, b): $1_$2_x makes a_b_x; both(a_b, x): $1_$2 does
    expect(placesOf("a_b_x", 1)).toEqual(["$1_$2_x"]);
    expect(placesOf("a_b_x", 2)).toEqual(["$1_$2"]);
  });
  it("where the arguments cannot tell, at every pattern that could make it", () => {
    expect(placesOf("a_b_x", 1, false)).toEqual(["$1_$2", "$1_$2_x"]);
    // an argument that is the parameter of a call further out, which is not known
    expect(placesOf("c_d_x", 3)).toEqual(["$1_$2", "$1_$2_x"]);
  });
  it("one pattern that could make it: there; none: the bare parameter it came from", () => {
    expect(placesOf("a_b", 1)).toEqual(["$1_$2"]);
    expect(placesOf("q_x", 1, false)).toEqual(["$1_$2"]);
    expect(placesOf("q", 1, false)).toEqual(["$1"]);
  });
});

describe("made.ts: the readings of a name", () => {
  it("every split, a parameter written twice one value", () => {
    expect(readings("$1_$2", "a_b_c")).toEqual([
      [
        ["$1", "a"],
        ["$2", "b_c"],
      ],
      [
        ["$1", "a_b"],
        ["$2", "c"],
      ],
    ]);
    expect(readings("$1_$1", "a_b_a_b")).toEqual([[["$1", "a_b"]]]);
    expect(readings("$1_self", "dom0_t_self")).toEqual([[["$1", "dom0_t"]]]);
    expect(readings("$1_self", "dom0_t")).toEqual([]);
  });
  it("a hover's words, only where there are several", () => {
    expect(readingsText("$1_$2", "a_b_c")).toBe(
      "`a_b_c` reads 2 ways: `$1` = `a`, `$2` = `b_c`; or `$1` = `a_b`, `$2` = `c`",
    );
    expect(readingsText("$1_self", "dom0_t_self")).toBeUndefined();
    expect(readingsText("$1$2", "abcdefghijk")).toMatch(
      /^`abcdefghijk` reads 8 ways: .*; and more$/,
    );
  });
});

describe.skipIf(!hasM4)(
  "made names told apart by the calls' arguments, in a tree (needs GNU m4)",
  () => {
    it("a name two patterns of a call could make is placed at the one its arguments make it from", () => {
      const dir = mkdtempSync(join(tmpdir(), "xsm-lsp-made-"));
      try {
        cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
        const xenIf = join(dir, "modules/xen.if");
        const pair = "# pair(first, second)\ndefine(`pair', `type $1; type $2;')\n";
        const both = "define(`both', `\n\tpair($1_$2, $1_$2_x)\n')\n";
        writeFileSync(xenIf, `${readFileSync(xenIf, "utf8")}${pair}${both}`);
        writeFileSync(join(dir, "modules/made.te"), "both(a, b)\nboth(c_d, e)\n");
        const conf = join(dir, "modules/modules.conf");
        writeFileSync(conf, `${readFileSync(conf, "utf8")}made = on\n`);
        const m = runJob({ unit: "t", version: 1, origin: { kind: "tree", root: dir } });
        expect(m.diagnostics.flatMap(([, ds]) => ds.filter((d) => d.severity === 1))).toEqual([]);
        const index = m.index!;
        const lines = readFileSync(xenIf, "utf8").split("\n");
        const placed = (name: string) => {
          const out: string[] = [];
          for (let i = 0; i < index.name.length; i++) {
            if (!index.made?.[i] || index.names[index.name[i]!] !== name) continue;
            out.push(lines[index.line[i]!]!.slice(index.start[i]!, index.end[i]!));
          }
          return out;
        };
        // $1_$2 could make a_b_x (a, b_x) by its shape; both(a, b) makes it from $1_$2_x
        expect(placed("a_b_x")).toEqual(["$1_$2_x"]);
        expect(placed("a_b")).toEqual(["$1_$2"]);
        expect(placed("c_d_e")).toEqual(["$1_$2"]);
        expect(placed("c_d_e_x")).toEqual(["$1_$2_x"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
