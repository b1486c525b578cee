// Live: every AVC question a scenario's run asks, put to oracle-decide on the scenario's policy
// today: the simulator decides each as the oracle does, and the committed fixture (which npm test
// uses) is not stale. An SVP policy goes to the oracle as the policy.conf its platform blocks
// desugar to (checkpolicy has no `platform`).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/parse.js";
import { desugarPlatforms, printPolicyConf } from "../../src/policy/svp.js";
import { loadScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import { assertOracleAvailable, repoRoot, runTool } from "./harness.js";

let work: string;
beforeAll(async () => {
  await assertOracleAvailable();
  work = mkdtempSync(join(tmpdir(), "scenario-oracle-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cases = [
  { scenario: "examples/xen-flask/interrupts.json", policy: "examples/xen-flask/policy.conf", fixture: "test/fixtures/xen-flask/interrupts.oracle.json", svp: false, asks: undefined },
  // stat_device of get_device_group, add/remove on dom_io's domio_t, the assignment's
  { scenario: "examples/svp/device-group-quarantine.json", policy: "examples/svp/svp.conf", fixture: "test/fixtures/sim/device-group-quarantine.oracle.json", svp: true, asks: '"stat_device"' },
  // the same platform with an AMD IOMMU: the IVRS groups ask stat_device of every device of the domain
  { scenario: "examples/svp/amd-ivrs-aliases.json", policy: "examples/svp/svp.conf", fixture: "test/fixtures/sim/amd-ivrs-aliases.oracle.json", svp: true, asks: '"stat_device"' },
  // conventional PCI devices behind a bridge under VT-d: two guests' use_iommu, the teardown's destroy
  { scenario: "examples/svp/vtd-legacy-bridge.json", policy: "examples/svp/svp.conf", fixture: "test/fixtures/sim/vtd-legacy-bridge.oracle.json", svp: true, asks: '"use_iommu"' },
  // deassignment without quarantine: remove_device of the guest platform's hwdom on its VF
  { scenario: "examples/svp/deassign-hardware-domain.json", policy: "examples/svp/svp.conf", fixture: "test/fixtures/sim/deassign-hardware-domain.oracle.json", svp: true, asks: '"remove_device"' },
];

describe.each(cases)("$scenario against oracle-decide", ({ scenario, policy, fixture, svp, asks }) => {
  it("decides every question as the oracle does today; the fixture is current", async () => {
    const loaded = loadScenario(join(repoRoot, scenario));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    const prepared = prepare(loaded.value);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.error));
    const decided = new Map<string, boolean>();
    for (const s of runPrepared(prepared.value).steps) {
      for (const d of s.decisions) {
        if (d.perm === undefined || d.scontext === undefined || d.error !== undefined) continue;
        decided.set(JSON.stringify({ scontext: d.scontext, tcontext: d.tcontext, tclass: d.tclass, perm: d.perm }), d.allowed);
      }
    }
    const keys = [...decided.keys()].sort();
    if (asks !== undefined) expect(keys.some((k) => k.includes(asks))).toBe(true);
    const queries = join(work, "queries.json");
    writeFileSync(queries, `[${keys.join(",")}]`);
    let conf = join(repoRoot, policy);
    if (svp) {
      const plain = join(work, "policy.conf");
      writeFileSync(plain, printPolicyConf(desugarPlatforms(parsePolicy(readFileSync(conf, "utf8"), conf).ast).ast));
      conf = plain;
    }
    const r = await runTool("oracle-decide", [conf, queries]);
    expect(r.code, r.stderr).toBe(0);
    const answers = JSON.parse(r.stdout) as { allowed: boolean; audited: boolean }[];
    keys.forEach((k, i) => expect(decided.get(k), k).toBe(answers[i]!.allowed));
    const committed = JSON.parse(readFileSync(join(repoRoot, fixture), "utf8")) as { query: object; answer: object }[];
    expect(committed).toEqual(keys.map((k, i) => ({ query: JSON.parse(k), answer: answers[i] })));
  });
});
