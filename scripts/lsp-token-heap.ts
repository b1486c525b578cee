// What the language server's semantic tokens leave on the heap between requests, and what a
// request costs: analyses a policy.conf as the server's worker does (runJob), answers
// textDocument/semanticTokens/full five times as the server does, each response dropped as the
// server drops it once sent, and compares the heap after a full garbage collection before and after.
//   /usr/bin/python3 test/oracle/tools/gen-policy --seed 1 --size large > /tmp/large.conf
//   node --expose-gc --import tsx scripts/lsp-token-heap.ts /tmp/large.conf
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runJob } from "../src/lsp/job.js";
import { semanticTokens } from "../src/lsp/semantic-tokens.js";

const gc = (globalThis as { gc?: () => void }).gc;
const file = process.argv[2];
if (!file || !gc) {
  console.error("usage: node --expose-gc --import tsx scripts/lsp-token-heap.ts POLICY.conf");
  process.exit(2);
}
const path = resolve(file);
let text: string;
try {
  text = readFileSync(path, "utf8");
} catch (err) {
  console.error(`lsp-token-heap: ${path}: ${(err as Error).message}`);
  process.exit(1);
}
const uri = pathToFileURL(path).href;
const model = runJob({ unit: "u", version: 1, origin: { kind: "conf", uri }, file: path, text });

const heap = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
};
const mb = (b: number) => (b / 1048576).toFixed(1);
const times: number[] = [];
/** One request, as the server answers it: the array is the response's, dropped once sent. */
function request(): number {
  const t0 = performance.now();
  const data = semanticTokens(text, uri, model, false);
  times.push(performance.now() - t0);
  return data.length;
}

const before = heap();
let numbers = 0;
for (let k = 0; k < 5; k++) numbers = request();
const after = heap();
console.log(`${numbers / 5} tokens (${numbers} numbers); requests ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
console.log(`kept after the requests: ${mb(after.heap - before.heap)} MB of heap (${mb(before.heap)} -> ${mb(after.heap)} MB), array buffers ${mb(before.buffers)} -> ${mb(after.buffers)} MB`);
