// The grant_copy step (GNTTABOP_copy): its errors name the JSON path; a run checks both sides in
// Xen's order (gnttab_copy_one: the domains, XSM on source -> dest, the source then the dest grant,
// the page bound) and reports op->status; a copy changes no table. examples/xen-flask/grant-copy.json
// runs it on Xen's policy: its AVC questions are decided as oracle-decide decided them
// (test/fixtures/xen-flask/grant-copy.oracle.json, from scripts/gen-scenario-oracle.ts; live:
// test/oracle/grant-copy.oracle.test.ts). UPDATE_GOLDEN=1 rewrites its trace.
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared, type RunResult } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, failures, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/grant-copy.json"));
const domains = [
  { name: "dom0", domid: 0, control: true, hardware: true },
  { name: "web", domid: 1 },
  { name: "db", domid: 2 },
];

describe("grant_copy's errors name their JSON path", () => {
  it("a side is a ref or a frame, not both, not neither; domains are known; len and offset are uint16_t", () => {
    const loaded = parseScenario(
      {
        name: "bad",
        xsm: "dummy",
        domains,
        steps: [
          { as: "dom0", op: "grant_copy", source: { domain: "web", ref: 1, frame: "0x10" }, dest: { frame: "0x20" }, len: 8 },
          { as: "dom0", op: "grant_copy", source: { domain: "web" }, dest: { frame: "0x20" }, len: 8 },
          { as: "dom0", op: "grant_copy", source: { domain: "nobody", ref: 1 }, dest: { frame: "0x20", offset: 70000 }, len: 65536 },
          { as: "dom0", op: "grant_copy", source: { ref: 1, flags: 1 }, len: 8 },
          { as: "dom0", op: "grant_copy", source: { ref: 1 }, dest: { frame: "0x20" }, len: 8, expect: { gntst: "GNTST_bad_copy" } },
        ],
      },
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "/steps/0/source/frame: give either ref (a grant reference: GNTCOPY_source_gref) or frame (a frame of the caller's own), not both",
      "/steps/1/source: missing ref or frame; give ref (a grant reference of domain) or frame (a frame of the caller's own)",
      '/steps/2/source/domain: unknown domain "nobody"; expected one of dom0, web, db',
      "/steps/2/dest/offset: must be <= 65535; got 70000",
      "/steps/2/len: must be <= 65535; got 65536",
      "/steps/3/source/flags: unknown property; expected one of domain, ref, frame, offset",
      "/steps/3/dest: missing; it is required here",
      '/steps/4/expect/gntst: expected one of "GNTST_okay", "GNTST_general_error", "GNTST_bad_domain", "GNTST_bad_gntref", "GNTST_bad_handle", "GNTST_permission_denied", "GNTST_bad_page", "GNTST_bad_copy_arg", "GNTST_no_space"; got "GNTST_bad_copy"',
    ]);
  });
});

const run = (steps: object[]): RunResult => {
  const s = { name: "copy", xsm: "dummy", domains, steps };
  return runPrepared(prepared(parseScenario(s, join(root, "copy.json"))));
};
const setup = [
  { as: "web", op: "grant_access", ref: 1, domain: "dom0", frame: "0x100", readonly: true },
  { as: "web", op: "grant_access", ref: 2, domain: "dom0", frame: "0x101" },
  { as: "web", op: "grant_access", ref: 3, domain: "db", frame: "0x102" },
  { as: "db", op: "grant_access", ref: 1, domain: "dom0", frame: "0x200" },
];
const statuses = (r: RunResult, from: number) => r.steps.slice(from).map((s) => [s.gntst, s.decisions.map((d) => d.xen)]);

