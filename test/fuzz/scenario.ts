// Mutations of scenario files (schema-aware: fields dropped, retyped, replaced by huge or nested
// values, policies that are directories, FIFOs, devices or empty files, thousands of invalid steps,
// damaged JSON text) and a runner that loads, prepares and runs one like `xsm simulate` does.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import { repoRoot } from "./corpus.js";
import type { Rng } from "./mutate.js";

/** A scratch directory with the example policies, an empty file and a FIFO to point scenarios at. */
export function scenarioDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "xsm-fuzz-scenario-"));
  for (const f of readdirSync(join(repoRoot, "examples/svp"))) if (f.endsWith(".conf")) copyFileSync(join(repoRoot, "examples/svp", f), join(dir, f));
  writeFileSync(join(dir, "empty.conf"), "");
  if (!existsSync(join(dir, "fifo.conf"))) execFileSync("mkfifo", [join(dir, "fifo.conf")]);
  return dir;
}

export function scenarioSeeds(): unknown[] {
  const dir = join(repoRoot, "examples/svp");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown);
}

const DEEP = "__xsm_fuzz_deep__";
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, "", "x".repeat(100_000), [], {}, "0000:03:00.0", "ffff:ff:1f.7", "zzzz:03:00.0", "dom0", "-"];
const POLICIES = [".", "empty.conf", "fifo.conf", "/dev/zero", "/dev/null", "missing.conf", "svp.conf", "../../../../etc/passwd"];

function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(doc: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  if (typeof doc !== "object" || doc === null) return doc;
  const root = structuredClone(doc) as Record<string | number, unknown>;
  let cur = root;
  for (const k of path.slice(0, -1)) {
    cur = cur[k] as Record<string | number, unknown>;
    if (typeof cur !== "object" || cur === null) return doc;
  }
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
  return root;
}

/** A mutant scenario file's text. */
export function mutateScenario(doc: unknown, rng: Rng): { text: string; ops: string[] } {
  let d = doc;
  let deep = 0;
  const ops: string[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const all = paths(d);
    const p = rng.pick(all);
    switch (rng.int(7)) {
      case 0:
        d = setAt(d, p, undefined, true);
        ops.push("drop");
        break;
      case 1:
        d = setAt(d, p, rng.pick(ODD_VALUES));
        ops.push("retype");
        break;
      case 2: {
        // deep nesting, spliced in as text below (JSON.stringify itself recurses)
        deep = rng.pick([10, 100, 100_000]);
        d = setAt(d, p, DEEP);
        ops.push(`nest${deep}`);
        break;
      }
      case 3:
        d = setAt(d, ["policy"], rng.pick(POLICIES));
        ops.push("policy");
        break;
      case 4: {
        const steps = Array.isArray((d as { steps?: unknown[] } | null | undefined)?.steps) ? [...(d as { steps: unknown[] }).steps] : [];
        steps.push({ as: "svp-hwdom", op: "load_policy", policy: rng.pick(POLICIES) });
        d = setAt(d, ["steps"], steps);
        ops.push("load_policy");
        break;
      }
      case 5: {
        const n = rng.pick([10, 1000, 5000]);
        d = setAt(d, ["steps"], Array.from({ length: n }, (_, i) => ({ op: rng.pick(["nope", "pci_add_device", "set_bool"]), as: i })));
        ops.push(`steps${n}`);
        break;
      }
      default: {
        const step = (d as { steps?: unknown[] } | null | undefined)?.steps;
        if (Array.isArray(step) && step.length > 0) d = setAt(d, ["steps", rng.int(step.length)], structuredClone(step[rng.int(step.length)]));
        ops.push("dupStep");
      }
    }
  }
  let text = JSON.stringify(d, null, rng.chance(0.5) ? 2 : undefined) ?? "null";
  if (deep > 0) text = text.replace(`"${DEEP}"`, () => (rng.chance(0.5) ? "[".repeat(deep) + "1" + "]".repeat(deep) : '{"a":'.repeat(deep) + "1" + "}".repeat(deep)));
  if (rng.chance(0.15)) {
    const at = rng.int(text.length + 1);
    text = text.slice(0, at) + rng.pick(["", "}", "{", ",", '"', "\u0000", "\ufeff", "\ud800"]) + text.slice(at + rng.int(3));
    ops.push("text");
  }
  return { text, ops };
}

/** Loads, prepares and runs a scenario file (every strategy's run for a small one). Throws only on a bug. */
export function runScenarioFile(file: string): "ran" | "refused" {
  const loaded = loadScenario(file);
  if (!loaded.ok) return "refused";
  const prepared = prepare(loaded.value);
  if (!prepared.ok) return "refused";
  if (prepared.value.scenario.steps.length <= 200) runPrepared(prepared.value, {});
  return "ran";
}
