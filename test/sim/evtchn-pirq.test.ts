// examples/xen-flask/evtchn-pirq.json: a PVH dom0's own GSI (vioapic_hwdom_map_gsi) and a PV guest's
// event channel on a passed-through MSI pirq (EVTCHNOP_bind_pirq, evtchn_close), unmapped and
// removed under the binding, on Xen's policy. Every AVC question it asks is decided as
// oracle-decide decided it (test/fixtures/xen-flask/evtchn-pirq.oracle.json, from
// scripts/gen-scenario-oracle.ts). UPDATE_GOLDEN=1 rewrites the trace.
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/evtchn-pirq.json"));

describe("examples/xen-flask/evtchn-pirq.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/evtchn-pirq.oracle.json"), 10);

  it("bind_pirq and evtchn_close ask XSM nothing; unmask_gsi asks only map_domain_irq", () => {
    for (const s of r.steps.filter((x) => x.op === "bind_pirq" || x.op === "evtchn_close")) expect(s.decisions, `step ${s.step}`).toEqual([]);
    expect(r.steps[1]!.decisions.map((d) => d.hook)).toEqual(["map_domain_irq", "map_domain_irq"]);
  });

  it("prints the trace, the port; --json has it and the domain's evtchns", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("pv-guest bind_pirq pirq 79  => rc 0, port 1");
    golden("evtchn-pirq.trace.txt", out.stdout);
    const doc = JSON.parse((await xsm("simulate", example, "--json", "--until", "6")).stdout);
    expect(doc.steps.at(-1)).toMatchObject({ op: "bind_pirq", pirq: 79, rc: 0, port: 1 });
    expect(doc.state.domains.find((d: { name: string }) => d.name === "pv-guest").io.evtchns).toEqual([{ pirq: 79, port: 1 }]);
  });
});

describe("the new ops' errors name their JSON path", () => {
  it("unmask_gsi is a PVH hardware domain's; bind_pirq and evtchn_close take their fields", () => {
    const loaded = parseScenario(
      {
        name: "bad",
        xsm: "dummy",
        domains: [
          { name: "dom0", domid: 0, control: true, hardware: true },
          { name: "g", domid: 1, hvm: true },
        ],
        steps: [
          { as: "dom0", op: "unmask_gsi", gsi: 33 },
          { as: "g", op: "unmask_gsi", gsi: 33 },
          { as: "g", op: "bind_pirq" },
          { as: "g", op: "evtchn_close", port: -1 },
        ],
      },
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      '/steps/0/as: "dom0" is not a PVH hardware domain ("hardware": true, "hvm": true): only its vIO-APIC maps host GSIs (vioapic_hwdom_map_gsi); a guest\'s pins are emulated',
      '/steps/1/as: "g" is not a PVH hardware domain ("hardware": true, "hvm": true): only its vIO-APIC maps host GSIs (vioapic_hwdom_map_gsi); a guest\'s pins are emulated',
      "/steps/2/pirq: missing; it is required here",
      "/steps/3/port: must be >= 0; got -1",
    ]);
  });
});
