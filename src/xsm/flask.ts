// The flask module: the PCI hooks of xen/xsm/flask/hooks.c, one short method each, asking the AVC
// through avcHasPerm() (avc.c's avc_has_perm + avc_audit).
import { Avc } from "./avc.js";
import { avcAuditMask, formatAvcAudit, type AvcAuditData } from "./audit.js";
import { SECINITSID_UNLABELED } from "./sidtab.js";
import { PERM, RESOURCE_PERMS, type HookClass, type LifecycleClass, type SecurityServer } from "./security.js";
import type { LabelledPiece } from "./security.js";
import { ECS, type AssignCheck, type Domain, type Domctl, type EvtchnRef, type IoDomctl, type IommuMode, type IrqRef, type Rc, type XsmCheck, type XsmDomainHooks, type XsmEvtchnHooks, type XsmGrantHooks, type XsmHook, type XsmIoHooks, type XsmModule } from "./types.js";
import { NR_IRQS, NR_IRQS_GSI } from "../xen/machine.js";

/** flask_domctl's permission (class domain) for each modelled domctl. */
const DOMCTL_PERM: Record<Domctl, "setdomainmaxmem" | "unpause" | "destroy"> = {
  max_mem: "setdomainmaxmem",
  unpausedomain: "unpause",
  destroydomain: "destroy",
};

/** struct domain_security_struct beyond `sid` (which a domain's context gives): self_sid and target_sid. */
interface DomainSecurity {
  self?: number;
  target?: number;
}

// struct avc_audit_data, flattened so a call allocates nothing: which kind, and its one argument.
const AD_NULL = 0; // no audit data: the line names the current domain
const AD_DOMAINS = 1; // domain_has_perm: sdom = current, tdom = the argument
const AD_DEV = 2; // AVC_AUDIT_DATA_DEV: device = machine_bdf
const AD_NULL_DOM = 3; // no audit data, as AD_NULL; the check concerns domain `arg` (what the trace names)
const AD_IRQ = 4; // AVC_AUDIT_DATA_IRQ: irq = arg
const AD_RANGE = 5; // AVC_AUDIT_DATA_RANGE: range = arg .. arg2
/** What selfSid/targetSid return for a domain they may not label now (see mayLabelOnFirstUse); SIDs are positive, -1 is an invalid context. */
const UNANNOUNCED = -2;
type AuditKind = typeof AD_NULL | typeof AD_DOMAINS | typeof AD_DEV | typeof AD_NULL_DOM | typeof AD_IRQ | typeof AD_RANGE;

/** get_irq_sid()'s answer: the IRQ's SID and the audit data that names it, or the errno. */
type IrqLabel = { sid: number; ad: typeof AD_IRQ | typeof AD_DEV; arg: number } | { rc: Rc };

export interface FlaskOptions {
  enforcing?: boolean;
  iommu?: IommuMode;
  /** Where the assignment domctls ask (types.ts AssignCheck); default xsm_assign_device. */
  assignCheck?: AssignCheck;
}

export class FlaskXsm implements XsmModule, XsmDomainHooks, XsmIoHooks, XsmEvtchnHooks, XsmGrantHooks {
  readonly name = "flask" as const;
  onCheck: ((check: XsmCheck) => void) | undefined = undefined;
  /** Xen's printk of avc lines: called with every audited decision. */
  onAudit: ((line: string) => void) | undefined = undefined;
  /** flask_enforcing: a denial returns -EACCES; permissive logs it and lets it through. */
  enforcing: boolean;
  iommu: IommuMode;
  readonly assignCheck: AssignCheck;
  readonly avc: Avc;
  /** d->ssid by domid: the labels flask_domain_create and flask_set_target computed. */
  private readonly dsec = new Map<number, DomainSecurity>();
  /** The server under which domains nobody announced were first labelled (see unannounced()). */
  private lazyServer: SecurityServer | undefined = undefined;

  constructor(
    public ss: SecurityServer,
    options: FlaskOptions = {},
  ) {
    this.enforcing = options.enforcing ?? true;
    this.iommu = options.iommu ?? "intremap";
    this.assignCheck = options.assignCheck ?? "xsm_assign_device";
    this.avc = new Avc((ssid, tsid, tclass) => this.ss.computeAv(ssid, tsid, tclass));
  }

  // mirrors flask_resource_plug_pci()
  resourcePlugPci(cur: Domain, machineBdf: number): Rc {
    return this.deviceHasPerm("resource_plug_pci", "flask_resource_plug_pci", cur, machineBdf, PERM.plug, AD_DEV);
  }

  // mirrors flask_resource_unplug_pci()
  resourceUnplugPci(cur: Domain, machineBdf: number): Rc {
    return this.deviceHasPerm("resource_unplug_pci", "flask_resource_unplug_pci", cur, machineBdf, PERM.unplug, AD_DEV);
  }

  // mirrors flask_resource_setup_pci()
  resourceSetupPci(cur: Domain, machineBdf: number): Rc {
    return this.deviceHasPerm("resource_setup_pci", "flask_resource_setup_pci", cur, machineBdf, PERM.setup, AD_DEV);
  }

  // mirrors flask_assign_device(): current -> domain add, current -> device add_device,
  // domain -> device use_* (flask_iommu_resource_use_perm). Before XSA-492 flask_domctl asks
  // nothing and iommu_do_pci_domctl's own refusals come first; since, flask_domctl calls it and
  // the refusals follow it
  assignDevice(cur: Domain, target: Domain, machineBdf: number, refuse?: () => Rc): Rc {
    return this.inAssignOrder(refuse, () => {
      const hook = "assign_device";
      const xen = "flask_assign_device";
      const rc = this.currentHasPerm(hook, xen, cur, target, PERM.add);
      if (rc !== 0) return rc;
      const rc2 = this.deviceHasPerm(hook, xen, cur, machineBdf, PERM.add_device, AD_DEV);
      if (rc2 !== 0) return rc2;
      return this.domainDeviceHasPerm(hook, xen, cur, target, machineBdf, this.usePerm(target));
    });
  }

