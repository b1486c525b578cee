// npm run bench [-- --quick] [-- --json | --markdown] [-- --only compile,decisions,avc,registry,sim,binary,analysis,lsp]
//                [-- --rows WORD,...]    only the rows (compile, process tables, decisions) whose name contains a word
//                [-- --policy FILE]...   also time `xsm compile FILE` beside checkpolicy (a Xen policy.conf)
//                [-- --profile [FILE]]   where start-up and compile time go (bench/profile.ts), no benchmark
//                [-- --keep-env]         run the node process rows with NODE_EXTRA_CA_CERTS if set (bench/lib/node-env.ts)
// A benchmark, not a test: it prints figures beside peers and targets. It exits non-zero only when
// the engines compared disagree on an answer (the comparison would be meaningless) or it breaks.
import { cpus, loadavg } from "node:os";
import { FULL, QUICK, sinkDigest } from "./lib/measure.js";
import { renderMarkdown, renderSection, type SectionResult } from "./lib/report.js";
import { Disagreement } from "./lib/agree.js";
import { rowFilterNote, setRowFilter } from "./lib/rows.js";
import { setKeepEnv } from "./lib/node-env.js";
import { analysisSection } from "./sections/analysis.js";
import { avcSection } from "./sections/avc.js";
import { binarySection } from "./sections/binary.js";
import { compileSection } from "./sections/compile.js";
import { decisionsSection } from "./sections/decisions.js";
import { registrySection } from "./sections/registry.js";
import { simSection } from "./sections/sim.js";
import { lspSection } from "./sections/lsp.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const json = args.includes("--json");
const markdown = args.includes("--markdown");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? "").split(",")) : undefined;
const rowsAt = args.indexOf("--rows");
if (rowsAt >= 0) setRowFilter((args[rowsAt + 1] ?? "").split(",").filter((w) => w !== ""));
setKeepEnv(args.includes("--keep-env"));
const budget = quick ? QUICK : FULL;
const policies = args.flatMap((a, i) => (a === "--policy" && args[i + 1] !== undefined ? [args[i + 1]!] : []));
if (args.includes("--profile")) {
  const { profile } = await import("./profile.js");
  const at = args.indexOf("--profile");
  const next = args[at + 1];
  await profile(next !== undefined && !next.startsWith("--") ? next : policies[0]);
  process.exit(0);
}

const SECTIONS: { id: string; run: () => Promise<SectionResult> }[] = [
  { id: "compile", run: () => compileSection(budget, quick, policies) },
  { id: "decisions", run: () => decisionsSection(budget) },
  { id: "avc", run: () => avcSection(budget, quick) },
  { id: "registry", run: () => registrySection(budget, quick) },
  { id: "sim", run: () => simSection(budget) },
  { id: "binary", run: () => binarySection(budget, quick) },
  { id: "analysis", run: () => analysisSection(budget) },
  { id: "lsp", run: () => lspSection(quick) },
];

const started = Date.now();
const results: SectionResult[] = [];
for (const s of SECTIONS) {
  if (only && !only.has(s.id)) continue;
  if (!json) process.stderr.write(`running ${s.id}...\n`);
  let r: SectionResult;
  try {
    r = await s.run();
  } catch (e) {
    if (!(e instanceof Disagreement)) throw e;
    console.error(`bench aborted: the engines compared disagree, so timing them would compare different work.\n${e.message}`);
    process.exit(2);
  }
  const filtered = rowFilterNote();
  if (filtered) r.notes.push(filtered);
  results.push(r);
  if (!json) console.log((markdown ? renderMarkdown(r) : renderSection(r)) + "\n");
}
const seconds = (Date.now() - started) / 1000;
if (json) {
  const doc = {
    machine: { node: process.version, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadavg1: loadavg()[0] },
    mode: quick ? "quick" : "full",
    seconds,
    sections: Object.fromEntries(results.map((r) => [r.id, { title: r.title, notes: r.notes, ...r.data }])),
    sink: sinkDigest(),
  };
  console.log(JSON.stringify(doc, null, 2));
} else {
  console.log(
    `${quick ? "quick" : "full"} run, ${seconds.toFixed(1)} s, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ` +
      `load average ${loadavg()[0]!.toFixed(1)} (other work on the machine slows every figure; sink ${sinkDigest()})`,
  );
}
