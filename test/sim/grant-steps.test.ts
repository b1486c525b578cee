// The grant table steps (grant_access, grant_end_access, grant_map, grant_unmap,
// grant_setup_table, grant_query_size) in a scenario: their errors name the JSON path; a run
// reports op->status beside the hypercall's rc, the handle, the frames, and the final tables.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import { failures, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const domains = [
  { name: "dom0", domid: 0, control: true, hardware: true },
  { name: "web", domid: 1, maxGrantFrames: 2 },
  { name: "db", domid: 2, maxMaptrackFrames: 0 },
];

describe("the grant steps' errors name their JSON path", () => {
  it("refs, handles and frames are required integers; domains are known; expect's grants and mappings are checked", () => {
    const loaded = parseScenario(
      {
        name: "bad",
        xsm: "dummy",
        domains,
        steps: [
          { as: "web", op: "grant_access", ref: 1, domain: "dom0" },
          { as: "dom0", op: "grant_map", domain: "nobody", ref: 1 },
          { as: "dom0", op: "grant_unmap", handle: -1 },
          { as: "dom0", op: "grant_setup_table", nr_frames: "2" },
          { as: "dom0", op: "grant_query_size", ref: 1 },
          { as: "dom0", op: "grant_map", domain: "web", ref: 1, expect: { gntst: "GNTST_bad", resources: [{ domain: "dom0", mappings: [{ domain: "x", ref: 1 }], grants: [{ ref: 1, flags: ["mapped"] }] }] } },
        ],
      },
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "/steps/0/frame: missing; it is required here",
      '/steps/1/domain: unknown domain "nobody"; expected one of dom0, web, db',
      "/steps/2/handle: must be >= 0; got -1",
      '/steps/3/nr_frames: expected integer; got "2"',
      "/steps/4/ref: unknown property; expected one of op, as, note, expect, domain",
      '/steps/5/expect/gntst: expected one of "GNTST_okay", "GNTST_general_error", "GNTST_bad_domain", "GNTST_bad_gntref", "GNTST_bad_handle", "GNTST_permission_denied", "GNTST_bad_page", "GNTST_bad_copy_arg", "GNTST_no_space"; got "GNTST_bad"',
      '/steps/5/expect/resources/0/mappings/0/domain: unknown domain "x"; expected one of dom0, web, db',
      '/steps/5/expect/resources/0/grants/0/flags/0: expected one of "permit_access", "readonly", "reading", "writing"; got "mapped"',
    ]);
  });
});

describe("a dummy run of grant steps", () => {
  const steps = [
    { as: "web", op: "grant_access", ref: 8, domain: "dom0", frame: "0x1000" },
    { as: "web", op: "grant_access", ref: 600, domain: "dom0", frame: "0x1001", expect: { rc: "-EINVAL" } },
    { as: "web", op: "grant_setup_table", nr_frames: 3, expect: { rc: 0, gntst: "GNTST_general_error" } },
    { as: "web", op: "grant_setup_table", nr_frames: 2, expect: { gntst: "GNTST_okay", resources: [{ domain: "web", grantFrames: 2 }] } },
    { as: "web", op: "grant_access", ref: 600, domain: "dom0", frame: "0x1001", readonly: true, expect: { rc: 0 } },
    { as: "dom0", op: "grant_map", domain: "web", ref: 8, expect: { gntst: "GNTST_okay", resources: [{ domain: "web", grants: [{ ref: 8, flags: ["permit_access", "reading", "writing"], domain: "dom0" }] }] } },
    { as: "dom0", op: "grant_map", domain: "web", ref: 600, readonly: true, expect: { gntst: "GNTST_okay", resources: [{ domain: "dom0", mappings: [{ domain: "web", ref: 8, handle: 0 }, { domain: "web", ref: 600, readonly: true, handle: 1 }] }] } },
    { as: "db", op: "grant_map", domain: "web", ref: 8, expect: { gntst: "GNTST_no_space" } },
    { as: "web", op: "grant_end_access", ref: 8, expect: { rc: "-EBUSY" } },
    { as: "web", op: "grant_query_size", domain: "db", expect: { gntst: "GNTST_permission_denied" } },
    { as: "dom0", op: "destroy_domain", domain: "web", expect: { rc: 0 } },
    { as: "dom0", op: "grant_unmap", handle: 0, expect: { gntst: "GNTST_okay" } },
    { as: "dom0", op: "grant_unmap", handle: 1, expect: { gntst: "GNTST_okay", resources: [{ domain: "dom0", mappings: [] }] } },
    { as: "dom0", op: "grant_map", domain: "web", ref: 8, expect: { gntst: "GNTST_bad_domain" } },
  ];
  const r = runPrepared(prepared(parseScenario({ name: "grants", xsm: "dummy", domains, steps }, join(root, "grants.json"))));

  it("meets its expectations: statuses beside rc 0, limits, a dead granter kept until unmapped", () => {
    expect(failures(r)).toEqual([]);
    expect(r.summary.partial).toBe(0);
    expect(r.steps[6]).toMatchObject({ rc: 0, gntst: "GNTST_okay", handle: 1 });
  });

  it("prints the status, handle and frames in the trace", () => {
    const trace = renderTrace(r, { name: "grants", xsm: "dummy", domains, steps } as never);
    expect(trace).toContain(" 3. web grant_setup_table nr_frames 3  => rc 0, GNTST_general_error (-1)");
    expect(trace).toContain(" 7. dom0 grant_map ref 600 readonly -> web  => rc 0, GNTST_okay (0), handle 1");
    expect(trace).toContain("10. web grant_query_size -> db  => rc 0, GNTST_permission_denied (-8)");
    expect(trace).toContain("xsm   grant_query_size: xsm_grant_query_size XSM_TARGET denied -EPERM");
  });
});