  // mirrors flask_deassign_device(): current -> domain remove, current -> device remove_device
  // (no audit data on the second check, as in Xen); ordered as assignDevice
  deassignDevice(cur: Domain, target: Domain, machineBdf: number, refuse?: () => Rc): Rc {
    return this.inAssignOrder(refuse, () => {
      const hook = "deassign_device";
      const xen = "flask_deassign_device";
      const rc = this.currentHasPerm(hook, xen, cur, target, PERM.remove);
      if (rc !== 0) return rc;
      return this.deviceHasPerm(hook, xen, cur, machineBdf, PERM.remove_device, AD_NULL);
    });
  }

  /** iommu_do_pci_domctl's refusals and flask's checks, in the order this module's Xen makes them. */
  private inAssignOrder(refuse: (() => Rc) | undefined, checks: () => Rc): Rc {
    if (this.assignCheck === "xsm_domctl") {
      const rc = checks();
      return rc !== 0 ? rc : (refuse?.() ?? 0);
    }
    const refused = refuse?.() ?? 0;
    return refused !== 0 ? refused : checks();
  }

  // mirrors flask_test_assign_device(): current -> device stat_device (flask_assign_device with no
  // domain hands it on; since XSA-492 flask_domctl asks it, the same check), ordered as assignDevice
  testAssignDevice(cur: Domain, machineBdf: number, refuse?: () => Rc): Rc {
    return this.inAssignOrder(refuse, () => this.deviceHasPerm("test_assign_device", "flask_test_assign_device", cur, machineBdf, PERM.stat_device, AD_NULL));
  }

  // mirrors flask_get_device_group(): current -> device stat_device, for the device asked about and
  // for each sibling; flask_domctl asks nothing for XEN_DOMCTL_get_device_group in any release
  getDeviceGroup(cur: Domain, _d: Domain, machineBdf: number, _sibling: boolean, refuse?: () => Rc): Rc {
    const refused = refuse?.() ?? 0; // iommu_do_domctl's, before iommu_do_pci_domctl asks the hook
    if (refused !== 0) return refused;
    return this.deviceHasPerm("get_device_group", "flask_get_device_group", cur, machineBdf, PERM.stat_device, AD_NULL);
  }

  /** flask_iommu_resource_use_perm(d): is_iommu_enabled(d) is the host's IOMMU and d's own
   *  XEN_DOMCTL_CDF_iommu */
  usePerm(d: Domain): number {
    if (this.iommu === "none" || d.iommu === false) return PERM.use_noiommu;
    return this.iommu === "intremap" ? PERM.use_iommu : PERM.use_iommu_nointremap;
  }

  // current_has_perm() -> domain_has_perm(current, d): audit data names both domains
  private currentHasPerm(hook: XsmHook, xen: string, cur: Domain, d: Domain, perm: number): Rc {
    const ssid = this.ss.domainSid(cur);
    if (ssid < 0) return this.invalid(hook, xen, cur, cur.context!, perm);
    const tsid = this.domainTargetSid(cur, d);
    if (tsid === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, cur, cur, "resource", RESOURCE_PERMS[perm]!);
    if (tsid < 0) return this.invalid(hook, xen, cur, d.context!, perm);
    return this.avcHasPerm(hook, xen, cur, ssid, tsid, perm, AD_DOMAINS, d.domid);
  }

  // security_device_sid() + avc_current_has_perm()
  private deviceHasPerm(hook: XsmHook, xen: string, cur: Domain, machineBdf: number, perm: number, ad: AuditKind): Rc {
    const ssid = this.ss.domainSid(cur);
    if (ssid < 0) return this.invalid(hook, xen, cur, cur.context!, perm);
    const rsid = this.ss.deviceSid(machineBdf);
    if (rsid < 0) return this.invalid(hook, xen, cur, this.ss.policy.pcideviceContext(machineBdf)!, perm);
    return this.avcHasPerm(hook, xen, cur, ssid, rsid, perm, ad, machineBdf);
  }

  // avc_has_perm(domain_sid(d), rsid, ...) with AVC_AUDIT_DATA_DEV: the line still names current
  private domainDeviceHasPerm(hook: XsmHook, xen: string, cur: Domain, d: Domain, machineBdf: number, perm: number): Rc {
    const dsid = this.ss.domainSid(d);
    if (dsid < 0) return this.invalid(hook, xen, cur, d.context!, perm);
    const rsid = this.ss.deviceSid(machineBdf);
    if (rsid < 0) return this.invalid(hook, xen, cur, this.ss.policy.pcideviceContext(machineBdf)!, perm);
    return this.avcHasPerm(hook, xen, cur, dsid, rsid, perm, AD_DEV, machineBdf);
  }

  // ---- a device's resources: IRQs, I/O memory, I/O ports --------------------------------------

  // before XSA-492 flask_domctl returns 0 for the commands with a hook of their own: no question
  ioDomctl(_cur: Domain, _d: Domain, _cmd: IoDomctl): Rc {
    return 0;
  }

  // mirrors flask_irq_permission(): "the PIRQ number is not useful; real IRQ is checked during
  // mapping", so only current -> d resource:add (grant) or remove (revoke)
  irqPermission(cur: Domain, d: Domain, _irq: number, allow: boolean): Rc {
    return this.currentHasPerm("irq_permission", "flask_irq_permission", cur, d, allow ? PERM.add : PERM.remove);
  }

