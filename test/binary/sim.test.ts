// The simulator loads policies as Xen's security_load_policy does: a binary policy (by its magic)
// or a source one, and what Xen's loader refuses is refused (-EINVAL, Xen's log line) with the
// running policy left in place.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { parseScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";

const fixtures = join(import.meta.dirname, "../fixtures");

function scenarioDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "xsm-bin-sim-"));
  const source = readFileSync(join(fixtures, "sim/ops-policy.conf"), "utf8");
  writeFileSync(join(dir, "policy.bin"), compileBinary(source, { file: "ops-policy.conf" }).bytes);
  copyFileSync(join(fixtures, "binary/edge/shuf5.bin"), join(dir, "inherits.bin"));
  copyFileSync(join(fixtures, "binary/edge/shuf5.conf"), join(dir, "inherits.conf"));
  copyFileSync(join(fixtures, "sim/ops-policy.conf"), join(dir, "policy.conf"));
  return dir;
}

function runWith(dir: string, policy: string) {
  const base = JSON.parse(readFileSync(join(fixtures, "sim/flask-ops.json"), "utf8")) as { policy: string; steps: { op: string }[] };
  const doc = {
    ...base,
    policy,
    steps: [
      ...base.steps.filter((s) => s.op !== "load_policy").map((s) => ({ ...s, expect: undefined })),
      { op: "load_policy", policy: "inherits.bin", expect: { rc: "-EINVAL", log: "Flask:  classes with common prefixes are not supported" } },
      { op: "load_policy", policy: "inherits.conf", expect: { rc: "-EINVAL", log: "Flask:  classes with common prefixes are not supported" } },
      ...base.steps.filter((s) => s.op !== "load_policy").map((s) => ({ ...s, expect: undefined })),
      { op: "load_policy", policy, expect: { rc: 0 } },
    ],
  };
  const loaded = parseScenario(doc, join(dir, "scenario.json"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const p = prepare(loaded.value);
  if (!p.ok) throw new Error(JSON.stringify(p.error));
  return runPrepared(p.value);
}

it("a scenario runs on a binary policy as on its source, and refuses what Xen refuses", () => {
  const dir = scenarioDir();
  const bin = runWith(dir, "policy.bin");
  const src = runWith(dir, "policy.conf");
  expect(bin.steps.flatMap((s) => s.expect.filter((e) => !e.ok))).toEqual([]);
  expect(bin.steps.map((s) => s.rc)).toEqual(src.steps.map((s) => s.rc));
  const refused = bin.steps.filter((s) => s.rc === "-EINVAL" && s.log.join("\n").includes("inherits.bin"));
  expect(refused.length).toBe(1);
});

it("a scenario whose policy Xen refuses does not start", () => {
  const dir = scenarioDir();
  const base = JSON.parse(readFileSync(join(fixtures, "sim/flask-ops.json"), "utf8")) as object;
  const loaded = parseScenario({ ...base, policy: "inherits.bin", steps: [] }, join(dir, "scenario.json"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const p = prepare(loaded.value);
  expect(p.ok).toBe(false);
  if (!p.ok) expect(p.error[0]!.message).toContain("Flask:  classes with common prefixes are not supported");
});
