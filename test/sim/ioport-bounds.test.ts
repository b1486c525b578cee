// I/O port ranges as Xen takes them: XEN_DOMCTL_ioport_permission and _ioport_mapping carry
// uint32_t fields (public/domctl.h) and arch/x86/domctl.c refuses a range that is empty, wraps or
// passes MAX_IOPORTS (0x10000) with -EINVAL before asking XSM. A value the field cannot hold is a
// scenario error at its JSON path; a value it can hold but Xen refuses is Xen's -EINVAL.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { prepared } from "./support.js";

const IO_DIR = join(import.meta.dirname, "../fixtures/xsm");
const DOMAINS = [
  { name: "dom0", domid: 0, context: "system_u:system_r:dom0_t", control: true, hardware: true },
  { name: "guest", domid: 1, context: "system_u:system_r:domU_t", hvm: true },
];
const scenario = (steps: unknown[]) => ({ name: "ports", policy: "io.conf", xsm: "flask", domains: DOMAINS, steps });
const load = (steps: unknown[]) => parseScenario(scenario(steps), join(IO_DIR, "ports.json"));

describe("ioport_permission and ioport_mapping bounds", () => {
  it("a value no uint32_t field holds is an error at its JSON path", () => {
    const loaded = load([
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0x100000000", nr_ports: 1, allow: true },
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: 0, nr_ports: 4294967296, allow: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: "0x1ffffffff", first_mport: 0, nr_ports: 1, add: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: 0, first_mport: -1, nr_ports: 1, add: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: 0, first_mport: 0, nr_ports: "0x0000ffffffff", add: true },
    ]);
    expect(loaded.ok).toBe(false);
    const u32 = 'expected an integer 0 .. 4294967295 (the hypercall\'s field is uint32_t), or a hex string such as "0xecc0" up to 0xffffffff';
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      `/steps/0/first_port: ${u32}; got "0x100000000"`,
      `/steps/1/nr_ports: ${u32}; got 4294967296`,
      `/steps/2/first_gport: ${u32}; got "0x1ffffffff"`,
      `/steps/3/first_mport: ${u32}; got -1`,
    ]);
  });

  it("a range the field holds but Xen refuses: -EINVAL before XSM, nothing granted or mapped", () => {
    const steps = [
      // empty; past MAX_IOPORTS; wrapping in 32 bits (fp + np <= fp); then the NIC's last port, and
      // guest port 0xffff, are fine
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0xecc0", nr_ports: 0, allow: true },
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0xfff0", nr_ports: "0x11", allow: true },
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0xfffffff0", nr_ports: "0x20", allow: true },
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0xecc0", nr_ports: "0xffffffff", allow: true },
      { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0xecdf", nr_ports: 1, allow: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: "0x10000", first_mport: "0xffff", nr_ports: 1, add: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: "0xfff0", first_mport: "0xffff", nr_ports: "0x11", add: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: 0, first_mport: "0xffff", nr_ports: 0, add: true },
      { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: "0xffff", first_mport: "0xecdf", nr_ports: 1, add: true },
    ];
    const r = runPrepared(prepared(load(steps)));
    expect(r.steps.map((s) => s.rc)).toEqual(["-EINVAL", "-EINVAL", "-EINVAL", "-EINVAL", 0, "-EINVAL", "-EINVAL", "-EINVAL", 0]);
    for (const s of r.steps.filter((x) => x.rc !== 0)) {
      expect(s.decisions, `step ${s.step}`).toEqual([]);
      expect(s.why, `step ${s.step}`).toEqual([expect.stringMatching(/below 0x10000/)]);
      expect(s.partial).toBe(false);
    }
    expect(r.steps[5]!.log).toEqual(["ioport_map:invalid:dom1 gport=10000 mport=ffff nr=1"]);
    expect(r.steps[7]!.log).toEqual(["ioport_map:invalid:dom1 gport=0 mport=ffff nr=0"]);
    const guest = r.state.domains.find((d) => d.name === "guest")!.io!;
    expect(guest.ioports).toEqual([{ start: 0xecdf, end: 0xecdf }]);
    expect(guest.ioportMappings).toEqual([{ gport: 0xffff, mport: 0xecdf, nr: 1 }]);
  });
});