  // mirrors flask_iomem_permission(): current -> d add/remove, then per labelled piece of the
  // frames (security_iterate_iomem_sids) current -> piece add_iomem/remove_iomem and d -> piece
  // use_* (flask_iommu_resource_use_perm, asked when revoking too), each with the piece's range
  iomemPermission(cur: Domain, d: Domain, start: number, end: number, allow: boolean): Rc {
    return this.rangeHasPerm("iomem_permission", "flask_iomem_permission", cur, d, allow, allow ? "add_iomem" : "remove_iomem", this.ss.iomemPieces(start, end));
  }

  // mirrors flask_iomem_mapping(), which is flask_iomem_permission()
  iomemMapping(cur: Domain, d: Domain, start: number, end: number, add: boolean): Rc {
    return this.rangeHasPerm("iomem_mapping", "flask_iomem_mapping", cur, d, add, add ? "add_iomem" : "remove_iomem", this.ss.iomemPieces(start, end));
  }

  // mirrors flask_ioport_permission(): as flask_iomem_permission over ioportcon labels
  ioportPermission(cur: Domain, d: Domain, start: number, end: number, allow: boolean): Rc {
    return this.rangeHasPerm("ioport_permission", "flask_ioport_permission", cur, d, allow, allow ? "add_ioport" : "remove_ioport", this.ss.ioportPieces(start, end));
  }

  // mirrors flask_ioport_mapping(), which is flask_ioport_permission()
  ioportMapping(cur: Domain, d: Domain, start: number, end: number, add: boolean): Rc {
    return this.rangeHasPerm("ioport_mapping", "flask_ioport_mapping", cur, d, add, add ? "add_ioport" : "remove_ioport", this.ss.ioportPieces(start, end));
  }

  // mirrors flask_map_domain_pirq(): current -> d resource:add
  mapDomainPirq(cur: Domain, d: Domain): Rc {
    return this.currentHasPerm("map_domain_pirq", "flask_map_domain_pirq", cur, d, PERM.add);
  }

  // mirrors flask_unmap_domain_pirq(): current -> d resource:remove
  unmapDomainPirq(cur: Domain, d: Domain): Rc {
    return this.currentHasPerm("unmap_domain_pirq", "flask_unmap_domain_pirq", cur, d, PERM.remove);
  }

  // mirrors flask_map_domain_irq(): the IRQ's label (an MSI vector's is its device's, from the
  // request's msi_info), current -> IRQ resource:add_irq, d -> IRQ use_*
  mapDomainIrq(cur: Domain, d: Domain, irq: IrqRef): Rc {
    const hook = "map_domain_irq";
    const xen = "flask_map_domain_irq";
    const label = this.irqLabel(hook, xen, cur, irq);
    if ("rc" in label) return label.rc;
    const rc = this.resourceHasPerm(hook, xen, cur, this.ss.domainSid(cur), cur, label.sid, "add_irq", label.ad, label.arg);
    if (rc !== 0) return rc;
    return this.resourceHasPerm(hook, xen, cur, this.ss.domainSid(d), d, label.sid, null, label.ad, label.arg);
  }

  // mirrors flask_unmap_domain_irq(): current -> IRQ resource:remove_irq
  unmapDomainIrq(cur: Domain, _d: Domain, irq: IrqRef): Rc {
    const hook = "unmap_domain_irq";
    const xen = "flask_unmap_domain_irq";
    const label = this.irqLabel(hook, xen, cur, irq);
    if ("rc" in label) return label.rc;
    return this.resourceHasPerm(hook, xen, cur, this.ss.domainSid(cur), cur, label.sid, "remove_irq", label.ad, label.arg);
  }

  // mirrors flask_bind_pt_irq(): current -> d resource:add, then the IRQ d's pirq maps to
  // (get_irq_sid): current -> IRQ hvm:bind_irq, d -> IRQ use_*
  bindPtIrq(cur: Domain, d: Domain, irq: IrqRef): Rc {
    const hook = "bind_pt_irq";
    const xen = "flask_bind_pt_irq";
    const rc = this.currentHasPerm(hook, xen, cur, d, PERM.add);
    if (rc !== 0) return rc;
    const label = this.irqLabel(hook, xen, cur, irq);
    if ("rc" in label) return label.rc;
    const hvm = this.ss.hookClass("hvm");
    if (!hvm) return this.noClass(hook, xen, cur, "hvm", "bind_irq");
    const csid = this.ss.domainSid(cur);
    if (csid < 0) return this.invalid(hook, xen, cur, cur.context!, PERM.add);
    const rc2 = this.avcHasPermClass(hook, xen, cur, csid, label.sid, hvm.id, "hvm", hvm.masks.bind_irq!, "bind_irq", label.ad, label.arg);
    if (rc2 !== 0) return rc2;
    return this.resourceHasPerm(hook, xen, cur, this.ss.domainSid(d), d, label.sid, null, label.ad, label.arg);
  }

  // mirrors flask_unbind_pt_irq(): current -> d resource:remove
  unbindPtIrq(cur: Domain, d: Domain): Rc {
    return this.currentHasPerm("unbind_pt_irq", "flask_unbind_pt_irq", cur, d, PERM.remove);
  }

