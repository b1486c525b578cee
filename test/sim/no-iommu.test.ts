// examples/xen-flask/no-iommu.json: a host without an IOMMU. iommu_do_domctl refuses
// XEN_DOMCTL_{,test_,de}assign_device and get_device_group -EOPNOTSUPP in every release
// (RELEASE-4.19.0 .. RELEASE-4.22.0 drivers/passthrough/iommu.c); where XSM is asked relative to it
// is XSA-492's (common/domctl.c). Its AVC questions are decided as oracle-decide decided them
// (test/fixtures/xen-flask/no-iommu.oracle.json, from scripts/gen-scenario-oracle.ts).
// UPDATE_GOLDEN=1 rewrites the trace.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { XEN_RELEASES, xenBehaviour } from "../../src/sim/xen-release.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const file = join(root, "examples/xen-flask/no-iommu.json");
const example = relative(process.cwd(), file);
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));

describe("examples/xen-flask/no-iommu.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/no-iommu.oracle.json"), 10);

  it("4.22.0: flask's assignment checks, then -EOPNOTSUPP; a denial wins; get_device_group asks nothing", () => {
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0, "-EOPNOTSUPP", "-EOPNOTSUPP", "-EACCES", "-EOPNOTSUPP", "-EOPNOTSUPP", 0, 0, "-ESRCH"]);
    expect(r.steps[2]!.decisions.map((d) => d.perm)).toEqual(["stat_device"]);
    expect(r.steps[3]!.decisions.map((d) => d.perm)).toEqual(["add", "add_device", "use_noiommu"]);
    expect(r.steps[4]!.decisions.at(-1)).toMatchObject({ perm: "use_noiommu", allowed: false });
    expect(r.steps[5]!.decisions).toEqual([]);
    expect(r.steps[6]!.decisions.map((d) => d.perm)).toEqual(["remove", "remove_device"]);
    // nothing moved
    expect(r.state.devices.map((d) => d.owner)).toEqual(["dom0", "dom0"]);
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example);
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("no-iommu.trace.txt", out.stdout);
  });

  it("every release refuses the four -EOPNOTSUPP; before XSA-492 flask is asked nothing about them, so the HBA too is -EOPNOTSUPP", () => {
    for (const release of XEN_RELEASES) {
      const run = runAs({ ...read(), xen: release });
      const xsa492 = xenBehaviour(release).assignCheck === "xsm_domctl";
      expect(run.steps.map((s) => s.rc), release).toEqual([0, 0, "-EOPNOTSUPP", "-EOPNOTSUPP", xsa492 ? "-EACCES" : "-EOPNOTSUPP", "-EOPNOTSUPP", "-EOPNOTSUPP", 0, 0, "-ESRCH"]);
      if (!xsa492) for (const n of [2, 3, 4, 5, 6]) expect(run.steps[n]!.decisions, `${release} step ${n + 1}`).toEqual([]);
    }
  });

  it("--compare-xen keeps a column per behaviour and names those this scenario runs alike; --json's alike", async () => {
    const text = await xsm("simulate", example, "--compare-xen");
    expect(text.code).toBe(0);
    expect(text.stdout.replace(/\n\s*/g, " ")).toContain("(run alike here, the same rc, XSM checks, log and audit at every step and the same final state: 4.19.0 = 4.19.5 = 4.21.1; 4.19.6 = 4.21.2 = 4.22.0 = master;");
    const json = await xsm("simulate", example, "--compare-xen", "--json");
    const doc = JSON.parse(json.stdout) as { releases: unknown[]; alike: string[][] };
    expect([doc.releases.length, doc.alike]).toEqual([7, [["4.19.0", "4.19.5", "4.21.1"], ["4.19.6", "4.21.2", "4.22.0", "master"]]]);
    // releases named that run alike too; none when every column differs
    const two = JSON.parse((await xsm("simulate", example, "--compare-xen", "4.19.0,4.22.0", "--json")).stdout) as { alike?: unknown };
    expect(two.alike).toBeUndefined();
  });

  it("the dummy module: do_domctl's xsm_domctl (XSM_PRIV) comes first in every release; before XSA-492 get_device_group's too", () => {
    const s = { ...read(), xsm: "dummy" as const, policy: undefined };
    const steps = [{ as: "hvm-guest", op: "assign_device", sbdf: "0000:c8:00.0", domain: "vault" }, { as: "dom0", op: "get_device_group", domain: "dom0", sbdf: "0000:c8:00.0" }, { as: "dom0", op: "test_assign_device", sbdf: "0000:c8:00.0" }];
    const at = (xen: "4.20.3" | "4.22.0") => runAs({ ...s, xen, steps: [read().steps[0]!, ...steps] as Scenario["steps"] }).steps.slice(1).map((x) => [x.rc, x.decisions.map((d) => `${d.xen} ${d.action}`)]);
    expect(at("4.20.3")).toEqual([
      ["-EPERM", ["xsm_domctl XSM_PRIV"]],
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
    ]);
    expect(at("4.22.0")).toEqual([
      ["-EPERM", ["xsm_domctl XSM_PRIV"]],
      ["-EOPNOTSUPP", []],
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
    ]);
  });
});
