// A scenario's "xen": what each release of xen.git does where the model offers a choice (a VF
// reported before its PF; where the assignment domctls ask XSM, before and after XSA-492; a PF
// removed with its VFs, 4.19.0's pre-links; a VF's MSI-X table with no PF), its three
// examples under examples/svp with their traces (UPDATE_GOLDEN=1 rewrites them), the notes and whys
// that say which Xen's behaviour applied, and a bad value's error at its JSON path.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared, type RunOptions, type RunResult } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { XEN_RELEASES, columnLabel, parseXenList, releaseRanges, xenBehaviour, xenColumns } from "../../src/sim/xen-release.js";
import { xsm } from "../cli/run.js";
import { failures, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const examples = join(root, "examples/svp");
const example = (name: string) => relative(process.cwd(), join(examples, `${name}.json`));
const read = (name: string): Scenario => JSON.parse(readFileSync(join(examples, `${name}.json`), "utf8")) as Scenario;

/** The example run as written, or with its "xen" (and anything else) replaced; `opts` as runPrepared's. */
function run(name: string, patch: Partial<Scenario> = {}, drop: (keyof Scenario)[] = [], opts: RunOptions = {}): RunResult {
  const doc: Record<string, unknown> = { ...read(name), ...patch };
  for (const k of drop) delete doc[k];
  return runPrepared(prepared(parseScenario(doc, join(examples, `${name}.json`))), opts);
}
const rcs = (r: RunResult) => r.steps.map((s) => s.rc);

describe("xenBehaviour: the releases as xen.git's tags have them", () => {
  it("a VF before its PF: 4.19.0 add-pf-first, 4.19.1-4.19.6 add-pf (f67d770d86), 4.20.0 on reject (8fe330a4da)", () => {
    const by = Object.fromEntries(XEN_RELEASES.map((r) => [r, xenBehaviour(r).vfWithoutPf]));
    expect(by["4.19.0"]).toBe("add-pf-first");
    for (const r of ["4.19.1", "4.19.5", "4.19.6"] as const) expect(by[r]).toBe("add-pf");
    for (const r of XEN_RELEASES.filter((x) => !x.startsWith("4.19"))) expect(by[r]).toBe("reject");
  });

  it("XSA-492's order from 4.19.6, 4.20.4, 4.21.2 (the backports), 4.22.0 and master", () => {
    const after = XEN_RELEASES.filter((r) => xenBehaviour(r).assignCheck === "xsm_domctl");
    expect(after).toEqual(["4.19.6", "4.20.4", "4.21.2", "4.22.0", "master"]);
  });

  it("memory_mapping's removal asks the caller's hold alone from 4.22.0 (6df6f24251, not backported); the guest's grant too before", () => {
    expect(XEN_RELEASES.filter((r) => xenBehaviour(r).mmioRemoval === "caller-held")).toEqual(["4.22.0", "master"]);
  });

  it("XEN_DOMCTL_gsi_permission and a PVH dom0's map_pirq from 4.20.0 (d6e9a2aab3, 035baa203b, not backported): none on 4.19", () => {
    expect(XEN_RELEASES.filter((r) => xenBehaviour(r).pvhIrqs === "none")).toEqual(["4.19.0", "4.19.1", "4.19.2", "4.19.3", "4.19.4", "4.19.5", "4.19.6"]);
  });
});

describe("examples/svp/xen-4.19.0-vf-before-pf.json", () => {
  it("meets every expectation", () => {
    const r = run("xen-4.19.0-vf-before-pf");
    expect(failures(r)).toEqual([]);
    // the PF reported at last is the VF's (4.19.0 finds it by SBDF): nothing stale is left
    expect(r.summary).toMatchObject({ staleVfs: 0, broken: 0, partial: 1 });
  });

  it("asks the PF's plug check before the VF's, and says which Xen did", () => {
    const first = run("xen-4.19.0-vf-before-pf").steps[0]!;
    expect(first.decisions.map((d) => [d.tcontext?.split(":")[2], d.allowed])).toEqual([
      ["svp_pci_t", false],
      ["gvp1_pci_t", true],
    ]);
    expect(first.why).toContain("Xen 4.19.0: pci_add_device tried to add the PF 0000:03:00.0 first and ignored its failure; the VF is added all the same, with no PF");
  });

  it("4.19.1 (add-pf) fails the VF with the PF's error; 4.20.0 (reject) refuses it; the scenario's vfWithoutPf overrides the release's", () => {
    expect(rcs(run("xen-4.19.0-vf-before-pf", { xen: "4.19.1" })).slice(0, 2)).toEqual(["-EACCES", "-EACCES"]);
    expect(rcs(run("xen-4.19.0-vf-before-pf", { xen: "4.20.0" })).slice(0, 2)).toEqual(["-ENODEV", "-EACCES"]);
    const own = run("xen-4.19.0-vf-before-pf", { vfWithoutPf: "reject" });
    expect(own.steps[0]!.rc).toBe("-ENODEV");
    expect(own.notes[0]).toContain("(the scenario's vfWithoutPf reject; Xen 4.19.0 does add-pf-first)");
  });

  it("vfWithoutPf add-pf-first without a release says so by the option's name", () => {
    const r = run("xen-4.19.0-vf-before-pf", { vfWithoutPf: "add-pf-first" }, ["xen"]);
    expect(r.steps[0]!.why?.[0]).toMatch(/^vfWithoutPf add-pf-first: pci_add_device tried/);
    expect(r.xen).toBeUndefined();
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example("xen-4.19.0-vf-before-pf"));
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("xen-4.19.0-vf-before-pf.trace.txt", out.stdout);
  });
});

