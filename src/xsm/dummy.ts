// The dummy XSM module: Xen's behaviour without FLASK (xen/include/xsm/dummy.h).
import type { AssignCheck, Domain, Domctl, EvtchnRef, IoDomctl, IrqRef, Rc, XsmCheck, XsmDefaultAction, XsmDomainHooks, XsmEvtchnHooks, XsmGrantHooks, XsmHook, XsmIoHooks, XsmModule } from "./types.js";

/**
 * Mirrors xsm_default_action() in dummy.h, fall-throughs included: XSM_TARGET passes for self;
 * XSM_XS_PRIV for xenstore (XSM_TARGET skips that test: its case label sits inside the self
 * block); both then fall to XSM_DM_PRIV (the target's device model) and XSM_PRIV (the
 * privileged domain). XSM_OTHER has no default (a link error in Xen) and is refused.
 */
export function xsmDefaultAction(action: XsmDefaultAction, src: Domain, target: Domain | null): Rc {
  switch (action) {
    case "XSM_HOOK":
      return 0;
    case "XSM_TARGET":
      if (target !== null && src.domid === target.domid) return 0;
      return dmPriv(src, target);
    case "XSM_XS_PRIV":
      if (src.xenstore === true) return 0;
      return dmPriv(src, target);
    case "XSM_DM_PRIV":
      return dmPriv(src, target);
    case "XSM_PRIV":
      return src.control ? 0 : "-EPERM";
    default:
      return "-EPERM";
  }
}

function dmPriv(src: Domain, target: Domain | null): Rc {
  if (target !== null && src.target !== undefined && src.target === target.domid) return 0;
  return src.control ? 0 : "-EPERM";
}

export interface DummyOptions {
  /**
   * Xen's do_domctl() asks xsm_domctl() before XEN_DOMCTL_{assign,deassign,test_assign}_device
   * reach their own hooks; dummy.h's xsm_domctl gives those commands XSM_PRIV (flask_domctl
   * returns 0 for them). With the gate (the default) assignment by an unprivileged domain gets
   * -EPERM as it does in Xen; without it only the XSM_HOOK of xsm_assign_device is applied.
   */
  domctlGate?: boolean;
  /** Where the assignment domctls ask (types.ts AssignCheck): with xsm_domctl (XSA-492) dummy.h has
   *  no xsm_{,de}assign_device, so the gate is the only check. Default xsm_assign_device. */
  assignCheck?: AssignCheck;
}

/** The dummy module: every hook with the default action dummy.h gives it. */
export class DummyXsm implements XsmModule, XsmDomainHooks, XsmIoHooks, XsmEvtchnHooks, XsmGrantHooks {
  readonly name = "dummy" as const;
  onCheck: ((check: XsmCheck) => void) | undefined = undefined;
  private readonly domctlGate: boolean;
  readonly assignCheck: AssignCheck;

  constructor(options: DummyOptions = {}) {
    this.domctlGate = options.domctlGate ?? true;
    this.assignCheck = options.assignCheck ?? "xsm_assign_device";
  }

  // dummy.h xsm_resource_plug_pci: XSM_PRIV, target NULL
  resourcePlugPci(cur: Domain, _machineBdf: number): Rc {
    return this.apply("resource_plug_pci", "xsm_resource_plug_pci", "XSM_PRIV", cur, null);
  }

  // dummy.h xsm_resource_unplug_pci: XSM_PRIV, target NULL
  resourceUnplugPci(cur: Domain, _machineBdf: number): Rc {
    return this.apply("resource_unplug_pci", "xsm_resource_unplug_pci", "XSM_PRIV", cur, null);
  }

  // dummy.h xsm_resource_setup_pci: XSM_PRIV, target NULL
  resourceSetupPci(cur: Domain, _machineBdf: number): Rc {
    return this.apply("resource_setup_pci", "xsm_resource_setup_pci", "XSM_PRIV", cur, null);
  }

  // do_domctl's xsm_domctl (XSM_PRIV), iommu_do_pci_domctl's refusals, then dummy.h xsm_assign_device:
  // XSM_HOOK (gone since XSA-492)
  assignDevice(cur: Domain, target: Domain, _machineBdf: number, refuse?: () => Rc): Rc {
    const rc = this.gate("assign_device", cur, target);
    if (rc !== 0) return rc;
    const refused = refuse?.() ?? 0;
    if (refused !== 0 || this.assignCheck === "xsm_domctl") return refused;
    return this.apply("assign_device", "xsm_assign_device", "XSM_HOOK", cur, target);
  }

