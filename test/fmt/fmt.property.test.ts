// Properties of xsm fmt on generated policies, each mangled a little (blanks, line breaks, a
// missing or extra token, characters checkpolicy rejects outside a comment, a CR ending a comment):
// fmt either lays a file out, and then the layout parses to the same AST as the input, only
// blanks differ and a second run changes nothing, or it refuses the file, and then compile's
// parser refuses it too (fmt never refuses what compile parses) and `xsm fmt --write` and
// `--check` leave its bytes as they were.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError, formatSource } from "../../src/fmt/format.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { policyText } from "../fuzz/arbitrary.js";
import { xsm } from "../cli/run.js";

const SEED = 20261203;

/** What is put in the text: fmt's blanks, line breaks, tokens, and characters that are no blanks
 *  to checkpolicy (refused outside a comment, kept in one). */
const PIECES = [" ", "  ", "\t", "\f", "\n", "\n\n\n", ";", "{", "}", "# note ", " # note \r", "\r", "\u00a0", "\v", "\u00e9", "\ufeff", "\u2028", "type", ","];

const edit = fc.record({ at: fc.nat(), piece: fc.constantFrom(...PIECES), remove: fc.nat({ max: 3 }) });

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The committed policies of a few KB that parse: most of the generator's do not (its names t1,
 *  t2, r1... are checkpolicy's keywords), and the edits should meet both. */
const corpus = [join(root, "test/fixtures/cli"), join(root, "test/fixtures/accept-set"), join(root, "examples")]
  .flatMap((d) => readdirSync(d, { recursive: true, encoding: "utf8" }).map((f) => join(d, f)))
  .filter((f) => f.endsWith(".conf") && !f.endsWith("modules.conf") && statSync(f).size < 16_000)
  .map((f) => readFileSync(f, "utf8"))
  .filter((text) => !parseRefuses(text))
  .sort();

/** A policy, committed or generated, with a few edits: inserted pieces, or characters taken out. */
const mangled = fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...corpus) }, { weight: 1, arbitrary: policyText }), fc.array(edit, { maxLength: 3 })).map(([text, edits]) => {
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    text = e.remove > 0 ? text.slice(0, at) + text.slice(at + e.remove) : text.slice(0, at) + e.piece + text.slice(at);
  }
  return text;
});

/** The statements without their places (fmt moves text between columns and lines). */
function shape(text: string): string {
  return JSON.stringify(parsePolicy(text, "p.conf", { sections: false }).ast.statements, (k, v) =>
    k === "span" || k === "offset" ? undefined : typeof v === "bigint" ? `${v}n` : v,
  );
}

/** compile's parser refuses the text as it is (its errors, but those about the whole policy). */
function parseRefuses(text: string): boolean {
  const { ast, diagnostics } = parsePolicy(text, "p.conf", { sections: false });
  const errors = diagnostics.filter((d) => d.severity === "error" && d.code !== "unsupported");
  // (a text of comments alone is an empty policy, which a fragment may be)
  return errors.length > 0 && !(ast.statements.length === 0 && errors.every((d) => /the policy is empty/.test(d.message)));
}

const onlyBlanks = (s: string) => s.replace(/[ \t\f\n]+/g, "");

const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-property-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fmt on generated policies", () => {
  it("lays out what parses (same AST, only blanks changed, idempotent) and refuses only what compile's parser refuses", () => {
    const seen = { laidOut: 0, refused: 0 };
    fc.assert(
      fc.property(mangled, (text) => {
        let out: string;
        try {
          out = formatSource(text, "conf");
        } catch (err) {
          expect(err).toBeInstanceOf(FormatError);
          expect(parseRefuses(text), `refused, but parses: ${JSON.stringify(text)}`).toBe(true);
          seen.refused++;
          return;
        }
        expect(parseRefuses(text), `laid out, but does not parse: ${JSON.stringify(text)}`).toBe(false);
        expect(shape(out)).toBe(shape(text));
        expect(onlyBlanks(out)).toBe(onlyBlanks(text));
        expect(formatSource(out, "conf")).toBe(out);
        seen.laidOut++;
      }),
      { seed: SEED, numRuns: 400 },
    );
    // both sides were exercised
    expect(seen.laidOut).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  }, 120_000);

  it("xsm fmt --write and --check never write a file they refuse; --write writes fmt's layout of one they accept", async () => {
    const file = join(dir, "p.conf");
    const samples = fc.sample(mangled, { seed: SEED + 1, numRuns: 40 });
    let refused = 0;
    for (const text of samples) {
      writeFileSync(file, text);
      const check = await xsm("fmt", "--check", file);
      expect(readFileSync(file, "utf8")).toBe(text);
      const write = await xsm("fmt", "--write", file);
      let want: string | undefined;
      try {
        want = formatSource(text, "conf");
      } catch {
        want = undefined;
      }
      if (want === undefined) {
        refused++;
        expect([check.code, write.code], JSON.stringify(text)).toEqual([1, 1]);
        expect(check.stdout).toBe("");
        expect(write.stdout).toBe("");
        expect(readFileSync(file, "utf8")).toBe(text);
      } else {
        expect(write.code, write.stderr).toBe(0);
        expect(readFileSync(file, "utf8")).toBe(want);
      }
    }
    expect(refused).toBeGreaterThan(3);
  }, 120_000);
});