describe("examples/svp/xen-4.19.0-pf-removal.json: Xen 4.19.0's PF removal (pre-links)", () => {
  it("meets every expectation as 4.19.0, whose own PF removal it runs without a strategy of its own", () => {
    const r = run("xen-4.19.0-pf-removal");
    expect(failures(r)).toEqual([]);
    expect(r.strategy).toBe("pre-links");
    expect(rcs(r)).toEqual([0, 0, 0, 0, 0, "-ENXIO", 0, 0, "-ENXIO", 0, 0, 0]);
  });

  it("4.19.1 on refuse the removal and mark PF and VFs broken (upstream); the file's strategy wins over the release's, and the notes say so", () => {
    for (const xen of ["4.19.1", "4.22.0", "master"] as const) {
      const r = run("xen-4.19.0-pf-removal", { xen });
      expect(r.strategy).toBe("upstream");
      expect(rcs(r).slice(4, 9)).toEqual(["-EBUSY", 0, "-EBADF", 0, 0]);
    }
    const own = run("xen-4.19.0-pf-removal", { strategy: "refuse" });
    expect(own.strategy).toBe("refuse");
    expect(own.notes[0]).toContain("a PF's removal is strategy refuse's, where Xen 4.19.0's is pre-links: a PF is removed as any device");
    // --strategy (RunOptions.strategy) over the file's too
    expect(run("xen-4.19.0-pf-removal", { strategy: "refuse" }, [], { strategy: "cascade" }).strategy).toBe("cascade");
  });

  it("runs as another release without rewriting the scenario: the prepared scenario keeps its xen", () => {
    const p = prepared(parseScenario(read("xen-4.19.0-pf-removal"), join(examples, "xen-4.19.0-pf-removal.json")));
    const r = runPrepared(p, { xen: "4.22.0" });
    expect([r.xen?.release, r.strategy, p.scenario.xen]).toEqual(["4.22.0", "upstream", "4.19.0"]);
    expect(r.notes[0]).toMatch(/^Xen 4\.22\.0, in place of the file's 4\.19\.0: /);
  });

  it("--compare-xen makes 4.19.0 a column of its own, and --compare adds pre-links to the seven", async () => {
    const table = await xsm("simulate", example("xen-4.19.0-pf-removal"), "--compare-xen");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^4\.19\.0 +add-pf-first +xsm_assign_device +esrch +none +guest-granted +grants +pre-links +4\.19\.0$/m);
    expect(table.stdout).toMatch(/^\* 5 svp-hwdom remove 03:00\.0 +0 +-EBUSY~! +-EBUSY~! +-EBUSY~! +-EBUSY~! +-EBUSY~! +-EBUSY~!$/m);
    const strategies = await xsm("simulate", example("xen-4.19.0-pf-removal"), "--compare");
    expect(strategies.stdout).toMatch(/^step +upstream unlink-broken +cascade +refuse reassociate refcount authority pre-links$/m);
    expect(strategies.stdout).toContain("pre-links is the file's");
    const plain = await xsm("simulate", "examples/svp/nested-trust.json", "--compare");
    expect(plain.stdout).not.toContain("pre-links");
  });

  it("pre-links is no --strategy", async () => {
    const out = await xsm("simulate", example("xen-4.19.0-pf-removal"), "--strategy", "pre-links");
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("xsm: error: --strategy: pre-links is Xen 4.19.0's own PF removal, not a proposal of the thread: run the scenario as that release (--xen 4.19.0)\n");
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example("xen-4.19.0-pf-removal"));
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("xen-4.19.0-pf-removal.trace.txt", out.stdout);
  });
});