  // do_domctl's xsm_domctl (XSM_PRIV), iommu_do_pci_domctl's refusals, then dummy.h xsm_deassign_device:
  // XSM_HOOK (gone since XSA-492)
  deassignDevice(cur: Domain, target: Domain, _machineBdf: number, refuse?: () => Rc): Rc {
    const rc = this.gate("deassign_device", cur, target);
    if (rc !== 0) return rc;
    const refused = refuse?.() ?? 0;
    if (refused !== 0 || this.assignCheck === "xsm_domctl") return refused;
    return this.apply("deassign_device", "xsm_deassign_device", "XSM_HOOK", cur, target);
  }

  // do_domctl's xsm_domctl (XSM_PRIV), then pci.c's xsm_assign_device(XSM_HOOK, NULL, sbdf):
  // XEN_DOMCTL_test_assign_device has no hook of its own in dummy.h (nor, since XSA-492, that one)
  testAssignDevice(cur: Domain, _machineBdf: number, refuse?: () => Rc): Rc {
    const rc = this.gate("test_assign_device", cur, null);
    if (rc !== 0) return rc;
    const refused = refuse?.() ?? 0;
    if (refused !== 0 || this.assignCheck === "xsm_domctl") return refused;
    return this.apply("test_assign_device", "xsm_assign_device", "XSM_HOOK", cur, null);
  }

  // before XSA-492: do_domctl's xsm_domctl (XSM_PRIV on d), then pci.c's xsm_get_device_group
  // (XSM_HOOK; each sibling too); since, xsm_domctl is not asked and the hook is XSM_PRIV
  getDeviceGroup(cur: Domain, d: Domain, _machineBdf: number, sibling: boolean, refuse?: () => Rc): Rc {
    if (!sibling && this.assignCheck !== "xsm_domctl") {
      const rc = this.gate("get_device_group", cur, d);
      if (rc !== 0) return rc;
    }
    const refused = refuse?.() ?? 0;
    if (refused !== 0) return refused;
    if (this.assignCheck === "xsm_domctl") return this.apply("get_device_group", "xsm_get_device_group", "XSM_PRIV", cur, null);
    return this.apply("get_device_group", "xsm_get_device_group", "XSM_HOOK", cur, null);
  }

  // do_domctl's xsm_domctl (XSM_PRIV; d is NULL for createdomain), then xsm_domain_create: XSM_HOOK
  domainCreate(cur: Domain, d: Domain): Rc {
    const rc = this.apply("domain_create", "xsm_domctl", "XSM_PRIV", cur, null);
    if (rc !== 0) return rc;
    return this.apply("domain_create", "xsm_domain_create", "XSM_HOOK", cur, d);
  }

  // dummy.h xsm_domctl: XSM_PRIV for every command but a few device-model and xenstore ones
  domctl(cur: Domain, d: Domain, cmd: Domctl): Rc {
    return this.apply("domctl", `xsm_domctl ${cmd}`, "XSM_PRIV", cur, d);
  }

  // dummy.h's xsm_domctl default: a command it does not list is XSM_PRIV
  unknownDomctl(cur: Domain, d: Domain, cmd: number): Rc {
    return this.apply("domctl", `xsm_domctl ${cmd}`, "XSM_PRIV", cur, d);
  }

  // before XSA-492 do_domctl's xsm_domctl (XSM_PRIV), its refusals, then xsm_set_target: XSM_HOOK;
  // since, the refusals, then xsm_set_target(XSM_PRIV) alone
  setTarget(cur: Domain, d: Domain, _target: Domain, refuse?: () => Rc): Rc {
    if (this.assignCheck !== "xsm_domctl") {
      const rc = this.apply("set_target", "xsm_domctl", "XSM_PRIV", cur, d);
      if (rc !== 0) return rc;
    }
    const refused = refuse?.() ?? 0;
    if (refused !== 0) return refused;
    return this.assignCheck === "xsm_domctl" ? this.apply("set_target", "xsm_set_target", "XSM_PRIV", cur, d) : this.apply("set_target", "xsm_set_target", "XSM_HOOK", cur, d);
  }

  // event_channel.c evtchn_alloc_unbound: xsm_evtchn_unbound(XSM_TARGET, d, ...): current -> d;
  // the remote domain is not looked at (it need not exist)
  evtchnUnbound(cur: Domain, d: Domain, _chn: EvtchnRef, _remoteDomid: number, _remote: Domain | undefined): Rc {
    return this.apply("evtchn_unbound", "xsm_evtchn_unbound", "XSM_TARGET", cur, d);
  }

