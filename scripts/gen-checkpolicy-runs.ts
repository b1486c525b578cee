// Records checkpolicy's output on every policy of a corpus directory (its exit status and stderr,
// byte for byte) in the directory's checkpolicy.json (test/policy/checkpolicy-runs.ts). Needs
// checkpolicy.
//
//   npx tsx scripts/gen-checkpolicy-runs.ts test/fixtures/neverallow-order
//   npx tsx scripts/gen-checkpolicy-runs.ts test/fixtures/line-directive
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCheckpolicy } from "../test/policy/checkpolicy-runs.js";

const dir = process.argv[2];
if (!dir) throw new Error("usage: gen-checkpolicy-runs.ts DIRECTORY");
const runs = readdirSync(dir)
  .filter((f) => f.endsWith(".conf"))
  .sort()
  .map((file) => runCheckpolicy(dir, file));
writeFileSync(join(dir, "checkpolicy.json"), `${JSON.stringify(runs, null, 1)}\n`);
console.log(`${runs.length} runs recorded in ${join(dir, "checkpolicy.json")}`);
