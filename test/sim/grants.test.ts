// examples/xen-flask/grants.json: grant tables between domains on Xen's policy (GNTTABOP_map_grant_ref,
// unmap_grant_ref, setup_table, query_size; the guest's own entries; a mapper's and a granter's
// death). Every AVC question it asks is decided as oracle-decide decided it
// (test/fixtures/xen-flask/grants.oracle.json, from scripts/gen-scenario-oracle.ts). UPDATE_GOLDEN=1
// rewrites the trace.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/grants.json"));

describe("examples/xen-flask/grants.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/grants.oracle.json"), 15);

  it("asks flask_grant_mapref once per map, map_write only for a writable one, before Xen's own checks", () => {
    const maps = r.steps.filter((s) => s.op === "grant_map");
    for (const s of maps.filter((x) => x.gntst !== "GNTST_bad_domain")) expect(s.decisions.map((d) => d.xen), `step ${s.step}`).toEqual(["flask_grant_mapref"]);
    expect(r.steps[6]!.decisions[0]).toMatchObject({ scontext: "system_u:system_r:dom0_t", tcontext: "user_1:vm_r:domU_t", tclass: "grant", perm: "map_read map_write", allowed: true });
    expect(r.steps[8]!.decisions[0]!.perm).toBe("map_read");
    // the guest's own writes and a gone granter ask nothing; a mapper's death asks only the domctl
    for (const n of [2, 3, 4, 5, 15, 19, 22, 29]) expect(r.steps[n - 1]!.decisions, `step ${n}`).toEqual([]);
    expect(r.steps[23]!.decisions.map((d) => d.xen)).toEqual(["flask_domctl destroydomain"]);
  });

  it("prints statuses, handles and frames; --json has gntst and the tables", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("9. dom0 grant_map ref 9 readonly -> web  => rc 0, GNTST_okay (0), handle 2");
    expect(out.stdout).toContain("(XEN) avc:  denied  { map_read map_write } for domid=4 target=2 scontext=user_2:vm_r:domU_t tcontext=user_1:vm_r:domU_t tclass=grant");
    golden("grants.trace.txt", out.stdout);
    const doc = JSON.parse((await xsm("simulate", example, "--json", "--until", "9")).stdout);
    expect(doc.steps.at(-1)).toMatchObject({ op: "grant_map", rc: 0, gntst: "GNTST_okay", handle: 2 });
    expect(doc.state.domains.find((d: { name: string }) => d.name === "web").io.grants.entries).toEqual([
      { ref: 1, domid: 1, frame: 0xfeffc, flags: ["permit_access", "reading", "writing"] },
      { ref: 8, domid: 0, frame: 0x1a000, flags: ["permit_access", "reading", "writing"] },
      { ref: 9, domid: 0, frame: 0x1a001, flags: ["permit_access", "readonly", "reading"] },
      { ref: 12, domid: 0, frame: 0x1a004, flags: ["permit_access"] },
    ]);
  });

  it("under the dummy module: maps are XSM_HOOK (Xen's own checks decide), setup and query XSM_TARGET", () => {
    const doc = JSON.parse(readFileSync(example, "utf8")) as { xsm: string; policy?: string; steps: { expect?: unknown }[] };
    doc.xsm = "dummy";
    delete doc.policy;
    for (const s of doc.steps) delete s.expect;
    const run = runPrepared(prepared(parseScenario(doc, join(root, "examples/xen-flask/dummy.json"))));
    const st = (n: number) => run.steps[n - 1]!.gntst;
    expect([st(10), st(11), st(17), st(18)]).toEqual(["GNTST_general_error", "GNTST_bad_gntref", "GNTST_general_error", "GNTST_okay"]); // 10: pinned for dom0; 11: past the table
  });
});
