// Live: every AVC question examples/xen-flask/interrupts.json's run asks, put to oracle-decide on
// Xen's policy today: the simulator decides each as the oracle does, and the committed fixture
// (test/fixtures/xen-flask/interrupts.oracle.json, which npm test uses) is not stale.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import { assertOracleAvailable, repoRoot, runTool } from "./harness.js";

let work: string;
beforeAll(async () => {
  await assertOracleAvailable();
  work = mkdtempSync(join(tmpdir(), "scenario-oracle-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("examples/xen-flask/interrupts.json against oracle-decide", () => {
  it("decides every question as the oracle does today; the fixture is current", async () => {
    const loaded = loadScenario(join(repoRoot, "examples/xen-flask/interrupts.json"));
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
    const file = join(work, "queries.json");
    writeFileSync(file, `[${keys.join(",")}]`);
    const r = await runTool("oracle-decide", [join(repoRoot, "examples/xen-flask/policy.conf"), file]);
    expect(r.code, r.stderr).toBe(0);
    const answers = JSON.parse(r.stdout) as { allowed: boolean; audited: boolean }[];
    keys.forEach((k, i) => expect(decided.get(k), k).toBe(answers[i]!.allowed));
    const fixture = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/xen-flask/interrupts.oracle.json"), "utf8")) as { query: object; answer: object }[];
    expect(fixture).toEqual(keys.map((k, i) => ({ query: JSON.parse(k), answer: answers[i] })));
  });
});
