// Constraints whose type sets a binary holds with a negative set or the `*`/`~` flags
// (typeset-variants.ts makes such binaries from checkpolicy's): setools 4.4.1 prints only the
// included names (warning that it leaves the rest out), so xsm's constraint text and `xsm diff`
// give what seinfo --constrain and sediff --constrain give, recorded in constraint-sets.setools.json
// (scripts/gen-typeset-fixtures.ts); `xsm diff` notes the exclusions on stderr, as setools warns.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setoolsConstraintText } from "../../src/analysis/constrainttext.js";
import { analyzeBinary } from "../../src/cli/analysis-binary.js";
import { xsm } from "../cli/run.js";
import { scratchDir } from "../sim/support.js";
import { TYPE_SET_VARIANTS, withTypeSets } from "./typeset-variants.js";

const base = "test/fixtures/analysis/constraint-sets";
const recorded = JSON.parse(readFileSync(`${base}.setools.json`, "utf8")) as Record<string, { seinfo: string; warnings: string[]; sediff: string }>;
const checkpolicyBinary = new Uint8Array(readFileSync(`${base}.bin`));
const dir = scratchDir("xsm-typeset-");

/** setools prints a set in Python's set order, which varies; names sorted inside each `{ }`. */
const sortSets = (line: string) => line.replace(/\{ ([^}]*?) \}/g, (_, names: string) => `{ ${names.split(" ").sort().join(" ")} }`);

describe("constraint type sets with a negative set or */~ flags, as setools shows them", () => {
  for (const [name, variant] of Object.entries(TYPE_SET_VARIANTS)) {
    const bin = withTypeSets(checkpolicyBinary, variant);

    it(`${name}: the included names, as seinfo --constrain prints them`, () => {
      const ap = analyzeBinary(bin, `${name}.bin`);
      const ours = ap.sym.constraints.map((c) => sortSets(setoolsConstraintText(c, ap.sym, ap.constraintSources.get(c.span.offset))));
      const theirs = recorded[name]!.seinfo
        .split("\n")
        .filter((l) => l.startsWith("   constrain "))
        .map((l) => sortSets(l.slice(3)));
      expect(ours.sort()).toEqual(theirs.sort());
      expect(recorded[name]!.warnings.length).toBeGreaterThan(0);
    });

    it(`${name}: xsm diff from checkpolicy's binary finds no constraint changed, as sediff`, async () => {
      const file = join(dir, `${name}.bin`);
      writeFileSync(file, bin);
      const r = await xsm("diff", `${base}.bin`, file);
      expect(r.stdout).toContain(recorded[name]!.sediff);
      // and says, as setools warns, that the text leaves the exclusions out
      expect(r.stderr).toBe(`xsm: note: ${file}: 3 constraints with a type set that excludes types (-, * or ~): shown by the included names only, as setools shows them\n`);
    });
  }
});
