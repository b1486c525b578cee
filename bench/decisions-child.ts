// Run by sections/decisions.ts in a fresh child process per policy, as a program that decides on
// one policy runs (no other policy's calls in allows()'s type feedback):
//   decisions-child.ts PART BUDGET ROWS   PART: a type count for bench/gen/svp-policy.ts, or
//                                         "example" (examples/svp/svp.conf); BUDGET: the Budget as
//                                         JSON; ROWS: the --rows words as a JSON array
// Prints the part's {rows, data, notes} as one JSON line.
import type { Budget } from "./lib/measure.js";
import { setRowFilter } from "./lib/rows.js";
import { decisionsPart } from "./sections/decisions.js";

const [part, budget, rows] = process.argv.slice(2) as [string, string, string];
setRowFilter(JSON.parse(rows) as string[]);
console.log(JSON.stringify(await decisionsPart(part, JSON.parse(budget) as Budget)));
