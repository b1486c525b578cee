// Records seinfo --constrain and sediff --constrain on the binaries test/analysis/typeset-variants.ts
// makes from checkpolicy's binary of test/fixtures/analysis/constraint-sets.conf.
//
//   npx tsx scripts/gen-typeset-fixtures.ts
//
// Needs checkpolicy and setools. Writes test/fixtures/analysis/constraint-sets.{bin,setools.json}.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TYPE_SET_VARIANTS, withTypeSets } from "../test/analysis/typeset-variants.js";

const base = "test/fixtures/analysis/constraint-sets";
execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", `${base}.conf`, "-o", `${base}.bin`], { stdio: "ignore" });
const tmp = mkdtempSync(join(tmpdir(), "typeset-"));
const out: Record<string, { seinfo: string; warnings: string[]; sediff: string }> = {};
for (const [name, variant] of Object.entries(TYPE_SET_VARIANTS)) {
  const file = join(tmp, `${name}.bin`);
  writeFileSync(file, withTypeSets(new Uint8Array(readFileSync(`${base}.bin`)), variant));
  const seinfo = spawnSync("seinfo", [file, "--constrain"], { encoding: "utf8" });
  const sediff = spawnSync("sediff", ["--constrain", `${base}.bin`, file], { encoding: "utf8" });
  // the first line names the file; the warnings say what setools leaves out
  const warnings = [...new Set(seinfo.stderr.match(/UserWarning: .*/g) ?? [])];
  out[name] = { seinfo: seinfo.stdout.split("\n").slice(1).join("\n"), warnings, sediff: sediff.stdout };
}
writeFileSync(`${base}.setools.json`, `${JSON.stringify(out, null, 1)}\n`);
