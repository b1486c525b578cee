// Test doubles for the registry: a scripted XsmModule (allow/deny per (domain, hook, device)) and a
// DomainTable. The scripted module stands in for dummy/flask so the registry's own behaviour is
// what the tests pin down; it reports one XsmCheck per hook call through onCheck.
import type { Domain, Rc, XsmCheck, XsmHook, XsmModule } from "../../src/xsm/types.js";
import type { DomainTable } from "../../src/hypervisor/types.js";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import type { RegistryOptions } from "../../src/hypervisor/types.js";
import { toSbdfKey } from "../../src/xen/sbdf.js";

export type Decide = (cur: Domain, hook: XsmHook, machineBdf: number) => boolean;

export class ScriptedXsm implements XsmModule {
  readonly name = "flask" as const;
  onCheck: ((check: XsmCheck) => void) | undefined;
  readonly checks: XsmCheck[] = [];

  constructor(
    public decide: Decide = () => true,
    private readonly denial: Rc = "-EACCES",
  ) {
    this.onCheck = (c) => this.checks.push(c);
  }

  private ask(hook: XsmHook, cur: Domain, machineBdf: number): Rc {
    const allowed = this.decide(cur, hook, machineBdf);
    const rc: Rc = allowed ? 0 : this.denial;
    this.onCheck?.({ hook, domid: cur.domid, tcontext: machineBdf.toString(16), allowed, rc });
    return rc;
  }

  resourcePlugPci(cur: Domain, machineBdf: number): Rc {
    return this.ask("resource_plug_pci", cur, machineBdf);
  }
  resourceUnplugPci(cur: Domain, machineBdf: number): Rc {
    return this.ask("resource_unplug_pci", cur, machineBdf);
  }
  resourceSetupPci(cur: Domain, machineBdf: number): Rc {
    return this.ask("resource_setup_pci", cur, machineBdf);
  }
  // as flask's: iommu_do_pci_domctl's refusals before the hook (flask_domctl asks nothing first)
  assignDevice(cur: Domain, _target: Domain, machineBdf: number, refuse?: () => Rc): Rc {
    return refuse?.() || this.ask("assign_device", cur, machineBdf);
  }
  deassignDevice(cur: Domain, _target: Domain, machineBdf: number, refuse?: () => Rc): Rc {
    return refuse?.() || this.ask("deassign_device", cur, machineBdf);
  }
  testAssignDevice(cur: Domain, machineBdf: number): Rc {
    return this.ask("test_assign_device", cur, machineBdf);
  }
  getDeviceGroup(cur: Domain, _d: Domain, machineBdf: number): Rc {
    return this.ask("get_device_group", cur, machineBdf);
  }
}

export class Domains implements DomainTable {
  private readonly map = new Map<number, Domain>();
  constructor(domains: Domain[], private readonly hwdomid: number | undefined = undefined) {
    for (const d of domains) this.map.set(d.domid, d);
  }
  byDomid(domid: number): Domain | undefined {
    return this.map.get(domid);
  }
  hardwareDomain(): Domain | undefined {
    return this.hwdomid === undefined ? undefined : this.map.get(this.hwdomid);
  }
  add(d: Domain): void {
    this.map.set(d.domid, d);
  }
  remove(domid: number): void {
    this.map.delete(domid);
  }
  all(): Domain[] {
    return [...this.map.values()];
  }
}

/** A PCI address written in a test ("0000:03:00.0"), as the registry keys it. */
export function sbdf(text: string): number {
  const k = toSbdfKey(text);
  if (!k.ok) throw new Error(`not a PCI address: ${text}`);
  return k.value;
}

/** The plain cast of the registry's unit tests: the hardware domain (control too: the dummy
 *  module lets only a control domain plug devices) and two guests. */
export const dom0: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
export const g1: Domain = { domid: 1, name: "g1", control: false, hardware: false };
export const g2: Domain = { domid: 2, name: "g2", control: false, hardware: false };

/** The SVP cast of the thread: Daniel Smith's supervisor VP and a guest VP (README's scenario example). */
export const svpHwdom: Domain = { domid: 0, name: "svp-hwdom", control: true, hardware: true };
export const gvpHwdom: Domain = { domid: 1, name: "gvp1-hwdom", control: false, hardware: true };
export const gvpGuest: Domain = { domid: 2, name: "gvp1-guest", control: false, hardware: false };
export const cast = [svpHwdom, gvpHwdom, gvpGuest];

export function makeRegistry(opts: Partial<RegistryOptions> = {}, decide?: Decide) {
  const xsm = new ScriptedXsm(decide);
  const domains = new Domains(cast, 0);
  const log: string[] = [];
  const reg = new PciRegistry(xsm, domains, {
    strategy: opts.strategy ?? "upstream",
    vfWithoutPf: opts.vfWithoutPf ?? "reject",
    log: (l) => log.push(l),
    onFree: opts.onFree,
    onAssign: opts.onAssign,
    quarantine: opts.quarantine,
    deassignTo: opts.deassignTo,
    // the SVP cast: each hardware domain keeps what it adds (Xen's default gives it to svp-hwdom)
    addTo: opts.addTo ?? "adding-hwdom",
    iommu: opts.iommu,
    pciBridge: opts.pciBridge,
  });
  return { reg, xsm, domains, log };
}
