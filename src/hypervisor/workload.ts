// A large SR-IOV fabric for the scale test and `npm run bench`: PF i at bus 2i, its VFs filling
// bus 2i+1 (256 devfns per bus), built by a hardware domain and torn down PF-first, the order the
// thread argues about, so every strategy's PF-removal path runs once per PF.
import type { Rc } from "../xen/errno.js";
import type { Domain } from "../xsm/types.js";
import type { PciRegistry } from "./registry.js";
import { formatSbdf, sbdfKey } from "../xen/sbdf.js";

export interface FabricShape {
  pfs: number; // at most 128
  vfsPerPf: number; // at most 256
}

export interface WorkloadResult {
  /** Registry operations made. */
  ops: number;
  /** How many times each return code came back. */
  rcs: Map<Rc, number>;
}

export function fabric(shape: FabricShape): Array<{ pf: number; vfs: number[] }> {
  const out: Array<{ pf: number; vfs: number[] }> = [];
  for (let i = 0; i < shape.pfs; i++) {
    const pf = sbdfKey({ seg: 0, bus: 2 * i, dev: 0, fn: 0 });
    const vfs: number[] = [];
    for (let v = 0; v < shape.vfsPerPf; v++) vfs.push(sbdfKey({ seg: 0, bus: 2 * i + 1, dev: v >> 3, fn: v & 7 }));
    out.push({ pf, vfs });
  }
  return out;
}

export function build(reg: PciRegistry, hwdom: Domain, shape: FabricShape): WorkloadResult {
  const res: WorkloadResult = { ops: 0, rcs: new Map() };
  for (const { pf, vfs } of fabric(shape)) {
    note(res, reg.addDevice(hwdom, pf));
    const info = { physfn: formatSbdf(pf) };
    for (const vf of vfs) note(res, reg.addDevice(hwdom, vf, info));
  }
  return res;
}

/** PF first (with its VFs present), then whatever VFs and PF the strategy left. */
export function tearDown(reg: PciRegistry, hwdom: Domain, shape: FabricShape): WorkloadResult {
  const res: WorkloadResult = { ops: 0, rcs: new Map() };
  for (const { pf, vfs } of fabric(shape)) {
    note(res, reg.removeDevice(hwdom, pf));
    for (const vf of vfs) note(res, reg.removeDevice(hwdom, vf));
    note(res, reg.removeDevice(hwdom, pf));
  }
  return res;
}

function note(res: WorkloadResult, rc: Rc): void {
  res.ops++;
  res.rcs.set(rc, (res.rcs.get(rc) ?? 0) + 1);
}
