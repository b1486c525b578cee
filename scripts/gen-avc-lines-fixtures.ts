// Records audit2why's and audit2allow's answers to each line of test/analysis/avc-lines.ts in
// test/fixtures/analysis/avc-lines.json (test/oracle/avc-lines-oracle.ts asks them). Needs
// checkpolicy and policycoreutils-python-utils (Debian's /usr/bin/python3).
//
//   npx tsx scripts/gen-avc-lines-fixtures.ts
import { writeFileSync } from "node:fs";
import { askAvcLines } from "../test/oracle/avc-lines-oracle.js";

const out = askAvcLines();
writeFileSync("test/fixtures/analysis/avc-lines.json", JSON.stringify(out, null, 1) + "\n");
console.log(`${out.length} lines recorded`);