describe("a dummy run of grant_copy: Xen's order of checks", () => {
  it("checks the source before the dest at each stage, XSM between the domains and the refs, the page bound last", () => {
    const copy = (source: object, dest: object, len = 64) => ({ as: "dom0", op: "grant_copy", source, dest, len });
    const r = run([
      ...setup,
      { as: "dom0", op: "destroy_domain", domain: "db" },
      copy({ frame: "0x5", domain: "dom0" }, { domain: "db", ref: 1 }), // source frame with a domain, before dest's missing domain
      copy({ domain: "db", ref: 1 }, { frame: "0x5", domain: "web" }), // source's missing domain first
      copy({ domain: "web", ref: 9 }, { domain: "web", ref: 600 }), // both refs bad: the source's (not granted) first
      copy({ domain: "web", ref: 2 }, { domain: "web", ref: 600 }), // the dest's bound
      copy({ domain: "web", ref: 2, offset: 4090 }, { domain: "web", ref: 1 }), // dest read-only before the page bound
      copy({ domain: "web", ref: 2, offset: 4090 }, { frame: "0x5" }), // the page bound
      copy({ domain: "web", ref: 2, offset: 4032 }, { frame: "0x5" }), // exactly to the end
      copy({ domain: "web", ref: 3 }, { frame: "0x5" }), // granted to db
      copy({ domain: "web", ref: 2 }, { domain: "web", ref: 2 }), // the same entry both ways
      copy({ domain: "web", ref: 1, offset: 9999 }, { domain: "dom0", frame: "0x5" }, 0), // len 0: nothing, not even the frame's domain
    ]);
    expect(failures(r)).toEqual([]);
    expect(statuses(r, setup.length + 1)).toEqual([
      ["GNTST_permission_denied", []],
      ["GNTST_bad_domain", []],
      ["GNTST_general_error", ["xsm_grant_copy"]],
      ["GNTST_bad_gntref", ["xsm_grant_copy"]],
      ["GNTST_general_error", ["xsm_grant_copy"]],
      ["GNTST_bad_copy_arg", ["xsm_grant_copy"]],
      ["GNTST_okay", ["xsm_grant_copy"]],
      ["GNTST_general_error", ["xsm_grant_copy"]],
      ["GNTST_okay", ["xsm_grant_copy"]],
      ["GNTST_okay", []],
    ]);
    expect(r.steps.every((s) => s.rc === 0 && !s.partial)).toBe(true);
    expect(r.steps[setup.length + 5]!.log).toEqual(["Attempt to write-pin a r/o grant entry"]);
    expect(r.steps[setup.length + 3]!.log).toEqual(["Bad flags (0x0) or dom (0); expected d0"]);
  });

  it("a pin another domain holds refuses a copy by anyone else; the mapper's own pin lets it copy", () => {
    const r = run([
      ...setup,
      { as: "db", op: "grant_map", domain: "web", ref: 3, expect: { gntst: "GNTST_okay" } },
      { as: "dom0", op: "grant_copy", source: { domain: "web", ref: 3 }, dest: { frame: "0x5" }, len: 8, expect: { gntst: "GNTST_general_error", log: "Bad domain (2 != 0), or risk of counter overflow 00000001" } },
      { as: "db", op: "grant_copy", source: { domain: "web", ref: 3 }, dest: { domain: "web", ref: 3 }, len: 8, expect: { gntst: "GNTST_okay" } },
    ]);
    expect(failures(r)).toEqual([]);
  });

  it("property: a copy changes no table, answers a status of Xen's, asks XSM at most once, and is bad_copy_arg exactly when its bytes pass a page whose refs are fine", () => {
    const side = fc.oneof(
      fc.record({ domain: fc.constantFrom("web", "db", "dom0"), ref: fc.constantFrom(0, 1, 2, 3, 511, 512) , offset: fc.constantFrom(0, 100, 4000, 4096) }),
      fc.record({ frame: fc.constantFrom("0x5", "0x6"), offset: fc.constantFrom(0, 4000) }),
      fc.record({ domain: fc.constantFrom("web", "dom0"), frame: fc.constant("0x5"), offset: fc.constant(0) }),
    );
    const copyStep = fc.record({ as: fc.constantFrom("dom0", "db", "web"), op: fc.constant("grant_copy"), source: side, dest: side, len: fc.constantFrom(0, 1, 96, 4096) });
    const base = run([...setup, { as: "db", op: "grant_map", domain: "web", ref: 3 }]);
    const tables = (r: RunResult) => JSON.stringify(r.state.domains.map((d) => d.io?.grants));
    fc.assert(
      fc.property(fc.array(copyStep, { minLength: 1, maxLength: 8 }), (copies) => {
        const r = run([...setup, { as: "db", op: "grant_map", domain: "web", ref: 3 }, ...copies]);
        expect(tables(r)).toBe(tables(base));
        for (const [i, s] of r.steps.slice(setup.length + 1).entries()) {
          const c = copies[i]!;
          expect(s.rc).toBe(0);
          expect(s.decisions.length).toBeLessThanOrEqual(1);
          if (c.len === 0) expect(s).toMatchObject({ gntst: "GNTST_okay", decisions: [] });
          const past = c.source.offset + c.len > 4096 || c.dest.offset + c.len > 4096;
          if (s.gntst === "GNTST_bad_copy_arg") expect(past).toBe(true);
          if (s.gntst === "GNTST_okay" && c.len > 0) expect(past).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("examples/xen-flask/grant-copy.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/grant-copy.oracle.json"), 4);

  it("asks flask_grant_copy of the source domain on the dest domain, whoever calls", () => {
    const q = (n: number) => r.steps[n - 1]!.decisions.map((d) => [d.xen, d.scontext, d.tcontext, d.perm, d.allowed]);
    expect(q(4)).toEqual([["flask_grant_copy", "user_1:vm_r:domU_t", "system_u:system_r:dom0_t", "copy", true]]);
    expect(q(5)).toEqual([["flask_grant_copy", "system_u:system_r:dom0_t", "user_1:vm_r:domU_t", "copy", true]]);
    expect(q(13)).toEqual([["flask_grant_copy", "user_1:vm_r:domU_t", "user_2:vm_r:domU_t", "copy", false]]);
    for (const n of [7, 8]) expect(r.steps[n - 1]!.decisions, `step ${n}`).toEqual([]);
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("grant_copy web ref 8 +0 -> frame 0x5000 +0 len 1514");
    golden("grant-copy.trace.txt", out.stdout);
  });
});