  // evtchn_bind_interdomain: xsm_evtchn_interdomain(XSM_HOOK, ld, lchn, rd, rchn)
  evtchnInterdomain(cur: Domain, _chn1: EvtchnRef, d2: Domain, _chn2: EvtchnRef): Rc {
    return this.apply("evtchn_interdomain", "xsm_evtchn_interdomain", "XSM_HOOK", cur, d2);
  }

  // dummy.h xsm_evtchn_close_post: nothing
  evtchnClosePost(_chn: EvtchnRef): void {}

  // evtchn_send: xsm_evtchn_send(XSM_HOOK, ld, lchn), default action (d, NULL)
  evtchnSend(cur: Domain, _chn: EvtchnRef): Rc {
    return this.apply("evtchn_send", "xsm_evtchn_send", "XSM_HOOK", cur, null);
  }

  // evtchn_status: xsm_evtchn_status(XSM_TARGET, d, chn): current -> d
  evtchnStatus(cur: Domain, d: Domain, _chn: EvtchnRef): Rc {
    return this.apply("evtchn_status", "xsm_evtchn_status", "XSM_TARGET", cur, d);
  }

  // do_event_channel_op EVTCHNOP_reset: xsm_evtchn_reset(XSM_TARGET, current->domain, d)
  evtchnReset(cur: Domain, d: Domain): Rc {
    return this.apply("evtchn_reset", "xsm_evtchn_reset", "XSM_TARGET", cur, d);
  }

  // dummy.h xsm_show_security_evtchn: NULL
  evtchnLabel(_chn: EvtchnRef): string | undefined {
    return undefined;
  }

  // dummy.h's grant hooks: mapref, unmapref and copy XSM_HOOK (anybody: Xen's own checks, the
  // granting guest's entry, decide); setup and query_size XSM_TARGET (the domain itself, its
  // device model, the control domain)
  grantMapref(d1: Domain, d2: Domain, _readonly: boolean): Rc {
    return this.apply("grant_mapref", "xsm_grant_mapref", "XSM_HOOK", d1, d2);
  }

  grantUnmapref(d1: Domain, d2: Domain): Rc {
    return this.apply("grant_unmapref", "xsm_grant_unmapref", "XSM_HOOK", d1, d2);
  }

  grantSetup(d1: Domain, d2: Domain): Rc {
    return this.apply("grant_setup", "xsm_grant_setup", "XSM_TARGET", d1, d2);
  }

  grantQuerySize(d1: Domain, d2: Domain): Rc {
    return this.apply("grant_query_size", "xsm_grant_query_size", "XSM_TARGET", d1, d2);
  }

  grantCopy(d1: Domain, d2: Domain): Rc {
    return this.apply("grant_copy", "xsm_grant_copy", "XSM_HOOK", d1, d2);
  }

  // The resource domctls have their own hooks. Before XSA-492 do_domctl asks xsm_domctl about them
  // first (ioDomctl) and each hook is XSM_HOOK; since, they skip xsm_domctl (dummy.h lists them as
  // unreachable there) and each hook carries the action xsm_domctl had given the command.

  // before XSA-492, dummy.h's xsm_domctl: XSM_DM_PRIV for memory_mapping, ioport_mapping and
  // {,un}bind_pt_irq (the device model's), XSM_PRIV for the rest
  ioDomctl(cur: Domain, d: Domain, cmd: IoDomctl): Rc {
    return this.apply("domctl", `xsm_domctl ${cmd}`, DM_PRIV_DOMCTLS.has(cmd) ? "XSM_DM_PRIV" : "XSM_PRIV", cur, d);
  }

  // XEN_DOMCTL_irq_permission and gsi_permission: xsm_irq_permission(XSM_PRIV, d, ...), XSM_HOOK before XSA-492
  irqPermission(cur: Domain, d: Domain, _irq: number, _allow: boolean): Rc {
    return this.apply("irq_permission", "xsm_irq_permission", this.resource("XSM_PRIV"), cur, d);
  }

  // domctl.c XEN_DOMCTL_iomem_permission: xsm_iomem_permission(XSM_PRIV, d, ...), XSM_HOOK before XSA-492
  iomemPermission(cur: Domain, d: Domain, _start: number, _end: number, _allow: boolean): Rc {
    return this.apply("iomem_permission", "xsm_iomem_permission", this.resource("XSM_PRIV"), cur, d);
  }

