// Run by sections/compile.ts in a fresh child process, so no other section's heap or JIT state
// touches the figures:
//   compile-child.ts FILE memory   one compile: {"ms", "maxRssKb", "baseRssKb", "heapDelta"}
//                                  (maxRSS is a high-water mark: it needs a process of its own)
//   compile-child.ts FILE time N   one warm-up compile, then N timed ones: {"runs": [ms...]}
import { readFileSync } from "node:fs";
import { loadCompiler, isMissing } from "./lib/ours.js";
import { nowNs } from "./lib/measure.js";

const [file, mode, count] = process.argv.slice(2) as [string, string, string | undefined];
const loaded = await loadCompiler();
if (isMissing(loaded)) {
  console.log(JSON.stringify({ error: loaded.missing }));
  process.exit(0);
}
const compilePolicy = loaded;
const text = readFileSync(file, "utf8");
const gc = (globalThis as { gc?: () => void }).gc;

function compileOnce(): number | string {
  const t0 = nowNs();
  try {
    compilePolicy(text, { file });
  } catch (e) {
    return (e as Error).message.split("\n")[0]!;
  }
  return (nowNs() - t0) / 1e6;
}

if (mode === "time") {
  const runs: number[] = [];
  for (let i = 0; i <= Number(count ?? 3); i++) {
    gc?.();
    const ms = compileOnce();
    if (typeof ms === "string") {
      console.log(JSON.stringify({ error: ms }));
      process.exit(0);
    }
    if (i > 0) runs.push(ms);
  }
  console.log(JSON.stringify({ runs }));
} else {
  gc?.();
  const baseRssKb = process.resourceUsage().maxRSS;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = nowNs();
  let policy: unknown;
  try {
    policy = compilePolicy(text, { file });
  } catch (e) {
    console.log(JSON.stringify({ error: (e as Error).message.split("\n")[0] }));
    process.exit(0);
  }
  const ms = (nowNs() - t0) / 1e6;
  const maxRssKb = process.resourceUsage().maxRSS;
  gc?.();
  // heap still held by the compiled policy (after GC), and the high-water RSS of the compile
  const heapDelta = process.memoryUsage().heapUsed - heap0;
  console.log(JSON.stringify({ ms, maxRssKb, baseRssKb, heapDelta, kept: policy !== undefined }));
}
