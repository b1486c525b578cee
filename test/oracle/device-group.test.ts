// Live: every AVC question examples/svp/device-group-quarantine.json's run asks (stat_device of
// get_device_group, add/remove on dom_io's domio_t, the assignment's), put to oracle-decide on the
// policy.conf svp.conf desugars to: the simulator decides each as the oracle does, and the committed
// fixture (test/fixtures/sim/device-group-quarantine.oracle.json, which npm test uses) is not stale.
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
  work = mkdtempSync(join(tmpdir(), "device-group-oracle-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("examples/svp/device-group-quarantine.json against oracle-decide", () => {
  it("decides every question as the oracle does today; the fixture is current", async () => {
    const loaded = loadScenario(join(repoRoot, "examples/svp/device-group-quarantine.json"));
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
    expect([...decided.keys()].some((k) => k.includes('"stat_device"'))).toBe(true);
    const keys = [...decided.keys()].sort();
    const queries = join(work, "queries.json");
    writeFileSync(queries, `[${keys.join(",")}]`);
    const source = join(repoRoot, "examples/svp/svp.conf");
    const plain = join(work, "policy.conf");
    writeFileSync(plain, printPolicyConf(desugarPlatforms(parsePolicy(readFileSync(source, "utf8"), source).ast).ast));
    const r = await runTool("oracle-decide", [plain, queries]);
    expect(r.code, r.stderr).toBe(0);
    const answers = JSON.parse(r.stdout) as { allowed: boolean; audited: boolean }[];
    keys.forEach((k, i) => expect(decided.get(k), k).toBe(answers[i]!.allowed));
    const fixture = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/sim/device-group-quarantine.oracle.json"), "utf8")) as { query: object; answer: object }[];
    expect(fixture).toEqual(keys.map((k, i) => ({ query: JSON.parse(k), answer: answers[i] })));
  });
});
