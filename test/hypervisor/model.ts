// Shared machinery of the registry's property tests: a small address space in which PFs, VFs,
// extended functions and plain devices collide, random operations by random domains, and the
// checks every step must pass (invariants; exactly Xen's XSM checks; failed ops change nothing
// unless the strategy marks; authority all-or-nothing).
import fc from "fast-check";
import { expect } from "vitest";
import type { Domain, Rc, XsmHook, XsmModule } from "../../src/xsm/types.js";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import { DOM_IO, type DeviceState, type PfRemovalKind, type VfWithoutPf } from "../../src/hypervisor/types.js";
import { Domains } from "./helpers.js";

export const DOMAINS: Domain[] = [
  { domid: 0, name: "svp-hwdom", control: true, hardware: true },
  { domid: 1, name: "gvp1-hwdom", control: false, hardware: true },
  { domid: 2, name: "gvp1-guest", control: false, hardware: false },
  { domid: 3, name: "gvp2-guest", control: false, hardware: false },
];

/** Two PFs with four VF slots each, an extended function and a plain device, all on bus 03. */
const PFS = ["0000:03:00.0", "0000:03:01.0"];
const VFS = ["0000:03:10.0", "0000:03:10.1", "0000:03:10.2", "0000:03:10.3", "0000:03:11.0", "0000:03:11.1", "0000:03:11.2", "0000:03:11.3"];
const OTHERS = ["0000:03:05.0", "0000:03:06.1"];
export const ADDRESSES = [...PFS, ...VFS, ...OTHERS];

export type Op =
  | { op: "add"; as: number; sbdf: string; info?: { physfn?: string; extfn?: boolean } }
  | { op: "remove"; as: number; sbdf: string }
  | { op: "assign" | "deassign"; as: number; target: number; sbdf: string }
  | { op: "setup"; as: number; sbdf: string }
  | { op: "hot_unplug"; sbdf: string }
  | { op: "teardown"; domid: number }
  | { op: "group"; as: number; target: number; sbdf: string; max: number };

const dom = fc.integer({ min: 0, max: DOMAINS.length - 1 });
const addr = fc.constantFrom(...ADDRESSES);

/** A VF usually names its own PF (slot 0x10 -> 00.0, 0x11 -> 01.0), sometimes the other one, or a VF. */
const addOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), as: dom, sbdf: fc.constantFrom(...PFS, ...OTHERS) }),
  fc.record({ op: fc.constant("add" as const), as: dom, sbdf: fc.constantFrom(...PFS, "0000:03:06.1"), info: fc.constant({ extfn: true }) }),
  fc
    .record({ as: dom, vf: fc.integer({ min: 0, max: VFS.length - 1 }), which: fc.integer({ min: 0, max: 9 }) })
    .map(({ as, vf, which }): Op => {
      const own = PFS[vf >> 2]!;
      const physfn = which < 8 ? own : which === 8 ? PFS[1 - (vf >> 2)]! : VFS[(vf + 1) % VFS.length]!;
      return { op: "add", as, sbdf: VFS[vf]!, info: { physfn } };
    }),
  // Collisions: an address added as another kind than its record (alloc_pdev keeps the record).
  fc.record({
    op: fc.constant("add" as const),
    as: dom,
    sbdf: addr,
    info: fc.constantFrom({ extfn: true }, { physfn: PFS[0]! }, { physfn: PFS[1]! }),
  }),
);

/** PFs are what the thread is about: removals pick them half of the time. */
const removeAddr = fc.oneof(fc.constantFrom(...PFS), addr);

const randomOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: addOp },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("remove" as const), as: dom, sbdf: removeAddr }) },
  // DOMID_IO: quarantine (xl pci-assignable-add / -remove)
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("assign" as const, "deassign" as const), as: dom, target: fc.oneof(dom, fc.constantFrom(2, 3, DOM_IO.domid)), sbdf: fc.oneof(fc.constantFrom(...VFS), addr) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("group" as const), as: dom, target: dom, sbdf: addr, max: fc.constantFrom(0, 2, 1024) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("setup" as const), as: dom, sbdf: addr }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("hot_unplug" as const), sbdf: addr }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("teardown" as const), domid: fc.integer({ min: 1, max: 3 }) }) },
);

