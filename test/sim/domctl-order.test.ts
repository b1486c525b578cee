// XEN_DOMCTL_{assign,deassign,test_assign}_device as Xen 4.19/4.20 order them: do_domctl's
// xsm_domctl first, then iommu_do_pci_domctl's own refusals (self-assignment, a dying domain),
// then the hook (xsm_assign_device ...), then device_assigned(), whose failure test_assign_device
// logs and turns into -EINVAL.
import { join } from "node:path";
import { expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared, type StepResult } from "../../src/sim/run.js";
import { prepared } from "./support.js";

const run = (steps: object[]): StepResult[] =>
  runPrepared(
    prepared(
      parseScenario(
        {
          name: "domctl-order",
          xsm: "dummy",
          domains: [
            { name: "dom0", domid: 0, control: true, hardware: true },
            { name: "hw2", domid: 1, hardware: true },
            { name: "guest", domid: 2 },
          ],
          steps: [{ as: "dom0", op: "pci_add_device", sbdf: "0000:03:00.0" }, ...steps],
        },
        join(import.meta.dirname, "domctl-order.json"),
      ),
    ),
  ).steps.slice(1);
const hooks = (s: StepResult) => s.decisions.map((d) => d.xen);

it("self-assignment: xsm_domctl answers first (an unprivileged caller gets -EPERM), then -EINVAL before xsm_assign_device", () => {
  const [byHw2, byDom0, deassign] = run([
    { as: "hw2", op: "assign_device", domain: "hw2", sbdf: "0000:03:00.0" },
    { as: "dom0", op: "assign_device", domain: "dom0", sbdf: "0000:03:00.0" },
    { as: "dom0", op: "deassign_device", domain: "dom0", sbdf: "0000:03:00.0" },
  ]);
  expect([byHw2!.rc, hooks(byHw2!)]).toEqual(["-EPERM", ["xsm_domctl"]]);
  expect([byDom0!.rc, hooks(byDom0!)]).toEqual(["-EINVAL", ["xsm_domctl"]]);
  expect([deassign!.rc, hooks(deassign!)]).toEqual(["-EINVAL", ["xsm_domctl"]]);
});

it("test_assign_device: a device missing or assigned elsewhere is -EINVAL, logged as Xen logs it", () => {
  const [missing, assigned, assignedAgain, free] = run([
    { as: "dom0", op: "test_assign_device", sbdf: "0000:05:00.0" },
    { as: "dom0", op: "assign_device", domain: "guest", sbdf: "0000:03:00.0" },
    { as: "dom0", op: "test_assign_device", sbdf: "0000:03:00.0" },
    { as: "dom0", op: "test_assign_device", sbdf: "0000:03:00.0", note: "unchanged" },
  ]);
  expect(missing!.rc).toBe("-EINVAL");
  expect(missing!.log).toEqual(["0000:05:00.0 already assigned, or non-existent"]);
  expect(assigned!.rc).toBe(0);
  expect([assignedAgain!.rc, assignedAgain!.log]).toEqual(["-EINVAL", ["0000:03:00.0 already assigned, or non-existent"]]);
  expect(free!.rc).toBe("-EINVAL");
});