  /** get_irq_sid(): out of range is -EINVAL; a static IRQ (a GSI) has its pirqcon label; a
   *  dynamic one its MSI device's pcidevicecon label; any other (HPET, IOMMU) is unlabeled. */
  private irqLabel(hook: XsmHook, xen: string, cur: Domain, irq: IrqRef): IrqLabel {
    const n = irq.irq;
    if (n < 0 || n >= NR_IRQS) return { rc: this.refuse(hook, xen, cur, "resource", "add_irq", "-EINVAL", `get_irq_sid: irq ${n} is not below nr_irqs (${NR_IRQS})`) };
    if (n < NR_IRQS_GSI || irq.msi === undefined) {
      const sid = n < NR_IRQS_GSI ? this.ss.irqSid(n) : SECINITSID_UNLABELED;
      if (sid < 0) return { rc: this.invalid(hook, xen, cur, this.ss.policy.pirqContext(n)!, PERM.add) };
      return { sid, ad: AD_IRQ, arg: n };
    }
    const sid = this.ss.deviceSid(irq.msi);
    if (sid < 0) return { rc: this.invalid(hook, xen, cur, this.ss.policy.pcideviceContext(irq.msi)!, PERM.add) };
    return { sid, ad: AD_DEV, arg: irq.msi };
  }

  // _iomem_has_perm / _ioport_has_perm after current_has_perm(d, add|remove): every piece, in
  // address order, until one is refused
  private rangeHasPerm(hook: XsmHook, xen: string, cur: Domain, d: Domain, allow: boolean, perm: string, pieces: LabelledPiece[]): Rc {
    const rc = this.currentHasPerm(hook, xen, cur, d, allow ? PERM.add : PERM.remove);
    if (rc !== 0) return rc;
    const ssid = this.ss.domainSid(cur);
    const dsid = this.ss.domainSid(d);
    for (const p of pieces) {
      if (p.sid < 0) return this.invalid(hook, xen, cur, p.context!, allow ? PERM.add : PERM.remove);
      const rc1 = this.resourceHasPerm(hook, xen, cur, ssid, cur, p.sid, perm, AD_RANGE, p.start, p.end);
      if (rc1 !== 0) return rc1;
      const rc2 = this.resourceHasPerm(hook, xen, cur, dsid, d, p.sid, null, AD_RANGE, p.start, p.end);
      if (rc2 !== 0) return rc2;
    }
    return 0;
  }

  /** avc_has_perm(sid of `who`, tsid, resource, perm) for the resource hooks; `perm` null is
   *  flask_iommu_resource_use_perm()'s. */
  private resourceHasPerm(hook: XsmHook, xen: string, cur: Domain, ssid: number, who: Domain, tsid: number, perm: string | null, ad: AuditKind, arg: number, arg2 = 0): Rc {
    if (ssid < 0) return this.invalid(hook, xen, cur, who.context!, PERM.add);
    if (perm === null) {
      const use = this.usePerm(who);
      return this.avcHasPerm(hook, xen, cur, ssid, tsid, use, ad, arg, arg2);
    }
    const resource = this.ss.hookClass("resource")!;
    return this.avcHasPermClass(hook, xen, cur, ssid, tsid, resource.id, "resource", resource.masks[perm]!, perm, ad, arg, arg2);
  }

  // ---- the domain lifecycle ------------------------------------------------------------------

  // mirrors flask_domain_create(): current -> the toolstack's label (ssidref) domain:create, no
  // audit data; then self_sid = security_transition_sid(sid, sid, domain). The boot path (idle
  // creating dom0 with SECINITSID_DOM0) is not a hypercall a scenario makes.
  domainCreate(cur: Domain, d: Domain): Rc {
    const hook = "domain_create";
    const xen = "flask_domain_create";
    const domain = this.ss.hookClass("domain");
    if (!domain) return this.noClass(hook, xen, cur, "domain", "create");
    const csid = this.ss.domainSid(cur);
    if (csid < 0) return this.refuseContext(hook, xen, cur, cur.context!, "domain", "create");
    const sid = this.ss.createdDomainSid(d);
    if (sid < 0) return this.refuseContext(hook, xen, cur, d.context!, "domain", "create");
    this.dsec.delete(d.domid);
    const rc = this.avcHasPermClass(hook, xen, cur, csid, sid, domain.id, "domain", domain.masks.create!, "create", AD_NULL_DOM, d.domid);
    if (rc !== 0) return rc;
    const self = this.transition(hook, xen, cur, sid, sid, domain, "self");
    if (self < 0) return "-EACCES";
    this.dsec.set(d.domid, { self });
    return 0;
  }

  // mirrors flask_domctl(): current_has_perm(d, class, perm) for the commands without their own hook
  domctl(cur: Domain, d: Domain, cmd: Domctl): Rc {
    const perm = DOMCTL_PERM[cmd];
    return this.currentHasPermClass("domctl", `flask_domctl ${cmd}`, cur, d, "domain", perm);
  }

  // mirrors flask_domctl()'s default, avc_unknown_permission("domctl", cmd): no policy question,
  // denied while enforcing (the policies here are built deny_unknown, checkpolicy's default)
  unknownDomctl(cur: Domain, _d: Domain, cmd: number): Rc {
    const enforcing = this.enforcing;
    const rc: Rc = enforcing ? "-EPERM" : 0;
    this.onCheck?.({ hook: "domctl", xen: "flask_domctl avc_unknown_permission", domid: cur.domid, allowed: rc === 0, rc, error: `FLASK: ${enforcing ? "Denying" : "Allowing"} unknown domctl: ${cmd}.` });
    return rc;
  }

