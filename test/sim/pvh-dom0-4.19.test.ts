// examples/xen-flask/pvh-dom0-4.19.json: a PVH dom0 on Xen 4.19.0, which has no
// XEN_DOMCTL_gsi_permission and refuses a PVH dom0 PHYSDEVOP_map_pirq; libxl 4.19 maps a device's
// IRQ by pirq. Its one AVC question is decided as oracle-decide decided it (test/fixtures/xen-flask/
// pvh-dom0-4.19.oracle.json, from scripts/gen-scenario-oracle.ts); the unknown domctl asks the
// policy nothing. UPDATE_GOLDEN=1 rewrites the trace.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { XEN_RELEASES } from "../../src/sim/xen-release.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const file = join(root, "examples/xen-flask/pvh-dom0-4.19.json");
const example = relative(process.cwd(), file);

describe("examples/xen-flask/pvh-dom0-4.19.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/pvh-dom0-4.19.oracle.json"), 0);

  it("libxl's attach stops at map_pirq; gsi_permission is domctl 88, unknown: denied enforcing, -ENOSYS permissive", () => {
    expect(r.steps.map((s) => s.rc)).toEqual([0, "-ENOSYS", "-ENOSYS", "-EPERM", 0, "-ENOSYS"]);
    expect(r.steps[3]!.decisions.map((d) => [d.xen, d.error])).toEqual([["flask_domctl avc_unknown_permission", "FLASK: Denying unknown domctl: 88."]]);
    expect(r.steps[5]!.decisions.map((d) => [d.rc, d.error])).toEqual([[0, "FLASK: Allowing unknown domctl: 88."]]);
    // hvm_physdev_op refuses before XSM is asked
    expect(r.steps[2]!.decisions).toEqual([]);
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example);
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("pvh-dom0-4.19.trace.txt", out.stdout);
  });

  it("every 4.19 release answers so; 4.20.0 on the attach, map_pirq and gsi_permission succeed", () => {
    for (const release of XEN_RELEASES) {
      const rcs = runPrepared(prepared(parseScenario({ ...read(), xen: release }, file))).steps.map((s) => s.rc);
      expect(rcs, release).toEqual(release.startsWith("4.19") ? [0, "-ENOSYS", "-ENOSYS", "-EPERM", 0, "-ENOSYS"] : [0, 0, 0, 0, 0, 0]);
    }
  });

  it("a map_pirq naming no domain: 4.19's hvm_physdev_op answers before do_physdev_op's lookup", () => {
    const s = read();
    s.domains.push({ name: "gone", domid: 7, context: "system_u:system_r:domU_t" });
    s.steps = [{ as: "dom0", op: "destroy_domain", domain: "gone" }, { as: "dom0", op: "map_pirq", domain: "gone", gsi: 33 }] as Scenario["steps"];
    const run = (xen: "4.19.6" | "4.20.0") => runPrepared(prepared(parseScenario({ ...s, xen }, file))).steps.map((x) => x.rc);
    // gone is destroyed and freed: on 4.20 do_physdev_op's lookup says -ESRCH
    expect([run("4.19.6"), run("4.20.0")]).toEqual([
      [0, "-ENOSYS"],
      [0, "-ESRCH"],
    ]);
  });
});

function read(): Scenario {
  return JSON.parse(readFileSync(file, "utf8")) as Scenario;
}