/** A populated start (PFs, then some of their VFs, by the hardware domains; some assigned), then anything. */
export const opsArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
    fc.subarray(VFS.map((_, i) => i)),
    fc.array(fc.record({ as: fc.integer({ min: 0, max: 1 }), target: fc.integer({ min: 2, max: 3 }), vf: fc.integer({ min: 0, max: VFS.length - 1 }) }), { maxLength: 3 }),
    fc.array(randomOp, { minLength: 1, maxLength: 30 }),
  )
  .map(([pfAdders, vfs, assigns, rest]) => [
    ...PFS.map((sbdf, i): Op => ({ op: "add", as: pfAdders[i]!, sbdf })),
    ...vfs.map((i): Op => ({ op: "add", as: pfAdders[i >> 2]!, sbdf: VFS[i]!, info: { physfn: PFS[i >> 2]! } })),
    ...assigns.map(({ as, target, vf }): Op => ({ op: "assign", as, target, sbdf: VFS[vf]! })),
    ...rest,
  ]);

export const opArb = randomOp;

/** Random but fixed allow/deny per (domain, hook, device): a hash of the three and a seed. */
export function scriptedDecider(seed: number, denyPercent: number) {
  return (cur: Domain, hook: XsmHook, bdf: number): boolean => {
    let h = (seed ^ Math.imul(cur.domid + 1, 0x9e3779b1) ^ Math.imul(bdf + 7, 0x85ebca6b)) >>> 0;
    for (let i = 0; i < hook.length; i++) h = Math.imul(h ^ hook.charCodeAt(i), 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
    h = (h ^ (h >>> 12)) >>> 0;
    return h % 100 >= denyPercent;
  };
}

/** Wraps a module to count hook calls (one per Xen xsm_* call, however many AVC checks it makes). */
export class CountingXsm implements XsmModule {
  readonly name: "dummy" | "flask";
  readonly calls: Array<{ hook: XsmHook; domid: number; bdf: number; rc: Rc }> = [];
  constructor(private readonly inner: XsmModule) {
    this.name = inner.name;
  }
  get onCheck() {
    return this.inner.onCheck;
  }
  set onCheck(f) {
    this.inner.onCheck = f;
  }
  private note(hook: XsmHook, cur: Domain, bdf: number, rc: Rc): Rc {
    this.calls.push({ hook, domid: cur.domid, bdf, rc });
    return rc;
  }
  resourcePlugPci(cur: Domain, bdf: number) {
    return this.note("resource_plug_pci", cur, bdf, this.inner.resourcePlugPci(cur, bdf));
  }
  resourceUnplugPci(cur: Domain, bdf: number) {
    return this.note("resource_unplug_pci", cur, bdf, this.inner.resourceUnplugPci(cur, bdf));
  }
  resourceSetupPci(cur: Domain, bdf: number) {
    return this.note("resource_setup_pci", cur, bdf, this.inner.resourceSetupPci(cur, bdf));
  }
  assignDevice(cur: Domain, target: Domain, bdf: number, refuse?: () => Rc) {
    return this.note("assign_device", cur, bdf, this.inner.assignDevice(cur, target, bdf, refuse));
  }
  deassignDevice(cur: Domain, target: Domain, bdf: number, refuse?: () => Rc) {
    return this.note("deassign_device", cur, bdf, this.inner.deassignDevice(cur, target, bdf, refuse));
  }
  testAssignDevice(cur: Domain, bdf: number) {
    return this.note("test_assign_device", cur, bdf, this.inner.testAssignDevice(cur, bdf));
  }
  getDeviceGroup(cur: Domain, d: Domain, bdf: number, sibling: boolean) {
    return this.note("get_device_group", cur, bdf, this.inner.getDeviceGroup(cur, d, bdf, sibling));
  }
}

const keyOf = (sbdf: string) => parseInt(sbdf.slice(5, 7), 16) * 256 + parseInt(sbdf.slice(8, 10), 16) * 8 + Number(sbdf[11]);

/**
 * The XSM calls Xen makes for an op, given the state before it and what each call answers:
 * stops at the first denial, as every path in pci.c and domctl does.
 */
function expectedCalls(op: Op, before: Map<string, DeviceState>, reg: PciRegistry, vfWithoutPf: VfWithoutPf, strategy: PfRemovalKind, answer: (hook: XsmHook, domid: number, bdf: number) => Rc): Array<[XsmHook, number]> {
  const out: Array<[XsmHook, number]> = [];
  const ask = (hook: XsmHook, domid: number, sbdf: string): boolean => {
    out.push([hook, keyOf(sbdf)]);
    return answer(hook, domid, keyOf(sbdf)) === 0;
  };
  switch (op.op) {
    case "add": {
      if (op.info?.physfn === op.sbdf) break; // -EINVAL before any check
      const physfn = op.info?.physfn;
      const pf = physfn === undefined ? undefined : before.get(physfn);
      // Xen 4.19.0: the missing PF's own check first, whatever it answers
      if (physfn !== undefined && !pf && vfWithoutPf === "add-pf-first") ask("resource_plug_pci", op.as, physfn);
      if (!ask("resource_plug_pci", op.as, op.sbdf)) break;
      if (physfn !== undefined && !pf && vfWithoutPf === "add-pf") ask("resource_plug_pci", op.as, physfn);
      break;
    }
    case "remove": {
      if (!ask("resource_unplug_pci", op.as, op.sbdf)) break;
      const d = before.get(op.sbdf);
      if (strategy === "authority" && d && d.kind !== "vf") for (const vf of reg.linkedVfs(op.sbdf)) if (!ask("resource_unplug_pci", op.as, vf)) break;
      break;
    }
    case "assign":
    case "deassign":
      // One module call whatever it answers: self-assignment is refused inside it (after
      // xsm_domctl, before the hook), and nothing follows it that could call XSM again.
      out.push([op.op === "assign" ? "assign_device" : "deassign_device", keyOf(op.sbdf)]);
      break;
    case "setup":
      ask("resource_setup_pci", op.as, op.sbdf);
      break;
    default:
      break;
  }
  return out;
}

export interface World {
  reg: PciRegistry;
  xsm: CountingXsm;
  domains: Domains;
  strategy: PfRemovalKind;
  vfWithoutPf: VfWithoutPf;
  /** What the module answers, without recording: lets the test predict the calls. */
  answer: (hook: XsmHook, domid: number, bdf: number) => Rc;
  /** The registry's onFree calls (pci_cleanup_msi), when the test listens. */
  freed?: number[];
  /** The registry's iommu_quarantine (default basic). */
  quarantine?: "none" | "basic" | "scratch-page";
}

/** World.answer from a second instance of a real module (so asking it records nothing): the
 *  device hooks as that module answers them; `other` answers the hooks that take a target domain. */
export function moduleAnswer(
  oracle: XsmModule,
  domains: Domains,
  other: (hook: XsmHook, cur: Domain) => Rc,
): World["answer"] {
  return (hook, domid, bdf) => {
    const d = domains.byDomid(domid)!;
    switch (hook) {
      case "resource_plug_pci":
        return oracle.resourcePlugPci(d, bdf);
      case "resource_unplug_pci":
        return oracle.resourceUnplugPci(d, bdf);
      case "resource_setup_pci":
        return oracle.resourceSetupPci(d, bdf);
      default:
        return other(hook, d);
    }
  };
}

export function apply(w: World, op: Op): Rc {
  const d = (id: number) => (id === DOM_IO.domid ? DOM_IO : w.domains.byDomid(id)!);
  switch (op.op) {
    case "add":
      return w.reg.addDevice(d(op.as), op.sbdf, op.info);
    case "remove":
      return w.reg.removeDevice(d(op.as), op.sbdf);
    case "assign":
      return w.reg.assignDevice(d(op.as), d(op.target), op.sbdf);
    case "deassign":
      return w.reg.deassignDevice(d(op.as), d(op.target), op.sbdf);
    case "setup":
      return w.reg.setupDevice(d(op.as), op.sbdf);
    case "hot_unplug":
      return w.reg.hotUnplug(op.sbdf);
    case "group": {
      const g = w.reg.getDeviceGroup(d(op.as), d(op.target), op.sbdf, op.max);
      // listed: devices of the domain that passed the check, no more than max; no bridges here,
      // so every device is its own group and nothing is listed
      expect(g.sdevs.length).toBeLessThanOrEqual(op.max);
      expect(g.sdevs).toEqual([]);
      return g.rc;
    }
    case "teardown": {
      // The guest is destroyed and a new one takes its domid.
      w.reg.removeDomain(op.domid);
      w.domains.remove(op.domid);
      w.domains.add(DOMAINS[op.domid]!);
      return 0;
    }
  }
}

/** What devices() does not show: record count (hidden PFs) and every PF's VF list, in order. */
function hiddenState(reg: PciRegistry): string {
  return JSON.stringify([reg.recordCount(), ADDRESSES.map((a) => reg.linkedVfs(a))]);
}

/** One step, then every registry invariant (ARCHITECTURE.md, "Invariants") and Xen's checks. */
export function step(w: World, op: Op): void {
  const hidden = hiddenState(w.reg);
  const beforeList = w.reg.devices();
  const before = new Map(beforeList.map((s) => [s.sbdf, s]));
  const vfsBefore = op.op === "remove" ? w.reg.linkedVfs(op.sbdf) : [];
  const expected = expectedCalls(op, before, w.reg, w.vfWithoutPf, w.strategy, w.answer);
  const n0 = w.xsm.calls.length;
  const f0 = w.freed?.length ?? 0;

  const rc = apply(w, op);

  const calls = w.xsm.calls.slice(n0).map((c): [XsmHook, number] => [c.hook, c.bdf]);
  if (op.op === "group") {
    // the device, then (if allowed) each other device the domain holds, in its pdev_list order
    const first = w.xsm.calls[n0]!;
    const held = beforeList.filter((s) => s.owner === DOMAINS[op.target]!.name && s.sbdf !== op.sbdf).map((s) => keyOf(s.sbdf));
    expect([first.hook, first.bdf]).toEqual(["get_device_group", keyOf(op.sbdf)]);
    expect(calls.slice(1).map(([, bdf]) => bdf).sort(), `XSM calls of ${JSON.stringify(op)}`).toEqual(first.rc === 0 ? held.sort() : []);
  } else expect(calls, `XSM calls of ${JSON.stringify(op)}`).toEqual(expected);
  expect(w.reg.checkInvariants(), `invariants after ${JSON.stringify(op)} -> ${rc}`).toEqual([]);
  const after = w.reg.devices();
  if (w.freed) {
    // pci_remove_device() runs pci_cleanup_msi() for each device it takes away, once, whatever
    // becomes of its record (refcount keeps a removed PF's), and for no other
    const left = beforeList.filter((s) => !after.some((a) => a.sbdf === s.sbdf)).map((s) => keyOf(s.sbdf));
    expect(w.freed.slice(f0).sort(), `pci_cleanup_msi of ${JSON.stringify(op)} -> ${rc}`).toEqual(left.sort());
  }

  // add-pf-first adds a missing PF before the VF's own check: the one change a failed add may leave
  const pfFirst = op.op === "add" && op.info?.physfn !== undefined && op.info.physfn !== op.sbdf && w.vfWithoutPf === "add-pf-first" && !before.has(op.info.physfn) ? op.info.physfn : undefined;
  if (rc !== 0 && pfFirst !== undefined && after.some((s) => s.sbdf === pfFirst)) {
    // (reassociate: the PF's add re-links the unlinked VFs that name it, no longer broken;
    // pre-links: the VFs without a PF that name it have it again)
    const relinked = (s: DeviceState) => ((w.strategy === "reassociate" || w.strategy === "pre-links") && s.kind === "vf" && s.physfn === pfFirst && before.get(s.sbdf)?.physfn === null ? { ...s, physfn: null, broken: before.get(s.sbdf)!.broken } : s);
    expect(after.filter((s) => s.sbdf !== pfFirst).map(relinked), `failed ${JSON.stringify(op)} -> ${rc} changed more than its PF`).toEqual(beforeList);
    expect(after.find((s) => s.sbdf === pfFirst)).toMatchObject({ physfn: null, broken: false });
  } else if (rc !== 0) {
    const pfWithVfs = op.op === "remove" && before.get(op.sbdf)?.kind !== "vf" && vfsBefore.length > 0;
    if (pfWithVfs && rc === "-EBUSY" && w.strategy === "upstream") {
      // The one strategy that marks on failure: PF and its VFs broken, nothing else.
      const marked = new Set([op.sbdf, ...vfsBefore]);
      expect(after).toEqual(beforeList.map((s) => (marked.has(s.sbdf) ? { ...s, broken: true } : s)));
    } else if (pfWithVfs && rc === "-EBUSY" && w.strategy === "cascade") {
      // cascade removes and returns -EBUSY to flag the order.
      const gone = new Set([op.sbdf, ...vfsBefore]);
      expect(after).toEqual(beforeList.filter((s) => !gone.has(s.sbdf)));
    } else {
      expect(after, `failed ${JSON.stringify(op)} -> ${rc} changed the registry`).toEqual(beforeList);
      expect(hiddenState(w.reg), `failed ${JSON.stringify(op)} -> ${rc} changed hidden state`).toBe(hidden);
    }
  } else if (op.op === "remove") {
    expect(after.some((s) => s.sbdf === op.sbdf)).toBe(false);
    if (w.strategy === "authority") for (const vf of vfsBefore) expect(after.some((s) => s.sbdf === vf)).toBe(false);
    if (w.strategy === "pre-links") {
      // Xen 4.19.0 removes the PF as any device: its VFs stay, with no PF and nothing else changed
      const orphaned = new Set(vfsBefore);
      expect(after, `pre-links ${JSON.stringify(op)}`).toEqual(beforeList.filter((s) => s.sbdf !== op.sbdf).map((s) => (orphaned.has(s.sbdf) ? { ...s, physfn: null } : s)));
    }

  } else if (op.op === "add") {
    expect(after.some((s) => s.sbdf === op.sbdf)).toBe(true);
    // add-pf-first: a new VF links to its PF when the PF's add went through, else it has none
    const vf = after.find((s) => s.sbdf === op.sbdf);
    if (pfFirst !== undefined && !before.has(op.sbdf) && vf?.kind === "vf") expect(vf.physfn).toBe(after.some((s) => s.sbdf === pfFirst) ? pfFirst : null);
    if (w.strategy === "pre-links" && op.info?.physfn === undefined) {
      // a device at a PF's SBDF is the PF of the VFs without one that name it, silently
      const vfs = after.filter((s) => s.kind === "vf" && before.get(s.sbdf)?.physfn === null && s.physfn !== null);
      for (const v of vfs) expect(v.physfn).toBe(op.sbdf);
      const others = (list: DeviceState[]) => list.filter((s) => s.sbdf !== op.sbdf);
      expect(others(after), `pre-links ${JSON.stringify(op)}`).toEqual(others(beforeList).map((s) => (vfs.some((v) => v.sbdf === s.sbdf) ? { ...s, physfn: op.sbdf } : s)));
    }
  } else if (op.op === "assign") {
    expect(after.find((s) => s.sbdf === op.sbdf)?.owner).toBe(op.target === DOM_IO.domid ? DOM_IO.name : DOMAINS[op.target]!.name);
  } else if (op.op === "group") {
    expect(after, "get_device_group changes nothing").toEqual(beforeList);
  } else if (op.op === "deassign") {
    // deassign_device: to dom_io under quarantine, back to a hardware domain from dom_io
    const owner = after.find((s) => s.sbdf === op.sbdf)?.owner;
    if (op.target === DOM_IO.domid) expect(owner).not.toBe(DOM_IO.name);
    else if (w.quarantine !== "none") expect(owner).toBe(DOM_IO.name);
  }
}