  // mirrors flask_set_target(): current -> d domain2:make_priv_for, current -> target
  // domain2:set_as_target, d -> target domain:set_target (plain SIDs, no audit data); then d's
  // target_sid = security_transition_sid(target, d, domain): "(tsec, dsec) defaults the label to tsec".
  // flask_domctl asks nothing for XEN_DOMCTL_set_target in any release: do_domctl's refusals come first
  setTarget(cur: Domain, d: Domain, target: Domain, refuse?: () => Rc): Rc {
    const refused = refuse?.() ?? 0;
    if (refused !== 0) return refused;
    const hook = "set_target";
    const xen = "flask_set_target";
    const rc = this.currentHasPermClass(hook, xen, cur, d, "domain2", "make_priv_for");
    if (rc !== 0) return rc;
    const rc2 = this.currentHasPermClass(hook, xen, cur, target, "domain2", "set_as_target");
    if (rc2 !== 0) return rc2;
    const domain = this.ss.hookClass("domain");
    if (!domain) return this.noClass(hook, xen, cur, "domain", "set_target");
    const dsid = this.ss.domainSid(d);
    const tsid = this.ss.domainSid(target);
    if (dsid < 0 || tsid < 0) return this.refuseContext(hook, xen, cur, (dsid < 0 ? d : target).context!, "domain", "set_target");
    const rc3 = this.avcHasPermClass(hook, xen, cur, dsid, tsid, domain.id, "domain", domain.masks.set_target!, "set_target", AD_NULL_DOM, target.domid);
    if (rc3 !== 0) return rc3;
    const targetSid = this.transition(hook, xen, cur, tsid, dsid, domain, "target");
    if (targetSid < 0) return "-EACCES";
    const self = this.selfSid(d);
    if (self === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, cur, d, "domain", "set_target");
    this.dsec.set(d.domid, { self, target: targetSid });
    return 0;
  }

  // mirrors flask_evtchn_unbound(): the remote domain must exist (rcu_lock_domain_by_any_id,
  // -EPERM); the channel's label is security_transition_sid(d, remote, event), remote as
  // domain_target_sid(d, remote) sees it; current -> channel event:create, channel -> remote
  // event:bind, both without audit data; then the channel has the label
  evtchnUnbound(cur: Domain, d: Domain, chn: EvtchnRef, remoteDomid: number, remote: Domain | undefined): Rc {
    const hook = "evtchn_unbound";
    const xen = "flask_evtchn_unbound";
    if (remote === undefined) return this.refuse(hook, xen, cur, "event", "create", "-EPERM", `no domain ${remoteDomid} to open a channel to (rcu_lock_domain_by_any_id finds none): flask refuses before asking the policy`);
    const event = this.ss.hookClass("event");
    if (!event) return this.noClass(hook, xen, cur, "event", "create");
    const csid = this.ss.domainSid(cur);
    const sid1 = this.ss.domainSid(d);
    const sid2 = this.domainTargetSid(d, remote);
    if (sid2 === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, cur, d, "event", "create");
    const bad = csid < 0 ? cur : sid1 < 0 ? d : sid2 < 0 ? remote : undefined;
    if (bad) return this.refuseContext(hook, xen, cur, bad.context!, "event", "create");
    const newsid = this.transition(hook, xen, cur, sid1, sid2, event, "channel");
    if (newsid < 0) return "-EACCES";
    const rc = this.avcHasPermClass(hook, xen, cur, csid, newsid, event.id, "event", event.masks.create!, "create", AD_NULL_DOM, d.domid);
    if (rc !== 0) return rc;
    const rc2 = this.avcHasPermClass(hook, xen, cur, newsid, sid2, event.id, "event", event.masks.bind!, "bind", AD_NULL_DOM, remote.domid);
    if (rc2 !== 0) return rc2;
    chn.sid = newsid;
    return 0;
  }

  // mirrors flask_evtchn_interdomain(): the new local channel's label is
  // security_transition_sid(d1, d2, event); current (d1) -> it event:create, it -> d2 event:bind;
  // then the remote channel's label -> d1 (as domain_target_sid(d2, d1)) event:bind, re-validating
  // a binding whose remote side may have been relabelled or re-created since. Audit data names d1, d2.
  evtchnInterdomain(cur: Domain, chn1: EvtchnRef, d2: Domain, chn2: EvtchnRef): Rc {
    const hook = "evtchn_interdomain";
    const xen = "flask_evtchn_interdomain";
    const event = this.ss.hookClass("event");
    if (!event) return this.noClass(hook, xen, cur, "event", "create");
    const sid1 = this.ss.domainSid(cur);
    const sid2 = this.domainTargetSid(cur, d2);
    if (sid2 === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, cur, cur, "event", "create");
    const bad = sid1 < 0 ? cur : sid2 < 0 ? d2 : undefined;
    if (bad) return this.refuseContext(hook, xen, cur, bad.context!, "event", "create");
    const newsid = this.transition(hook, xen, cur, sid1, sid2, event, "channel");
    if (newsid < 0) return "-EACCES";
    const rc = this.avcHasPermClass(hook, xen, cur, sid1, newsid, event.id, "event", event.masks.create!, "create", AD_DOMAINS, d2.domid);
    if (rc !== 0) return rc;
    const rc2 = this.avcHasPermClass(hook, xen, cur, newsid, sid2, event.id, "event", event.masks.bind!, "bind", AD_DOMAINS, d2.domid);
    if (rc2 !== 0) return rc2;
    const back = this.domainTargetSid(d2, cur);
    if (back === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, cur, d2, "event", "bind");
    if (back < 0) return this.refuseContext(hook, xen, cur, cur.context!, "event", "bind");
    const rc3 = this.avcHasPermClass(hook, xen, cur, chn2.sid, back, event.id, "event", event.masks.bind!, "bind", AD_DOMAINS, d2.domid);
    if (rc3 !== 0) return rc3;
    chn1.sid = newsid;
    return 0;
  }

