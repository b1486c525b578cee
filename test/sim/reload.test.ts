// A reload's conversion of running SIDs as the simulator shows it (test/fixtures/sim/reload/):
// the load_policy step logs Xen's line for each SID, and later steps ask about what the SID holds.
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { failures, prepared } from "./support.js";

const r = runPrepared(prepared(loadScenario(join(import.meta.dirname, "../fixtures/sim/reload/reload.json"))));

it("meets every expectation of reload.json", () => {
  expect(failures(r)).toEqual([]);
});

it("the load_policy step's trace line: kept while permissive, invalidated when enforcing", () => {
  expect(r.steps[0]!.log).toContain(
    "flask: narrowed.conf: Flask:  context vm_u:vm_r:gvp1_rogue_t is invalid (type gvp1_rogue_t not authorized for role vm_r)",
  );
  expect(r.steps[4]!.log).toContain(
    "flask: narrowed.conf: Flask:  invalidating context vm_u:vm_r:gvp1_rogue_t (type gvp1_rogue_t not authorized for role vm_r)",
  );
});
