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
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which source module a position in a bundle belongs to, from the source map the build writes beside
 *  it (dist/bin/NAME.cjs.map; the bundles are minified, so esbuild's `// src/x.ts` markers are gone).
 *  Per generated line: the columns where a mapped segment starts and its source file. */
const bundleMaps = new Map<string, { cols: number[]; src: number[] }[] | undefined>();
const bundleSources = new Map<string, string[]>();
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function sourceMap(path: string): { cols: number[]; src: number[] }[] | undefined {
  if (bundleMaps.has(path)) return bundleMaps.get(path);
  let map: { sources: string[]; mappings: string } | undefined;
  try {
    map = JSON.parse(readFileSync(`${path}.map`, "utf8")) as { sources: string[]; mappings: string };
  } catch {
    map = undefined;
  }
  if (!map) {
    bundleMaps.set(path, undefined);
    return undefined;
  }
  // the source map's VLQ segments: [column, source, line, column(, name)], each relative to the last
  const lines: { cols: number[]; src: number[] }[] = [];
  let source = 0;
  for (const text of map.mappings.split(";")) {
    const line = { cols: [] as number[], src: [] as number[] };
    let col = 0;
    for (const seg of text.split(",")) {
      if (seg === "") continue;
      const fields: number[] = [];
      let value = 0, shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += fields[0]!;
      if (fields.length > 1) source += fields[1]!;
      line.cols.push(col);
      line.src.push(fields.length > 1 ? source : -1);
    }
    lines.push(line);
  }
  // the build puts one line (the bundle's id) before what esbuild wrote
  lines.unshift({ cols: [], src: [] });
  bundleMaps.set(path, lines);
  bundleSources.set(path, map.sources.map((s) => s.replace(/^(\.\.\/)+/, "")));
  return lines;
}

function moduleOf(url: string, line: number, column: number): string {
  if (!url) return "(native)";
  if (url.startsWith("node:")) return "node internals";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (!path.startsWith(ROOT)) return "node internals";
  const rel = relative(ROOT, path);
  if (!rel.startsWith("dist/bin/")) return rel;
  const lines = sourceMap(path);
  const at = lines?.[line];
  if (!at) return "bundle glue";
  let k = -1;
  for (let i = 0; i < at.cols.length && at.cols[i]! <= column; i++) k = i;
  const src = k < 0 ? -1 : at.src[k]!;
  if (src < 0) return "bundle glue";
  const file = bundleSources.get(path)![src]!;
  return file.startsWith("node_modules/") ? file.split("/").slice(0, 2).join("/") : file;
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
    const { functionName, url, lineNumber, columnNumber } = n.callFrame;
    const mod = functionName === "(garbage collector)" ? "(garbage collector)" : functionName === "(idle)" ? "(idle)" : moduleOf(url, lineNumber, columnNumber);
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