  // mirrors flask_evtchn_close_post(): a freed channel is unlabeled again
  evtchnClosePost(chn: EvtchnRef): void {
    chn.sid = SECINITSID_UNLABELED;
  }

  // mirrors flask_evtchn_send(): an interdomain channel asks domain_has_evtchn(d, chn, send);
  // an unbound one nothing; any other state avc_unknown_permission() (the policies here are built
  // deny_unknown, checkpolicy's default: -EPERM when enforcing)
  evtchnSend(cur: Domain, chn: EvtchnRef): Rc {
    if (chn.state === "interdomain") return this.domainHasEvtchn("evtchn_send", "flask_evtchn_send", cur, cur, chn, "send");
    if (chn.state === "unbound") return 0;
    const enforcing = this.enforcing;
    const rc: Rc = enforcing ? "-EPERM" : 0;
    const line = `FLASK: ${enforcing ? "Denying" : "Allowing"} unknown event channel state: ${ECS[chn.state]}.`;
    return this.refuse("evtchn_send", "flask_evtchn_send avc_unknown_permission", cur, "event", "send", rc, `${line} (port ${chn.port} is ${chn.state}: flask_evtchn_send knows only interdomain, IPI and unbound channels)`);
  }

  // mirrors flask_evtchn_status(): domain_has_evtchn(d, chn, status): the channel's own domain is
  // asked, not the caller
  evtchnStatus(cur: Domain, d: Domain, chn: EvtchnRef): Rc {
    return this.domainHasEvtchn("evtchn_status", "flask_evtchn_status", cur, d, chn, "status");
  }

  // mirrors flask_evtchn_reset(): domain_has_perm(current, d, event, reset)
  evtchnReset(cur: Domain, d: Domain): Rc {
    return this.currentHasPermClass("evtchn_reset", "flask_evtchn_reset", cur, d, "event", "reset");
  }

  // flask_show_security_evtchn() for the channels whose SID is their own (unbound, interdomain)
  evtchnLabel(chn: EvtchnRef): string | undefined {
    if (chn.state !== "unbound" && chn.state !== "interdomain") return undefined;
    return this.ss.sidtab.sidToString(chn.sid);
  }

  // mirrors flask_grant_mapref(): domain_has_perm(d1, d2, grant, map_read | map_write unless
  // GNTMAP_readonly): one AVC question with both bits, denied if either is missing
  grantMapref(d1: Domain, d2: Domain, readonly: boolean): Rc {
    return this.domainHasPermClass("grant_mapref", "flask_grant_mapref", d1, d2, "grant", readonly ? ["map_read"] : ["map_read", "map_write"]);
  }

  // flask_grant_unmapref, _setup, _query_size, _copy: domain_has_perm(d1, d2, grant, one permission)
  grantUnmapref(d1: Domain, d2: Domain): Rc {
    return this.domainHasPermClass("grant_unmapref", "flask_grant_unmapref", d1, d2, "grant", ["unmap"]);
  }

  grantSetup(d1: Domain, d2: Domain): Rc {
    return this.domainHasPermClass("grant_setup", "flask_grant_setup", d1, d2, "grant", ["setup"]);
  }

  grantQuerySize(d1: Domain, d2: Domain): Rc {
    return this.domainHasPermClass("grant_query_size", "flask_grant_query_size", d1, d2, "grant", ["query"]);
  }

  grantCopy(d1: Domain, d2: Domain): Rc {
    return this.domainHasPermClass("grant_copy", "flask_grant_copy", d1, d2, "grant", ["copy"]);
  }

  /** domain_has_perm(d1, d2, class, perms): domain_sid(d1) -> domain_target_sid(d1, d2), audit data
   *  naming both; several permissions are one AVC question (the check's perm names them all). */
  private domainHasPermClass(hook: XsmHook, xen: string, d1: Domain, d2: Domain, name: LifecycleClass, perms: string[]): Rc {
    const perm = perms.join(" ");
    const cls = this.ss.hookClass(name);
    if (!cls) return this.noClass(hook, xen, d1, name, perm);
    const ssid = this.ss.domainSid(d1);
    if (ssid < 0) return this.refuseContext(hook, xen, d1, d1.context!, name, perm);
    const tsid = this.domainTargetSid(d1, d2);
    if (tsid === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, d1, d1, name, perm);
    if (tsid < 0) return this.refuseContext(hook, xen, d1, d2.context!, name, perm);
    const mask = perms.reduce((m, p) => m | cls.masks[p]!, 0);
    return this.avcHasPermClass(hook, xen, d1, ssid, tsid, cls.id, name, mask, perm, AD_DOMAINS, d2.domid);
  }

  /** domain_has_evtchn(): avc_has_perm(domain_sid(d), evtchn_sid(chn), event, perm), no audit data. */
  private domainHasEvtchn(hook: XsmHook, xen: string, cur: Domain, d: Domain, chn: EvtchnRef, perm: "send" | "status"): Rc {
    const event = this.ss.hookClass("event");
    if (!event) return this.noClass(hook, xen, cur, "event", perm);
    const dsid = this.ss.domainSid(d);
    if (dsid < 0) return this.refuseContext(hook, xen, cur, d.context!, "event", perm);
    return this.avcHasPermClass(hook, xen, cur, dsid, chn.sid, event.id, "event", event.masks[perm]!, perm, AD_NULL_DOM, d.domid);
  }

  // A domain the model starts with was created before it (at boot, or by a toolstack): it gets now
  // the self_sid flask_domain_create computed then, and a device model the target_sid of
  // flask_set_target, under the policy and booleans it starts with.
  domainStarted(d: Domain, target?: Domain): void {
    this.selfSid(d, true);
    if (target) this.targetSid(d, target, true);
  }