  // domctl.c XEN_DOMCTL_memory_mapping: xsm_iomem_mapping(XSM_DM_PRIV, d, ...), XSM_HOOK before XSA-492 (a5b7170c3b)
  iomemMapping(cur: Domain, d: Domain, _start: number, _end: number, _add: boolean): Rc {
    return this.apply("iomem_mapping", "xsm_iomem_mapping", this.resource("XSM_DM_PRIV"), cur, d);
  }

  // x86 arch_do_domctl XEN_DOMCTL_ioport_permission: xsm_ioport_permission(XSM_PRIV, d, ...), XSM_HOOK before XSA-492
  ioportPermission(cur: Domain, d: Domain, _start: number, _end: number, _allow: boolean): Rc {
    return this.apply("ioport_permission", "xsm_ioport_permission", this.resource("XSM_PRIV"), cur, d);
  }

  // x86 arch_do_domctl XEN_DOMCTL_ioport_mapping: xsm_ioport_mapping(XSM_DM_PRIV, d, ...), XSM_HOOK before XSA-492
  ioportMapping(cur: Domain, d: Domain, _start: number, _end: number, _add: boolean): Rc {
    return this.apply("ioport_mapping", "xsm_ioport_mapping", this.resource("XSM_DM_PRIV"), cur, d);
  }

  // physdev.c physdev_map_pirq: xsm_map_domain_pirq(XSM_DM_PRIV, d)
  mapDomainPirq(cur: Domain, d: Domain): Rc {
    return this.apply("map_domain_pirq", "xsm_map_domain_pirq", "XSM_DM_PRIV", cur, d);
  }

  // physdev.c physdev_unmap_pirq: xsm_unmap_domain_pirq(XSM_DM_PRIV, d)
  unmapDomainPirq(cur: Domain, d: Domain): Rc {
    return this.apply("unmap_domain_pirq", "xsm_unmap_domain_pirq", "XSM_DM_PRIV", cur, d);
  }

  // irq.c map_domain_pirq: xsm_map_domain_irq(XSM_HOOK, d, irq, data)
  mapDomainIrq(cur: Domain, d: Domain, _irq: IrqRef): Rc {
    return this.apply("map_domain_irq", "xsm_map_domain_irq", "XSM_HOOK", cur, d);
  }

  // irq.c unmap_domain_pirq: xsm_unmap_domain_irq(XSM_HOOK, d, irq, data)
  unmapDomainIrq(cur: Domain, d: Domain, _irq: IrqRef): Rc {
    return this.apply("unmap_domain_irq", "xsm_unmap_domain_irq", "XSM_HOOK", cur, d);
  }

  // x86 arch_do_domctl XEN_DOMCTL_bind_pt_irq: xsm_bind_pt_irq(XSM_DM_PRIV, d, bind), XSM_HOOK before XSA-492
  bindPtIrq(cur: Domain, d: Domain, _irq: IrqRef): Rc {
    return this.apply("bind_pt_irq", "xsm_bind_pt_irq", this.resource("XSM_DM_PRIV"), cur, d);
  }

  // x86 arch_do_domctl XEN_DOMCTL_unbind_pt_irq: xsm_unbind_pt_irq(XSM_DM_PRIV, d, bind), XSM_HOOK before XSA-492
  unbindPtIrq(cur: Domain, d: Domain): Rc {
    return this.apply("unbind_pt_irq", "xsm_unbind_pt_irq", this.resource("XSM_DM_PRIV"), cur, d);
  }

  /** A resource hook's action: since XSA-492 the one its caller passes, before it XSM_HOOK. */
  private resource(action: XsmDefaultAction): XsmDefaultAction {
    return this.assignCheck === "xsm_domctl" ? action : "XSM_HOOK";
  }

  domainStarted(_d: Domain, _target?: Domain): void {}

  domainDestroyed(_d: Domain): void {}

  private gate(hook: XsmHook, cur: Domain, target: Domain | null): Rc {
    if (!this.domctlGate) return 0;
    return this.apply(hook, "xsm_domctl", "XSM_PRIV", cur, target);
  }

  private apply(hook: XsmHook, xen: string, action: XsmDefaultAction, cur: Domain, target: Domain | null): Rc {
    const rc = xsmDefaultAction(action, cur, target);
    if (this.onCheck !== undefined) this.onCheck({ hook, xen, domid: cur.domid, action, allowed: rc === 0, rc });
    return rc;
  }
}

const DM_PRIV_DOMCTLS: ReadonlySet<IoDomctl> = new Set<IoDomctl>(["memory_mapping", "ioport_mapping", "bind_pt_irq", "unbind_pt_irq"]);

export function createDummyXsm(options: DummyOptions = {}): DummyXsm {
  return new DummyXsm(options);
}
