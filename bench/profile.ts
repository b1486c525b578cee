// npm run bench -- --profile [FILE]: where `xsm`'s time goes, as a user runs it. Records V8 CPU
// profiles (node --cpu-prof) of three fresh processes and prints, for each, the self time by module
// and the hottest functions:
//   start-up   `xsm --help`: node's bootstrap, loading the CLI bundle and commander;
//   compile    `xsm compile FILE` (default examples/xen-flask/policy.conf): one cold compile, as a
//              Makefile runs it, loading included;
//   warm       the same compile in process (dist/, the library build), 5 times after one warm-up:
//              the compiler's own cost once V8 has optimised it.
// The .cpuprofile files stay in the printed directory: open them in Chrome DevTools (Performance >
// Load profile) or https://www.speedscope.app for the call trees. The recipe by hand:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/xsm.cjs compile FILE
import { spawnSync } from "node:child_process";
import { nodeEnv } from "./lib/node-env.js";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./lib/ours.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which source module a line of a bundle chunk belongs to (esbuild writes `// src/x.ts` before each). */
const moduleLines = new Map<string, { line: number; module: string }[]>();
function moduleOf(url: string, line: number): string {
  if (!url) return "(native)";
  if (url.startsWith("node:")) return "node internals";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (!path.startsWith(ROOT)) return "node internals";
  const rel = relative(ROOT, path);
  if (!rel.startsWith("dist/bin/")) return rel;
  let marks = moduleLines.get(path);
  if (!marks) {
    marks = [];
    readFileSync(path, "utf8").split("\n").forEach((text, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
      if (m) marks!.push({ line: i, module: m[1]!.startsWith("node_modules/") ? m[1]!.split("/").slice(0, 2).join("/") : m[1]! });
    });
    moduleLines.set(path, marks);
  }
  let found = "bundle glue";
  for (const mark of marks) if (mark.line <= line) found = mark.module;
  return found;
}

function summarise(title: string, file: string): void {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const mod = functionName === "(garbage collector)" ? "(garbage collector)" : functionName === "(idle)" ? "(idle)" : moduleOf(url, lineNumber);
    if (mod === "(idle)") return;
    total += us;
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    const fn = `${functionName || "(anonymous)"}  ${mod}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => `  ${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(0).padStart(3)}%  ${name}`);
  console.log(`\n## ${title}: ${(total / 1000).toFixed(1)} ms on the CPU (idle left out)\n${file}`);
  console.log("by module:", ...top(byModule, 12).map((l) => `\n${l}`));
  console.log("hottest functions (self time):", ...top(byFunction, 12).map((l) => `\n${l}`));
}

function record(title: string, dir: string, args: string[]): void {
  const before = new Set(readdirSync(dir));
  const r = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20, env: nodeEnv() });
  if (r.status !== 0) {
    console.log(`\n## ${title}: failed (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n")[0]}`);
    return;
  }
  // the main thread's profile is the largest one the run wrote
  const made = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && !before.has(f)).map((f) => join(dir, f));
  const main = made.sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0];
  if (main) summarise(title, main);
}

export async function profile(file = `${ROOT}examples/xen-flask/policy.conf`): Promise<void> {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  const dir = mkdtempSync(join(tmpdir(), "xsm-profile-"));
  const xsm = `${ROOT}bin/xsm.cjs`;
  console.log(`profiles of \`xsm\` (the built CLI; run npm run build after editing src/), written to ${dir}`);
  record("start-up: xsm --help", dir, [xsm, "--help"]);
  record(`compile: xsm compile ${relative(process.cwd(), file)}`, dir, [xsm, "compile", file]);
  const warm = `import { compilePolicy } from ${JSON.stringify(`${ROOT}dist/index.js`)}; import { readFileSync } from "node:fs";
const text = readFileSync(${JSON.stringify(file)}, "utf8"); for (let i = 0; i < 6; i++) compilePolicy(text, { file: "policy.conf" });`;
  record("warm: compilePolicy in process, 5 compiles after a warm-up", dir, ["--input-type=module", "-e", warm]);
}