  // flask_domain_free_security(): the domain's self and target labels go with it
  domainDestroyed(d: Domain): void {
    this.dsec.delete(d.domid);
  }

  /** domain_target_sid(): self_sid for the domain itself, target_sid for its device model's
   *  target, the domain's own SID otherwise. -1 if a context is invalid. */
  private domainTargetSid(src: Domain, dst: Domain): number {
    if (src.domid === dst.domid) return this.selfSid(src);
    if (src.target !== undefined && src.target === dst.domid) return this.targetSid(src, dst);
    return this.ss.domainSid(dst);
  }

  // self_sid as flask_domain_create computes it; computed here on first use for a domain nobody
  // created or announced through domainStarted (a library caller's own domains), as if announced then.
  private selfSid(d: Domain, announced = false): number {
    const known = this.dsec.get(d.domid)?.self;
    if (known !== undefined) return known;
    const sid = this.ss.domainSid(d);
    if (sid < 0) return sid;
    if (!announced && !this.mayLabelOnFirstUse()) return UNANNOUNCED;
    const domain = this.ss.hookClass("domain");
    const self = domain ? this.ss.transitionSid(sid, sid, domain.id, true).sid : sid;
    this.dsec.set(d.domid, { ...this.dsec.get(d.domid), self });
    return self;
  }

  // target_sid as flask_set_target computes it, for a device model the scenario starts with
  private targetSid(dm: Domain, target: Domain, announced = false): number {
    const known = this.dsec.get(dm.domid)?.target;
    if (known !== undefined) return known;
    const dsid = this.ss.domainSid(dm);
    const tsid = this.ss.domainSid(target);
    if (dsid < 0 || tsid < 0) return -1;
    if (!announced && !this.mayLabelOnFirstUse()) return UNANNOUNCED;
    const domain = this.ss.hookClass("domain");
    const sid = domain ? this.ss.transitionSid(tsid, dsid, domain.id, true).sid : tsid;
    this.dsec.set(dm.domid, { self: this.selfSid(dm, announced), target: sid });
    return sid;
  }

  /**
   * A domain labelled on first use rather than created (domainCreate) or announced
   * (domainStarted). Xen labels a domain once, when it is created, under the policy and booleans
   * of that moment; on first use here the label is the one the current policy gives. That is the
   * same label while nothing changed since the first such domain was labelled, and a guess after a
   * policy load or a boolean commit: then the hook refuses (unannouncedRefusal), as a result the
   * caller sees like any other, with nothing changed.
   */
  private mayLabelOnFirstUse(): boolean {
    if (this.lazyServer === undefined) this.lazyServer = this.ss;
    return this.lazyServer === this.ss;
  }

  /** The refusal of a hook that needs the label of a domain nobody announced (see
   *  mayLabelOnFirstUse): -ESRCH, the check carrying what to do. The simulator never gets here
   *  (it announces every domain it starts with, and refuses a device model whose target is made later). */
  private unannouncedRefusal(hook: XsmHook, xen: string, cur: Domain, d: Domain, tclass: string, perm: string): Rc {
    return this.refuse(
      hook,
      xen,
      cur,
      tclass,
      perm,
      "-ESRCH",
      `domain ${d.domid} (${d.name}) was neither created (domainCreate) nor announced (domainStarted) before a policy load or boolean commit: its self or target label would depend on when it was first used. Call xsm.module.domainStarted(d, target) for every domain that exists before the policy or its booleans change (PciRegistry does for the domains it is given as an array), or create it with domainCreate`,
    );
  }

  /** security_transition_sid() for a hook: the new SID, or -1 when the policy refuses the computed
   *  context (compute_sid_handle_invalid_context: -EACCES when enforcing, printed either way).
   *  Listeners see the label as a check of its own. */
  private transition(hook: XsmHook, xen: string, cur: Domain, ssid: number, tsid: number, cls: HookClass, what: "self" | "target" | "channel"): number {
    const r = this.ss.transitionSid(ssid, tsid, cls.id, !this.enforcing);
    const scontext = this.ss.sidtab.sidToString(ssid);
    const tcontext = this.ss.sidtab.sidToString(tsid);
    const rc: Rc = r.sid < 0 ? "-EACCES" : 0;
    this.onCheck?.({
      hook,
      xen: `${xen} security_transition_sid`,
      domid: cur.domid,
      ...(scontext !== undefined ? { scontext } : {}),
      ...(tcontext !== undefined ? { tcontext } : {}),
      tclass: cls.name,
      label: r.context,
      labels: what,
      ...(r.rule !== undefined ? { labelRule: r.rule } : {}),
      ...(r.roleRule !== undefined ? { labelRoleRule: r.roleRule } : {}),
      ...(r.rangeRule !== undefined ? { labelRangeRule: r.rangeRule } : {}),
      allowed: r.invalid === undefined,
      rc,
      ...(r.invalid !== undefined
        ? { error: `security_compute_sid: invalid context ${r.invalid} for scontext=${scontext} tcontext=${tcontext} tclass=${cls.name}` }
        : {}),
    });
    return r.sid;
  }

  // current_has_perm() -> domain_has_perm(current, d) on a lifecycle class
  private currentHasPermClass(hook: XsmHook, xen: string, cur: Domain, d: Domain, name: LifecycleClass, perm: string): Rc {
    const cls = this.ss.hookClass(name);
    if (!cls) return this.noClass(hook, xen, cur, name, perm);
    const ssid = this.ss.domainSid(cur);
    if (ssid < 0) return this.refuseContext(hook, xen, cur, cur.context!, name, perm);
    const tsid = this.domainTargetSid(cur, d);
    if (tsid === UNANNOUNCED) return this.unannouncedRefusal(hook, xen, cur, cur, name, perm);
    if (tsid < 0) return this.refuseContext(hook, xen, cur, d.context!, name, perm);
    return this.avcHasPermClass(hook, xen, cur, ssid, tsid, cls.id, name, cls.masks[perm]!, perm, AD_DOMAINS, d.domid);
  }

