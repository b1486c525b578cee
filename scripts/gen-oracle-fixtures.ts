// Records checkpolicy's answers as fixtures, so `npm test` compares against the oracle with only Node.
//
//   npx tsx scripts/gen-oracle-fixtures.ts [--seeds 1-300] [--violations 1-12] [--jobs 2] [--only seeds|cli]
//
// Per seed N (gen-policy --size small): seed-N.conf (the policy), seed-N.matrix.json (oracle-matrix's
// stdout, byte for byte), seed-N.queries.json (derived from the seed, see test/oracle/harness.ts),
// seed-N.decisions.json (oracle-decide's stdout) and seed-N.bool-decisions.json (oracle-decide with
// the seed's boolean override from manifest.json). Per violation seed: seed-N.violate.conf and
// seed-N.violate.oracle.json (oracle-matrix's rejection). Also the oracle's answers for the CLI's
// golden policy in test/fixtures/cli (*.oracle.json). Needs checkpolicy + python3-setools.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertOracleAvailable,
  boolArgs,
  boolOverride,
  deriveQueries,
  fixtureDir,
  genPolicy,
  oracleDir,
  runTool,
  seedName,
  type MatrixDoc,
} from "../test/oracle/harness.js";

function range(text: string): number[] {
  const [a, b] = text.split("-").map(Number);
  if (!Number.isInteger(a) || !Number.isInteger(b ?? a)) throw new Error(`bad range ${text}`);
  return Array.from({ length: (b ?? a)! - a! + 1 }, (_, i) => a! + i);
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function seedFixture(seed: number): Promise<{ seed: number; size: "small"; bools: Record<string, boolean> }> {
  const base = join(fixtureDir, seedName(seed));
  const conf = await genPolicy(seed, "small");
  writeFileSync(`${base}.conf`, conf);
  const matrix = await runTool("oracle-matrix", [`${seedName(seed)}.conf`], fixtureDir);
  if (matrix.code !== 0) throw new Error(`oracle-matrix seed ${seed}: ${matrix.stdout}${matrix.stderr}`);
  writeFileSync(`${base}.matrix.json`, matrix.stdout);
  const doc = JSON.parse(matrix.stdout) as MatrixDoc;
  const queries = deriveQueries(seed, doc, conf);
  writeFileSync(`${base}.queries.json`, `[\n${queries.map((q) => JSON.stringify(q)).join(",\n")}\n]\n`);
  const bools = boolOverride(seed, doc);
  for (const [suffix, extra] of [
    ["decisions", []],
    ["bool-decisions", boolArgs(bools)],
  ] as const) {
    const r = await runTool("oracle-decide", [`${seedName(seed)}.conf`, `${seedName(seed)}.queries.json`, ...extra], fixtureDir);
    if (r.code !== 0) throw new Error(`oracle-decide seed ${seed}: ${r.stdout}${r.stderr}`);
    writeFileSync(`${base}.${suffix}.json`, r.stdout);
  }
  return { seed, size: "small", bools };
}

async function violationFixture(seed: number): Promise<{ seed: number }> {
  const name = `${seedName(seed)}.violate.conf`;
  writeFileSync(join(fixtureDir, name), await genPolicy(seed, "small", true));
  const r = await runTool("oracle-matrix", [name], fixtureDir);
  if (r.code !== 3 || !r.stdout.includes("neverallow")) {
    throw new Error(`seed ${seed}: checkpolicy did not reject the neverallow violation (exit ${r.code})`);
  }
  writeFileSync(join(fixtureDir, `${seedName(seed)}.violate.oracle.json`), r.stdout);
  return { seed };
}

/** Runs `work` over `items`, `jobs` at a time, keeping results in input order. */
async function pool<T, R>(items: T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return out;
}

const cliDir = join(fixtureDir, "../cli");

/** The oracle's view of test/fixtures/cli/small.conf, neverallow.conf and queries.json. */
async function cliFixtures(): Promise<void> {
  const outputs: [string, string[], number][] = [
    ["small.matrix.oracle.json", ["oracle-matrix", "small.conf"], 0],
    ["neverallow.oracle.json", ["oracle-matrix", "neverallow.conf"], 3],
    ["queries.oracle.json", ["oracle-decide", "small.conf", "queries.json"], 0],
    ["queries.bool.oracle.json", ["oracle-decide", "small.conf", "queries.json", "--bool", "guests_may_plug=true"], 0],
  ];
  for (const [file, [tool, ...args], expected] of outputs) {
    const r = await runTool(tool!, args, cliDir);
    if (r.code !== expected) throw new Error(`${tool} ${args.join(" ")}: exit ${r.code}: ${r.stdout}${r.stderr}`);
    writeFileSync(join(cliDir, file), r.stdout);
  }
}

async function main(): Promise<void> {
  await assertOracleAvailable();
  const only = option("--only", "");
  if (only !== "seeds") await cliFixtures();
  if (only === "cli") return;
  mkdirSync(fixtureDir, { recursive: true });
  const seeds = range(option("--seeds", "1-300"));
  const violations = range(option("--violations", "1-12"));
  const jobs = Number(option("--jobs", "2"));
  let done = 0;
  const manifestSeeds = await pool(seeds, jobs, async (seed) => {
    const entry = await seedFixture(seed);
    if (++done % 25 === 0) process.stderr.write(`${done}/${seeds.length} seeds\n`);
    return entry;
  });
  const manifestViolations = await pool(violations, jobs, violationFixture);
  const genSha = createHash("sha256").update(readFileSync(join(oracleDir(), "gen-policy"))).digest("hex");
  const manifest = { generator: "gen-policy", genPolicySha256: genSha, seeds: manifestSeeds, violations: manifestViolations };
  writeFileSync(join(fixtureDir, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
  process.stderr.write(`wrote ${seeds.length} seeds and ${violations.length} violations to ${fixtureDir}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`gen-oracle-fixtures: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
