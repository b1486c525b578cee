// `xsm simulate`: the trace, --json (src/sim/output.schema.json), --compare and --dot against golden files,
// --strategy overriding the file's, exit 1 on failed expectations, located errors without stack traces.
// UPDATE_GOLDEN=1 npx vitest run test/sim/cli.test.ts rewrites the goldens.
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";
import { golden, scratchDir } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = (name: string) => relative(process.cwd(), join(root, "examples/svp", `${name}.json`));

const work = scratchDir("xsm-sim-");

describe("xsm simulate", () => {
  it("prints the trace: decisions, Xen log and audit lines, expectations, final state", async () => {
    const r = await xsm("simulate", example("alejandro-authority"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    golden("alejandro-authority.trace.txt", r.stdout);
  });

  it("--json prints every field of each step as written, the decisions with their reasons, the summary", async () => {
    const r = await xsm("simulate", example("nested-trust"), "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["scenario", "strategy", "notes", "steps", "state", "summary", "avc", "expectations"]);
    expect(doc).toMatchObject({ scenario: "nested-trust", strategy: "authority", expectations: { failed: [] } });
    const written = JSON.parse(readFileSync(example("nested-trust"), "utf8")).steps;
    for (const [i, step] of doc.steps.entries()) {
      expect(step.step).toBe(i + 1);
      const { expect: _e, ...fields } = written[i];
      expect(step).toMatchObject(fields); // target domain, physfn, note... as the file has them
    }
    expect(doc.steps[10]).toMatchObject({ op: "destroy_domain", domain: "gvp1-guest", rc: 0 });
    expect(doc.steps[8]).toMatchObject({ as: "gvp1-hwdom", op: "assign_device", sbdf: "0000:03:10.1", domain: "gvp1-guest", rc: "-EACCES" });
    expect(doc.steps[8].decisions[1]).toMatchObject({ hook: "assign_device", tclass: "resource", perm: "add_device", allowed: false, rc: "-EACCES", reasons: [{ kind: "no-rule", text: "no allow rule grants it" }] });
    expect(doc.steps[0].decisions[0].reasons[0]).toMatchObject({ kind: "granted-by", rule: { file: "svp.conf" } });
    expect(doc.summary).toMatchObject({ errors: 2, expectFailures: 0, devices: { stalePfs: [], broken: [] } });
    expect(doc.notes[0]).toMatch(/^3 hardware domains .*Xen upstream has exactly one hardware domain/);
    golden("nested-trust.json", r.stdout);
  });

  it("the trace says why each denied decision was denied; --verbose says why the granted ones were granted", async () => {
    const r = await xsm("simulate", example("nested-trust"));
    expect(r.stdout).toContain(
      "xsm   assign_device: gvp1_hwdom_t -> gvp2_pci_t resource:add_device denied -EACCES\n      why   no allow rule grants it\n",
    );
    expect(r.stdout).not.toMatch(/why {3}granted by/);
    const v = await xsm("simulate", example("nested-trust"), "--verbose");
    expect(v.stdout).toMatch(/xsm {3}resource_plug_pci: svp_hwdom_t -> svp_pci_t resource:plug allowed\n {6}why {3}granted by svp\.conf:45: platform svp supervisor/);
  });

  it("--json state.devices lists kind, physfn, broken and owner", async () => {
    const r = await xsm("simulate", example("jan-reassociate"), "--json");
    const doc = JSON.parse(r.stdout);
    expect(doc.state.devices).toEqual([
      { sbdf: "0000:03:00.0", kind: "pf", physfn: null, broken: false, owner: "svp-hwdom" },
      { sbdf: "0000:03:10.0", kind: "vf", physfn: "0000:03:00.0", broken: false, owner: "gvp1-guest" },
      { sbdf: "0000:03:10.1", kind: "vf", physfn: "0000:03:00.0", broken: false, owner: "gvp2-hwdom" },
    ]);
  });

  it("--compare tabulates the seven strategies and points to the other examples", async () => {
    const r = await xsm("simulate", example("nested-trust"), "--compare");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").length).toBeLessThanOrEqual(60); // one screen
    expect(r.stdout).toContain("  upstream       stale PF 04:00.0; broken 04:00.0 04:10.1; removed 03:00.0 03:10.0 03:10.1\n");
    expect(r.stdout).toContain("  step 14 expect rc 0: upstream -EBUSY, cascade -EBUSY, refuse -EBUSY\n");
    golden("nested-trust.compare.txt", r.stdout);
  });

  it("--strategy overrides the file's, and failed expectations exit 1", async () => {
    const r = await xsm("simulate", example("alejandro-authority"), "--strategy", "upstream");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^scenario alejandro-authority: strategy upstream/);
    expect(r.stdout).toMatch(/FAIL {2}expect rc: expected -EACCES, got -EBUSY/);
    expect(r.stderr).toMatch(/expectation\(s\) failed under strategy upstream/);
  });

  it("--compare --strategy says which strategy's expectations set the exit status", async () => {
    const r = await xsm("simulate", example("alejandro-authority"), "--compare", "--strategy", "upstream");
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe("alejandro-authority: every PF-removal strategy (rc per step; * = strategies differ; authority is the file's, upstream (--strategy) sets the exit status)");
  });

  it("--dot draws platforms, domains, devices, PF->VF links, labels and owners", async () => {
    const r = await xsm("simulate", example("jan-reassociate"), "--dot");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "jan-reassociate" \{/);
    expect(r.stdout).toContain('subgraph "cluster_gvp1"');
    expect(r.stdout).toContain('"0000:03:00.0" -> "0000:03:10.0" [style=dashed, label="VF"];');
    expect(r.stdout).toContain('"gvp1-guest" -> "0000:03:10.0" [label="owns", arrowhead=none];');
    expect(r.stdout).toContain("gvp1_pci_t");
    golden("jan-reassociate.dot", r.stdout);
    const file = join(work, "out.dot");
    const w = await xsm("simulate", example("jan-reassociate"), "--dot", file);
    expect(w.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(r.stdout);
  });

  it("reports scenario mistakes at their JSON paths, without a stack trace", async () => {
    const bad = join(work, "bad.json");
    writeFileSync(bad, JSON.stringify({ name: "b", xsm: "dummy", strategy: "nope", domains: [{ name: "d", domid: 0 }], steps: [{ as: "x", op: "pci_add_device", sbdf: "0000:03:00.0" }] }));
    const r = await xsm("simulate", bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: /strategy: expected one of "upstream"`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const semantic = join(work, "semantic.json");
    writeFileSync(semantic, JSON.stringify({ name: "b", xsm: "dummy", domains: [{ name: "d", domid: 0 }], steps: [{ as: "x", op: "pci_add_device", sbdf: "0000:03:00.0" }] }));
    const s = await xsm("simulate", semantic);
    expect(s.stderr).toContain(`${semantic}: /steps/0/as: unknown domain "x"; expected one of d`);
    const missing = await xsm("simulate", join(work, "nope.json"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`xsm: error: ${join(work, "nope.json")}: no such file\n`);
  });

  it("--compare --json gives every strategy's document with its summary; stderr stays quiet off a terminal", async () => {
    const r = await xsm("simulate", example("alejandro-authority"), "--compare", "--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout);
    expect(doc.strategies.map((s: { strategy: string }) => s.strategy)).toEqual(["upstream", "unlink-broken", "cascade", "refuse", "reassociate", "refcount", "authority"]);
    expect(doc.strategies[6].summary).toMatchObject({ errors: 1, expectFailures: 0 });
    expect(doc.strategies[0].steps[5].rc).toBe("-EBUSY");
  });

  it("--until stops mid-scenario: Stewart's stale, broken records after the reported removal", async () => {
    const r = await xsm("simulate", example("stewart-hot-unplug"), "--until", "7", "--dot");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('label="stewart-hot-unplug: after step 7 of 11 (upstream)";');
    expect(r.stdout).toContain('"0000:03:00.0" [shape=ellipse, label="0000:03:00.0\\npf BROKEN STALE (gone)\\nsvp_pci_t", color=red, fontcolor=red, style=dashed];');
    const t = await xsm("simulate", example("stewart-hot-unplug"), "--until", "7");
    expect(t.stdout).toMatch(/state after step 7 of 11:\n {2}0000:03:00.0 {2}pf {6}owner svp-hwdom {2}BROKEN {2}\(hardware gone\)/);
    const bad = await xsm("simulate", example("stewart-hot-unplug"), "--until", "99");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--until takes a step number from 1 to 11/);
  });

  it("refuses --dot to stdout next to --json or --compare", async () => {
    const r = await xsm("simulate", example("nested-trust"), "--json", "--dot");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give --dot FILE/);
  });

  it("refuses an unknown --strategy as a usage error", async () => {
    const r = await xsm("simulate", example("nested-trust"), "--strategy", "yolo");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^xsm: error: --strategy: unknown strategy 'yolo'; expected one of upstream, unlink-broken/);
  });
});
