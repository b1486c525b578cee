// Live: every AVC question examples/xen-flask/grant-copy.json's run asks (flask_grant_copy: grant copy of
// the source domain on the dest domain), put to oracle-decide on Xen's policy today: the simulator
// decides each as the oracle does, and the committed fixture
// (test/fixtures/xen-flask/grant-copy.oracle.json, which npm test uses) is not stale.
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
  work = mkdtempSync(join(tmpdir(), "grant-copy-oracle-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("examples/xen-flask/grant-copy.json against oracle-decide", () => {
  it("decides every question as the oracle does today; the fixture is current", async () => {
    const loaded = loadScenario(join(repoRoot, "examples/xen-flask/grant-copy.json"));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    const prepared = prepare(loaded.value);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.error));
    const asked: { perms: string[]; allowed: boolean }[] = [];
    const keys = new Set<string>();
    for (const s of runPrepared(prepared.value).steps) {
      for (const d of s.decisions) {
        if (d.perm === undefined || d.scontext === undefined || d.error !== undefined) continue;
        const perms = d.perm.split(" ").map((perm) => JSON.stringify({ scontext: d.scontext, tcontext: d.tcontext, tclass: d.tclass, perm }));
        for (const k of perms) keys.add(k);
        asked.push({ perms, allowed: d.allowed });
      }
    }
    const sorted = [...keys].sort();
    const file = join(work, "queries.json");
    writeFileSync(file, `[${sorted.join(",")}]`);
    const r = await runTool("oracle-decide", [join(repoRoot, "examples/xen-flask/policy.conf"), file]);
    expect(r.code, r.stderr).toBe(0);
    const answers = JSON.parse(r.stdout) as { allowed: boolean; audited: boolean }[];
    const oracle = new Map(sorted.map((k, i) => [k, answers[i]!.allowed]));
    for (const a of asked) expect(a.allowed, a.perms.join(" & ")).toBe(a.perms.every((k) => oracle.get(k)));
    const fixture = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/xen-flask/grant-copy.oracle.json"), "utf8")) as { query: object; answer: object }[];
    expect(fixture).toEqual(sorted.map((k, i) => ({ query: JSON.parse(k), answer: answers[i] })));
  });
});