describe("examples/svp/xsa-492-assign-order.json", () => {
  it("meets every expectation: flask answers before the self-assignment refusal", () => {
    const r = run("xsa-492-assign-order");
    expect(failures(r)).toEqual([]);
    expect(r.steps[3]!.decisions.map((d) => d.perm)).toEqual(["add", "add_device", "use_iommu"]);
    expect(r.steps[3]!.why?.[0]).toMatch(/^Xen 4\.22\.0 asks XSM from xsm_domctl \(XSA-492, eab54f074f\)/);
  });

  it("before XSA-492 (4.20.3, and no xen at all) the refusal comes first and flask asks nothing", () => {
    for (const r of [run("xsa-492-assign-order", { xen: "4.20.3" }), run("xsa-492-assign-order", {}, ["xen"])]) {
      expect(rcs(r)).toEqual([0, 0, "-EINVAL", "-EINVAL", 0, "-EINVAL", 0]);
      for (const n of [2, 3, 5]) expect(r.steps[n]!.decisions).toEqual([]);
    }
    expect(run("xsa-492-assign-order", { xen: "4.20.3" }).steps[2]!.why?.[0]).toMatch(/^Xen 4\.20\.3: iommu_do_pci_domctl refuses self-assignment before xsm_assign_device/);
    expect(run("xsa-492-assign-order", {}, ["xen"]).steps[2]!.why).toBeUndefined();
  });

  it("the dummy module: since XSA-492 xsm_domctl's XSM_PRIV is the only check, xsm_assign_device's XSM_HOOK is gone", () => {
    const steps: Scenario["steps"] = [
      { as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" },
      { as: "svp-hwdom", op: "assign_device", domain: "gvp1-guest", sbdf: "0000:03:00.0" },
      { as: "svp-hwdom", op: "assign_device", domain: "svp-hwdom", sbdf: "0000:03:00.0" },
      { as: "gvp1-hwdom", op: "assign_device", domain: "gvp1-hwdom", sbdf: "0000:03:00.0" },
    ];
    const hooks = (r: RunResult, n: number) => r.steps[n]!.decisions.map((d) => `${d.xen} ${d.action}`);
    const after = run("xsa-492-assign-order", { xsm: "dummy", steps });
    const before = run("xsa-492-assign-order", { xsm: "dummy", xen: "4.20.3", steps });
    expect(hooks(after, 1)).toEqual(["xsm_domctl XSM_PRIV"]);
    expect(hooks(before, 1)).toEqual(["xsm_domctl XSM_PRIV", "xsm_assign_device XSM_HOOK"]);
    // the gate comes before the refusal in both: the answers do not change
    expect(rcs(after)).toEqual([0, 0, "-EINVAL", "-EPERM"]);
    expect(rcs(before)).toEqual(rcs(after));
    expect(after.steps[2]!.why?.[0]).toContain("dummy.h's xsm_domctl (XSM_PRIV, no xsm_assign_device any more)");
  });

  it("a dying domain too: on 4.22.0 flask is asked before iommu_do_pci_domctl's d->is_dying refusal", () => {
    const file = join(root, "examples/xen-flask/dying.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as Scenario;
    const step6 = (xen?: Scenario["xen"]) => runPrepared(prepared(parseScenario({ ...doc, ...(xen ? { xen } : {}) }, file))).steps[5]!;
    expect([step6().rc, step6().decisions]).toEqual(["-EINVAL", []]);
    const after = step6("4.22.0");
    expect([after.rc, after.decisions.map((d) => d.perm)]).toEqual(["-EINVAL", ["add", "add_device", "use_iommu"]]);
    expect(after.why?.[0]).toContain("come before iommu_do_pci_domctl refuses a dying domain (d->is_dying)");
  });

  it("--json carries the release and what it does", async () => {
    const out = await xsm("simulate", example("xsa-492-assign-order"), "--json");
    const doc = JSON.parse(out.stdout);
    expect(doc.xen).toEqual({ release: "4.22.0", vfWithoutPf: "reject", assignCheck: "xsm_domctl", domctlNoDomain: "eperm-unprivileged", pvhIrqs: "gsi", mmioRemoval: "caller-held", ioportMapping: "grants" });
    expect(Object.keys(doc).slice(0, 4)).toEqual(["scenario", "strategy", "xen", "notes"]);
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example("xsa-492-assign-order"));
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("xsa-492-assign-order.trace.txt", out.stdout);
  });
});

describe("a bad xen", () => {
  const errors = (xen: unknown) => {
    const r = loadScenario(join(examples, "xsa-492-assign-order.json"));
    if (!r.ok) throw new Error("the example loads");
    const parsed = parseScenario({ ...r.value.scenario, xen }, join(examples, "t.json"));
    return parsed.ok ? [] : parsed.error.map((e) => `${e.path}: ${e.message}`);
  };

  it("is reported at /xen with the releases the model knows", () => {
    expect(errors("4.18.0")).toEqual([expect.stringMatching(/^\/xen: expected one of "4\.19\.0", .*"4\.22\.0", "master"; got "4\.18\.0"$/)]);
    expect(errors(4.19)).toEqual([expect.stringMatching(/^\/xen: expected one of .*; got 4\.19$/)]);
  });

  it("a stable line without its point release, or a tag's name, says what to write", () => {
    expect(errors("4.19")[0]).toMatch(/; got "4\.19" \(Xen 4\.19's stable releases differ here: name one, 4\.19\.0 to 4\.19\.6\)$/);
    expect(errors("RELEASE-4.20.4")[0]).toMatch(/\(the release, without RELEASE-: "4\.20\.4"\)$/);
  });
});

describe("running a scenario as another release (xsm simulate --xen, RunOptions.xen)", () => {
  it("is the same run as the file naming that release, with a note saying the file named another", () => {
    const asked = run("xsa-492-assign-order", {}, [], { xen: "4.20.3" });
    const written = run("xsa-492-assign-order", { xen: "4.20.3" });
    expect(rcs(asked)).toEqual(rcs(written));
    expect(asked.steps.map((s) => s.why)).toEqual(written.steps.map((s) => s.why));
    expect(asked.xen).toEqual({ release: "4.20.3", vfWithoutPf: "reject", assignCheck: "xsm_assign_device", domctlNoDomain: "esrch", pvhIrqs: "gsi", mmioRemoval: "guest-granted", ioportMapping: "grants" });
    expect(asked.notes[0]).toMatch(/^Xen 4\.20\.3, in place of the file's 4\.22\.0: a VF reported before its PF is -ENODEV/);
    expect(written.notes[0]).toMatch(/^Xen 4\.20\.3: /);
  });

  it("a file naming no release says so; its own vfWithoutPf still wins over the release's", () => {
    const r = run("xen-4.19.0-vf-before-pf", { vfWithoutPf: "reject" }, ["xen"], { xen: "4.19.0" });
    expect(r.steps[0]!.rc).toBe("-ENODEV");
    expect(r.xen).toEqual({ release: "4.19.0", vfWithoutPf: "reject", assignCheck: "xsm_assign_device", domctlNoDomain: "esrch", pvhIrqs: "none", mmioRemoval: "guest-granted", ioportMapping: "grants" });
    expect(r.notes[0]).toContain("Xen 4.19.0, where the file names no release: ");
    expect(r.notes[0]).toContain("(the scenario's vfWithoutPf reject; Xen 4.19.0 does add-pf-first)");
  });

  it("the file's own release changes nothing and says nothing more", () => {
    const r = run("xsa-492-assign-order", {}, [], { xen: "4.22.0" });
    expect(r.notes).toEqual(run("xsa-492-assign-order").notes);
  });
});

describe("the releases --compare-xen runs", () => {
  const file = (patch: Partial<Scenario> = {}) => ({ xen: undefined, vfWithoutPf: undefined, ...patch });

  it("one per distinct behaviour, the newest tag of each, saying which releases it stands for", () => {
    const cols = xenColumns(file(), undefined);
    expect(cols.map((c) => [c.release, c.behaviour.vfWithoutPf, c.behaviour.assignCheck, c.behaviour.domctlNoDomain, c.behaviour.pvhIrqs, c.behaviour.pfRemoval, releaseRanges(c.standsFor)])).toEqual([
      ["4.19.0", "add-pf-first", "xsm_assign_device", "esrch", "none", "pre-links", "4.19.0"],
      ["4.19.5", "add-pf", "xsm_assign_device", "esrch", "none", "upstream", "4.19.1-4.19.5"],
      ["4.19.6", "add-pf", "xsm_domctl", "esrch", "none", "upstream", "4.19.6"],
      ["4.21.1", "reject", "xsm_assign_device", "esrch", "gsi", "upstream", "4.20.0-4.20.3, 4.21.0-4.21.1"],
      ["4.21.2", "reject", "xsm_domctl", "esrch", "gsi", "upstream", "4.20.4, 4.21.2"],
      ["4.22.0", "reject", "xsm_domctl", "eperm-unprivileged", "gsi", "upstream", "4.22.0"],
      // master after 4.22.0: ioport_mapping no longer grants the guest the ports (3845d3854d)
      ["master", "reject", "xsm_domctl", "eperm-unprivileged", "gsi", "upstream", "master"],
    ]);
    expect(cols.flatMap((c) => c.standsFor).sort()).toEqual([...XEN_RELEASES].sort());
  });

  it("the file's own vfWithoutPf leaves the assignment order, PVH dom0 IRQs and 4.19.0's PF removal to differ; a preferred release stands for its group", () => {
    const cols = xenColumns(file({ vfWithoutPf: "add-pf" }), undefined, ["4.20.1"]);
    expect(cols.map((c) => [c.release, c.behaviour.vfWithoutPf, c.behaviour.pvhIrqs, c.behaviour.pfRemoval, c.standsFor.length])).toEqual([
      ["4.19.0", "add-pf", "none", "pre-links", 1],
      ["4.19.5", "add-pf", "none", "upstream", 5],
      ["4.19.6", "add-pf", "none", "upstream", 1],
      ["4.20.1", "add-pf", "gsi", "upstream", 6],
      ["4.21.2", "add-pf", "gsi", "upstream", 2],
      ["4.22.0", "add-pf", "gsi", "upstream", 1],
      ["master", "add-pf", "gsi", "upstream", 1],
    ]);
    // its own strategy too: only the assignment order, the domctl lookup and PVH dom0 IRQs are left
    const both = xenColumns(file({ vfWithoutPf: "add-pf", strategy: "refcount" }), undefined, ["4.20.1"]);
    // and 4.19.0, whose pre-links no strategy names, as itself beside them
    expect(both.map((c) => [c.release, c.behaviour.pfRemoval, c.standsFor.length, c.asItself ?? false])).toEqual([
      ["4.19.0", "pre-links", 1, true],
      ["4.19.5", "refcount", 6, false],
      ["4.19.6", "refcount", 1, false],
      ["4.20.1", "refcount", 6, false],
      ["4.21.2", "refcount", 2, false],
      ["4.22.0", "refcount", 1, false],
      ["master", "refcount", 1, false],
    ]);
  });

  it("under a strategy (--strategy, the file's) 4.19.0 is a column as itself too: no strategy names its pre-links, so it would be hidden", async () => {
    expect(xenColumns(file({ strategy: "cascade" }), ["4.19.0", "4.20.0"]).map((c) => [columnLabel(c), c.behaviour.pfRemoval])).toEqual([
      ["4.19.0 pre-links", "pre-links"],
      ["4.19.0", "cascade"],
      ["4.20.0", "cascade"],
    ]);
    // upstream is a strategy: a release removing PFs so shows it under --strategy upstream, or with none
    expect(xenColumns(file(), ["4.19.0"]).map(columnLabel)).toEqual(["4.19.0"]);
    const out = await xsm("simulate", example("xen-4.19.0-pf-removal"), "--compare-xen", "4.19.0,4.20.0", "--strategy", "cascade", "--json");
    const doc = JSON.parse(out.stdout);
    expect(doc.releases.map((r: { strategy: string; xen: { release: string } }) => `${r.xen.release} ${r.strategy}`)).toEqual(["4.19.0 pre-links", "4.19.0 cascade", "4.20.0 cascade"]);
    expect(Object.keys(doc.standsFor)).toEqual(["4.19.0", "4.20.0"]);
    // the exit status is still the file's release under the strategy asked for
    expect(out.code).toBe(1);
  });

  it("named releases run each, in release order; stable lines and all expand", () => {
    expect(xenColumns(file(), ["master", "4.19.0"]).map((c) => [c.release, c.standsFor])).toEqual([
      ["4.19.0", ["4.19.0"]],
      ["master", ["master"]],
    ]);
    expect(parseXenList("4.22.0, 4.20")).toEqual({ releases: ["4.20.0", "4.20.1", "4.20.2", "4.20.3", "4.20.4", "4.22.0"] });
    expect(parseXenList("all")).toEqual({ releases: [...XEN_RELEASES] });
    expect(parseXenList("4.19.0,4.18")).toEqual({ bad: "4.18" });
  });

  it("--compare-xen --json: one run per release, and what each stands for", async () => {
    const out = await xsm("simulate", example("xen-4.19.0-vf-before-pf"), "--compare-xen", "--json");
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(Object.keys(doc)).toEqual(["scenario", "releases", "standsFor", "alike"]);
    // the VF before its PF is all this scenario asks: where the releases' order of XSM checks differs it does not go
    expect(doc.alike).toEqual([["4.19.5", "4.19.6"], ["4.21.1", "4.21.2", "4.22.0", "master"]]);
    expect(doc.releases.map((r: { xen: { release: string } }) => r.xen.release)).toEqual(["4.19.0", "4.19.5", "4.19.6", "4.21.1", "4.21.2", "4.22.0", "master"]);
    expect(doc.standsFor["4.19.5"]).toEqual(["4.19.1", "4.19.2", "4.19.3", "4.19.4", "4.19.5"]);
  });

  it("the exit status is the file's release's: another failing its expectations does not fail the command", async () => {
    const table = await xsm("simulate", example("xsa-492-assign-order"), "--compare-xen", "4.20.3");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^step +4\.20\.3 +4\.22\.0$/m);
    const asked = await xsm("simulate", example("xsa-492-assign-order"), "--compare-xen", "4.22.0", "--xen", "4.20.3");
    expect([asked.code, asked.stderr]).toEqual([1, "xsm: 3 expectation(s) failed under strategy upstream as Xen 4.20.3\n"]);
  });

  it("a file naming no release, and no column behaving as its run: that run, not shown, sets the exit status", async () => {
    const out = await xsm("simulate", "examples/svp/nested-trust.json", "--compare-xen", "4.22.0");
    expect(out.code).toBe(0);
    expect(out.stdout.split("\n")[0]).toMatch(/; the file names no release, its own run, not shown, sets the exit status\)$/);
    expect(out.stdout).toContain("the full trace (decisions, Xen log, audit, why each denial): npx xsm simulate examples/svp/nested-trust.json\n");
  });
});

describe("MSI-X on a VF added without its PF (add-pf-first)", () => {
  const msixRun = (patch: Partial<Scenario>) =>
    run(
      "xen-4.19.0-vf-before-pf",
      {
        devices: [{ sbdf: "0000:03:10.0", msix: { entries: 4, table: "0xf8100000", pba: "0xf8101000" } }],
        steps: [read("xen-4.19.0-vf-before-pf").steps[0]!, { as: "svp-hwdom", op: "prepare_msix", sbdf: "0000:03:10.0" }],
        ...patch,
      },
      "xen" in patch && patch.xen === undefined ? ["xen"] : [],
    );

  it("Xen 4.19.0 looks the PF up at the VF's physfn SBDF, finds none, and reads no table address: -ENXIO (RELEASE-4.19.0 msi.c)", () => {
    const r = msixRun({});
    expect(r.steps[1]!.rc).toBe("-ENXIO");
    expect(r.steps[1]!.why).toEqual([expect.stringMatching(/^Xen 4\.19\.0 reads a VF's MSI-X BAR through its PF, looked up by SBDF \(read_pci_mem_bar: pci_get_pdev\), and there is no device at 0000:03:10\.0's PF 0000:03:00\.0/)]);
  });

  it("a release with PF<->VF links (add-pf-first as the file's own) follows pf_pdev: it never had a PF, not that its PF is gone; the model refuses (-ENODEV)", () => {
    for (const xen of ["4.19.1", "4.22.0", undefined] as const) {
      const r = msixRun({ xen, vfWithoutPf: "add-pf-first" });
      expect(r.steps[1]!.rc).toBe("-ENODEV");
      expect(r.steps[1]!.why).toEqual([expect.stringMatching(/^0000:03:10\.0 is a VF added without its PF \(the PF's add failed, so it was never linked: pf_pdev is NULL\): Xen \(4\.19\.1 on, PF<->VF links\)/)]);
    }
  });
});
