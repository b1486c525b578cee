// `npm run fuzz -- [--count N] [--seed S] [--oracle] [--scenarios] [--binaries] [--timeout MS]
//                  [--out DIR] [--binary-every N] [--oracle-cache FILE]`
// Long fuzz runs (test/fuzz/ has the mutator, the generated policies and the harness; `npm test`
// runs a few of the same cases). Each case runs in a worker that is stopped after --timeout (a hang).
// --oracle also runs checkpolicy on every policy mutant and compares accept/reject; a difference
// is minimized and written to DIR; --oracle-cache keeps checkpolicy's verdict on each mutant (by
// its sha256, one JSON line each) so a run of the same seed after a compiler change asks only xsm. --scenarios fuzzes scenario files instead of policies,
// --binaries the committed binary policies (bit flips, truncation, huge counts) read as Xen's loader.
// Prints one summary and writes DIR/summary.json; exits 1 on any crash, hang, bad span or
// (with --oracle) undocumented difference.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { readSeeds } from "../test/fuzz/corpus.js";
import type { Verdict } from "../test/fuzz/harness.js";
import { checkpolicyAccepts, compare, minimize } from "../test/fuzz/oracle.js";
import { mutatePolicy, Rng } from "../test/fuzz/mutate.js";
import { mutateScenario, scenarioDir, scenarioSeeds } from "../test/fuzz/scenario.js";
import { binarySeeds, mutateBinary } from "../test/fuzz/binary.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : (args[i + 1] ?? dflt);
};
const count = Number(opt("--count", "1000"));
const seed = Number(opt("--seed", "1"));
const timeout = Number(opt("--timeout", "20000"));
const oracle = args.includes("--oracle");
const scenarios = args.includes("--scenarios");
const binaries = args.includes("--binaries");
const out = opt("--out", "fuzz-out");
/** Write the binary policy of every Nth accepted mutant (the writer is the slowest stage). */
const binaryEvery = Number(opt("--binary-every", "10"));
mkdirSync(out, { recursive: true });
const cacheFile = opt("--oracle-cache", "");
const cache = new Map<string, boolean>();
if (cacheFile !== "" && existsSync(cacheFile)) {
  for (const line of readFileSync(cacheFile, "utf8").split("\n")) {
    if (line === "") continue;
    const { sha256, accepts } = JSON.parse(line) as { sha256: string; accepts: boolean };
    cache.set(sha256, accepts);
  }
}
/** checkpolicy's verdict, from the cache when this mutant was asked before. */
function checkpolicyVerdict(bytes: Uint8Array): boolean {
  if (cacheFile === "") return checkpolicyAccepts(bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  let accepts = cache.get(sha256);
  if (accepts === undefined) {
    accepts = checkpolicyAccepts(bytes);
    cache.set(sha256, accepts);
    appendFileSync(cacheFile, JSON.stringify({ sha256, accepts }) + "\n");
  }
  return accepts;
}

interface Reply {
  verdict: Verdict | "ran" | "refused" | "crash";
  ownLimit?: boolean;
  ms: number;
  crash?: string;
  badSpans: string[];
}

const dir = scenarioDir();
// (a worker does not inherit `--import tsx` for its entry: it registers tsx, then loads the .ts)
const bootstrap = `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register(); await import(${JSON.stringify(new URL("../test/fuzz/worker.ts", import.meta.url).href)});`;
function spawn(): Worker {
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: { dir } });
}
let worker = spawn();

function run(message: unknown): Promise<Reply | "hang"> {
  return new Promise((done) => {
    const timer = setTimeout(() => {
      worker.removeAllListeners("message");
      void worker.terminate();
      worker = spawn();
      done("hang");
    }, timeout);
    worker.once("message", (r: Reply) => {
      clearTimeout(timer);
      done(r);
    });
    worker.postMessage(message);
  });
}

const started = Date.now();
const counts = { cases: 0, crashes: 0, hangs: 0, badSpans: 0, accept: 0, reject: 0, warned: 0, ran: 0, refused: 0, agree: 0, differ: 0, ownLimit: 0, slowest: 0 };
const rng = new Rng(seed);
const failures: { kind: string; ops: string[]; detail: string; file: string }[] = [];
const seeds = scenarios || binaries ? [] : readSeeds();
const bins = binaries ? binarySeeds() : [];
const docs = scenarios ? scenarioSeeds() : [];

for (let i = 0; i < count; i++) {
  let reply: Reply | "hang";
  let ops: string[];
  let bytes: Uint8Array;
  if (scenarios) {
    const m = mutateScenario(rng.pick(docs), rng);
    ops = m.ops;
    bytes = Buffer.from(m.text);
    reply = await run({ kind: "scenario", text: m.text, id: i });
  } else if (binaries) {
    const m = mutateBinary(rng.pick(bins).bytes, rng);
    ops = m.ops;
    bytes = m.bytes;
    reply = await run({ kind: "binary", bytes });
  } else {
    const m = mutatePolicy(rng.pick(seeds).text, rng);
    ops = m.ops;
    bytes = m.bytes;
    reply = await run({ kind: "policy", bytes, binary: i % binaryEvery === 0 });
  }
  counts.cases++;
  const keep = (kind: string, detail: string) => {
    const file = join(out, `${kind}-${seed}-${i}.${scenarios ? "json" : binaries ? "bin" : "conf"}`);
    writeFileSync(file, bytes);
    failures.push({ kind, ops, detail: detail.slice(0, 2000), file });
  };
  if (reply === "hang") {
    counts.hangs++;
    keep("hang", `no answer in ${timeout} ms`);
    continue;
  }
  counts.slowest = Math.max(counts.slowest, Math.round(reply.ms));
  if (reply.crash !== undefined) {
    counts.crashes++;
    keep("crash", reply.crash);
    continue;
  }
  if (reply.badSpans.length > 0) {
    counts.badSpans++;
    keep("span", reply.badSpans.join("\n"));
  }
  counts[reply.verdict as "accept"]++;
  if (oracle && !scenarios && !binaries) {
    const cp = checkpolicyVerdict(bytes);
    const how = compare({ verdict: reply.verdict as Verdict, ownLimit: reply.ownLimit === true, ms: 0, badSpans: [], diagnostics: [] }, cp);
    if (how === "agree") counts.agree++;
    else if (how === "own-limit") {
      counts.ownLimit++;
      keep("own-limit", "xsm refuses by its own limit, checkpolicy accepts");
    }
    else {
      counts.differ++;
      const small = minimize(bytes);
      bytes = small;
      keep("differ", `xsm ${reply.verdict}, checkpolicy ${cp ? "accepts" : "rejects"}`);
    }
  }
  if ((i + 1) % 1000 === 0) process.stderr.write(`${i + 1}/${count} ${JSON.stringify(counts)}\n`);
}
await worker.terminate();

const summary = { seed, count, oracle, scenarios, binaries, seconds: Math.round((Date.now() - started) / 1000), ...counts, failures };
writeFileSync(join(out, `summary-${scenarios ? "scenarios" : binaries ? "binaries" : "policies"}-${seed}.json`), JSON.stringify(summary, null, 1));
console.log(JSON.stringify({ ...summary, failures: failures.map((f) => `${f.kind} ${f.file} (${f.ops.join(", ")}): ${f.detail.split("\n")[0]}`) }, null, 1));
process.exitCode = counts.crashes + counts.hangs + counts.badSpans + counts.differ > 0 ? 1 : 0;