  private refuseContext(hook: XsmHook, xen: string, cur: Domain, context: string, tclass: string, perm: string): Rc {
    return this.refuse(hook, xen, cur, tclass, perm, "-EINVAL", `invalid context ${context}: ${this.ss.contextProblem(context)}`);
  }

  // Xen's validate_classes refuses a policy without the class; a model policy may lack it
  private noClass(hook: XsmHook, xen: string, cur: Domain, tclass: string, perm: string): Rc {
    return this.refuse(hook, xen, cur, tclass, perm, "-EACCES", `the policy declares no class ${tclass} (Xen's validate_classes refuses such a policy)`);
  }

  /** avc_has_perm() on class `resource` with RESOURCE_PERMS[perm]: the PCI hooks' question. */
  private avcHasPerm(hook: XsmHook, xen: string, cur: Domain, ssid: number, tsid: number, perm: number, ad: AuditKind, arg: number, arg2 = 0): Rc {
    const resource = this.ss.resource;
    return this.avcHasPermClass(hook, xen, cur, ssid, tsid, resource.id, "resource", resource.masks[perm]!, RESOURCE_PERMS[perm]!, ad, arg, arg2);
  }

  /**
   * avc_has_perm(): avc_has_perm_noaudit() then avc_audit(). A denial in permissive mode is
   * granted into the cache entry (avc_update_node AVC_CALLBACK_GRANT), so it is logged once
   * until the next reset. Builds no string unless the decision is audited or someone listens.
   */
  private avcHasPermClass(
    hook: XsmHook,
    xen: string,
    cur: Domain,
    ssid: number,
    tsid: number,
    tclass: number,
    tclassName: string,
    requested: number,
    permName: string,
    ad: AuditKind,
    arg: number,
    arg2 = 0,
  ): Rc {
    const avc = this.avc;
    const slot = avc.lookup(ssid, tsid, tclass);
    const policyAllowed = avc.allowed[slot]!;
    const allowed = policyAllowed | avc.granted[slot]!;
    let rc: Rc = 0;
    if ((requested & ~allowed) !== 0) {
      // avc_has_perm_noaudit: a permissive source type, like permissive mode, lets it through
      if (this.enforcing && avc.permissive[slot] === 0) rc = "-EACCES";
      else avc.granted[slot] = avc.granted[slot]! | requested;
    }
    const audit = avcAuditMask(requested, allowed, avc.auditallow[slot]!, avc.auditdeny[slot]!, false);
    if (audit === null && this.onCheck === undefined) return rc;
    const line = audit === null ? undefined : this.auditLine(audit.denied, audit.audited, cur, ssid, tsid, tclass, tclassName, ad, arg, arg2);
    if (line !== undefined) this.onAudit?.(line);
    this.onCheck?.({
      hook,
      xen,
      domid: cur.domid,
      scontext: this.ss.sidtab.sidToString(ssid),
      tcontext: this.ss.sidtab.sidToString(tsid),
      tclass: tclassName,
      perm: permName,
      ...(ad === AD_DOMAINS || ad === AD_NULL_DOM ? { tdomid: arg } : ad === AD_IRQ ? { irq: arg } : ad === AD_RANGE ? { range: { start: arg, end: arg2 } } : { device: arg }),
      allowed: (requested & ~policyAllowed) === 0,
      rc,
      ...(line !== undefined ? { audit: line } : {}),
    });
    return rc;
  }

  // avc_audit()'s line, with avc_dump_av's names for the audited bits
  private auditLine(denied: boolean, audited: number, cur: Domain, ssid: number, tsid: number, tclass: number, tclassName: string, ad: AuditKind, arg: number, arg2: number): string {
    const { policy, sidtab } = this.ss;
    const perms = policy.permNames(tclass, audited);
    const named = perms.reduce((m, p) => m | policy.permMask(tclass, p), 0);
    const data: AvcAuditData | null =
      ad === AD_DEV
        ? { type: "dev", device: arg }
        : ad === AD_DOMAINS
          ? { type: "none", sdom: cur.domid, tdom: arg }
          : ad === AD_IRQ
            ? { type: "irq", irq: arg }
            : ad === AD_RANGE
              ? { type: "range", range: { start: arg, end: arg2 } }
              : null;
    return formatAvcAudit({
      denied,
      perms,
      unknownBits: audited & ~named,
      currentDomid: cur.domid,
      data,
      ssid,
      scontext: sidtab.sidToString(ssid),
      tsid,
      tcontext: sidtab.sidToString(tsid),
      tclass: tclassName,
    });
  }

  // security_context_to_sid() failed: Xen returns its -EINVAL before asking the AVC
  private invalid(hook: XsmHook, xen: string, cur: Domain, context: string, perm: number): Rc {
    return this.refuse(hook, xen, cur, "resource", RESOURCE_PERMS[perm]!, "-EINVAL", `invalid context ${context}: ${this.ss.contextProblem(context)}`);
  }

  /** A check that could not be asked of the AVC, reported with why and what it returned. */
  private refuse(hook: XsmHook, xen: string, cur: Domain, tclass: string, perm: string, rc: Rc, error: string): Rc {
    this.onCheck?.({ hook, xen, domid: cur.domid, tclass, perm, allowed: rc === 0, rc, error });
    return rc;
  }
}
