// A generated scenario with 8 guest platforms, 64 PFs x 64 VFs and 10k steps
// simulates (how fast is `npm run bench`'s job: its sim section times this same scenario).
import { describe, expect, it } from "vitest";
import { generateScenario, prepareGenerated } from "../../src/sim/generate.js";
import { runPrepared } from "../../src/sim/run.js";

describe("scale", () => {
  const gen = generateScenario();
  const prepared = prepareGenerated(gen);

  it("generates 8 guest platforms, 64 PFs x 64 VFs and 10k steps", () => {
    expect(gen.scenario.steps.length).toBe(10_000);
    expect(gen.scenario.domains.length).toBe(1 + 2 * 8);
    expect(prepared.policy!.pcideviceContext(0x4000)).toBe("system_u:object_r:gvp1_pci_t"); // 0000:40:00.0, PF 0's first VF
  });

  it("simulates with the outcomes the strategies predict", () => {
    const r = runPrepared(prepared, { strategy: "authority" });
    expect(r.summary).toMatchObject({ errors: 100, expectFailures: 0, stalePfs: 0, staleVfs: 0, broken: 0, removed: 64 * 65 });
    expect(r.state.devices).toEqual([]);
  });

  it("keeps the 16 PFs removed with VFs present (and their VFs) broken under upstream", () => {
    const r = runPrepared(prepared, { strategy: "upstream" });
    expect(r.summary).toMatchObject({ stalePfs: 16, broken: 16 * 65, partial: 16, expectFailures: 0 });
  });
});
