// Records checkpolicy's output on every policy of test/fixtures/neverallow-order (its exit status
// and stderr, byte for byte) in checkpolicy.json, which test/policy/neverallow-order.test.ts holds
// xsm's neverallow errors to. Needs checkpolicy.
//
//   npx tsx scripts/gen-neverallow-order-fixtures.ts
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dir, runCheckpolicy } from "../test/policy/neverallow-order.js";

const runs = readdirSync(dir)
  .filter((f) => f.endsWith(".conf"))
  .sort()
  .map((file) => runCheckpolicy(dir, file));
writeFileSync(join(dir, "checkpolicy.json"), `${JSON.stringify(runs, null, 1)}\n`);
console.log(`${runs.length} runs recorded in ${join(dir, "checkpolicy.json")}`);
