// DESIGN/issue #5: a generated scenario with 8 guest platforms, 64 PFs x 64 VFs and 10k steps
// simulates in under a second (best of three runs, so a busy machine does not decide it).
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

  it("simulates in under a second with the outcomes the strategies predict", () => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = runPrepared(prepared, { strategy: "authority" });
      best = Math.min(best, performance.now() - t0);
      expect(r.summary).toMatchObject({ errors: 100, expectFailures: 0, stalePfs: 0, staleVfs: 0, broken: 0, removed: 64 * 65 });
      expect(r.state.devices).toEqual([]);
    }
    expect(best).toBeLessThan(1000);
  });

  it("keeps the 16 PFs removed with VFs present (and their VFs) broken under upstream", () => {
    const r = runPrepared(prepared, { strategy: "upstream" });
    expect(r.summary).toMatchObject({ stalePfs: 16, broken: 16 * 65, partial: 16, expectFailures: 0 });
  });
});
