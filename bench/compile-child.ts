// Run by sections/compile.ts in a child process: compiles one policy file once and prints
// {"ms", "maxRssKb", "baseRssKb", "heapDelta"} so that memory is measured on a process that did
// nothing but this compile (maxRSS is a high-water mark: it has to be a fresh process).
import { readFileSync } from "node:fs";
import { loadCompiler, isMissing } from "./lib/ours.js";

const file = process.argv[2]!;
const compilePolicy = await loadCompiler();
if (isMissing(compilePolicy)) {
  console.log(JSON.stringify({ error: compilePolicy.missing }));
  process.exit(0);
}
const text = readFileSync(file, "utf8");
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const baseRssKb = process.resourceUsage().maxRSS;
const heap0 = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
let policy: unknown;
try {
  policy = compilePolicy(text, { file });
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).message.split("\n")[0] }));
  process.exit(0);
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const maxRssKb = process.resourceUsage().maxRSS;
gc?.();
// heap still held by the compiled policy (after GC) and the high-water RSS of the compile
const heapDelta = process.memoryUsage().heapUsed - heap0;
console.log(JSON.stringify({ ms, maxRssKb, baseRssKb, heapDelta, kept: policy !== undefined }));
