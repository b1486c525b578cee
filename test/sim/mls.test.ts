// MLS scenarios: a policy.conf with "mls": true (as the CLI takes -M), or an MLS binary (which
// says itself that it is MLS), gives the same run; the mlsconstrain decides the hook; without
// the flag an MLS source is one error that says to set it. test/fixtures/sim/mls/.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import { prepared } from "./support.js";

const dir = join(import.meta.dirname, "../fixtures/sim/mls");
const run = (name: string) => runPrepared(prepared(loadScenario(join(dir, name))));

describe("MLS scenarios", () => {
  it("meets every expectation of mls.json: the mlsconstrain refuses a device above the domain's clearance", () => {
    const r = run("mls.json");
    expect(r.steps.flatMap((s) => s.expect.filter((e) => !e.ok))).toEqual([]);
    expect(r.steps.map((s) => s.rc)).toEqual([0, "-EACCES", 0]);
    expect(r.steps[1]!.audit[0]).toMatch(/denied {2}\{ plug \} .*scontext=system_u:system_r:hwdom_t:s0 tcontext=system_u:object_r:nic_t:s1 tclass=resource/);
  });

  it("the MLS binary of the same policy gives the same run, without the flag", () => {
    const a = run("mls.json");
    const b = run("mls-binary.json");
    expect(b.steps.map((s) => [s.rc, s.audit])).toEqual(a.steps.map((s) => [s.rc, s.audit]));
  });

  it("an MLS policy.conf without \"mls\": true is one error at /policy that says to set it", () => {
    const loaded = loadScenario(join(dir, "mls-without-flag.json"));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const p = prepare(loaded.value);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error).toHaveLength(1);
    expect(p.error[0]!.message).toMatch(/compile with -M .*\(set "mls": true in the scenario\)$/);
  });
});
