// The contract between the XSM layer and its callers (the PCI registry, the simulator, the CLI).
// Mirrors xen/include/xsm/xsm.h: hooks take the calling domain ("current") and return 0 or -errno.

import type { Rc } from "../xen/errno.js";

export type { ErrnoName, Rc } from "../xen/errno.js";

export interface Domain {
  readonly domid: number;
  readonly name: string;
  /** Security context text, e.g. "system_u:system_r:svp_hwdom_t" (flask only). */
  readonly context?: string;
  /** Privileged (is_control_domain): what the dummy module trusts. */
  readonly control: boolean;
  /** A hardware domain: devices it adds are owned by it. */
  readonly hardware: boolean;
  /** Xen's d->target: the domid this domain is the device model for (dummy.h XSM_DM_PRIV). */
  readonly target?: number;
  /** Xen's d->is_xenstore (dummy.h XSM_XS_PRIV). */
  readonly xenstore?: boolean;
  /** is_hvm_domain(d): a guest with a p2m (memory_mapping maps into it, bind_pt_irq binds to it). */
  readonly hvm?: boolean;
  /** has_pirq(d): an HVM guest created with XEN_X86_EMU_USE_PIRQ (xl.cfg hvm_pirq=1, off by
   *  default): it maps its own emulated GSIs to pirqs (physdev_hvm_map_pirq). */
  readonly hvmPirq?: boolean;
  /** is_hvm_pv_evtchn_domain(d): the guest registered a vector callback for event channels (Linux
   *  PVHVM guests do); without it physdev_map_pirq refuses the guest's own map. Default true. */
  readonly callbackVector?: boolean;
  /** is_iommu_enabled(d): false for a domain created without XEN_DOMCTL_CDF_iommu (xl.cfg
   *  passthrough="disabled", libxl's default for a guest configured without devices) on a host
   *  with an IOMMU. Undefined: the host's (every domain uses the IOMMU when there is one). */
  readonly iommu?: boolean;
}

export type XsmHook =
  | "resource_plug_pci"
  | "resource_unplug_pci"
  | "resource_setup_pci"
  | "assign_device"
  | "deassign_device"
  | "test_assign_device"
  | "get_device_group"
  | "domain_create"
  | "domctl"
  | "set_target"
  | "evtchn_unbound"
  | "evtchn_interdomain"
  | "evtchn_send"
  | "evtchn_status"
  | "evtchn_reset"
  | "grant_mapref"
  | "grant_unmapref"
  | "grant_setup"
  | "grant_query_size"
  | "grant_copy"
  | "irq_permission"
  | "iomem_permission"
  | "iomem_mapping"
  | "ioport_permission"
  | "ioport_mapping"
  | "map_domain_pirq"
  | "unmap_domain_pirq"
  | "map_domain_irq"
  | "unmap_domain_irq"
  | "bind_pt_irq"
  | "unbind_pt_irq";

/** The domctls without a hook of their own that the domain lifecycle makes (`xl create` and
 *  `xl destroy`): flask_domctl gives each a class and permission, dummy.h's xsm_domctl XSM_PRIV. */
export type Domctl = "max_mem" | "unpausedomain" | "destroydomain";

/** xen/include/xsm/dummy.h default actions. */
export type XsmDefaultAction = "XSM_HOOK" | "XSM_DM_PRIV" | "XSM_TARGET" | "XSM_PRIV" | "XSM_XS_PRIV" | "XSM_OTHER";

/** The domctls with an XSM hook of their own that a device's passthrough makes (XsmIoHooks):
 *  before XSA-492 do_domctl asks xsm_domctl about each first (dummy.h: XSM_DM_PRIV for the
 *  device model's four, XSM_PRIV for the rest; flask_domctl returns 0 for them), and their hooks
 *  are XSM_HOOK; since, do_domctl hands them on before xsm_domctl and each hook carries the action. */
export type IoDomctl = "irq_permission" | "gsi_permission" | "iomem_permission" | "ioport_permission" | "memory_mapping" | "ioport_mapping" | "bind_pt_irq" | "unbind_pt_irq";

/** IOMMU mode: picks the perm of the target-domain -> device check on assignment. */
export type IommuMode = "intremap" | "nointremap" | "none";

/**
 * Where Xen asks XSM about XEN_DOMCTL_{,test_,de}assign_device. `xsm_assign_device`: the hooks
 * xsm_assign_device / xsm_deassign_device, called by iommu_do_pci_domctl() after its own refusals
 * (self-assignment, a dying domain); flask_domctl asks nothing for them. `xsm_domctl`: XSA-492
 * (eab54f074f, "domctl/XSM: drop {,de}assign_{,dt}device hooks") dropped those hooks; flask_domctl
 * calls flask_{,de}assign_device itself, so the checks come before the refusals, and dummy.h's
 * xsm_domctl (XSM_PRIV) is all the dummy module asks. The same switch says where the resource
 * domctls ask (IoDomctl): XSA-492's other patches (923d69856a's siblings in 4.19.6, 4.20.4, 4.21.2)
 * moved them, XEN_DOMCTL_get_device_group and set_target ahead of xsm_domctl and gave their hooks
 * the actions dummy.h's xsm_domctl had given the commands.
 */
export const ASSIGN_CHECKS = ["xsm_assign_device", "xsm_domctl"] as const;
export type AssignCheck = (typeof ASSIGN_CHECKS)[number];

/** One permission check a module made, in the order made. The registry and simulator report these. */
export interface XsmCheck {
  hook: XsmHook;
  /** Calling domain. */
  domid: number;
  /** flask: the AVC question. */
  scontext?: string;
  tcontext?: string;
  tclass?: string;
  perm?: string;
  /** dummy: the default action applied. */
  action?: XsmDefaultAction;
  /** flask: the object asked about, when it is a device (machine_bdf, seg<<16|bus<<8|devfn) or a domain. */
  device?: number;
  tdomid?: number;
  /** flask: the IRQ asked about (AVC_AUDIT_DATA_IRQ), or the frames or ports (AVC_AUDIT_DATA_RANGE). */
  irq?: number;
  range?: { start: number; end: number };
  /** What the policy (or default action) decided. */
  allowed: boolean;
  /** What this check returned (0 when permissive lets a denial through). */
  rc: Rc;
  /** The avc line, when the decision is audited (flask only). */
  audit?: string;
  /** The Xen function that made the check, e.g. "xsm_domctl", "flask_assign_device". */
  xen?: string;
  /** flask: the context security_transition_sid computed (a check that labels, not asks), */
  label?: string;
  /** what it labels: the new domain's `self`, a device model's view of its `target`, a `channel`, */
  labels?: "self" | "target" | "channel";
  /** and the type rule that chose the type, as written (none: the default), */
  labelRule?: string;
  /** the role_transition that chose the role (none: the source's role), */
  labelRoleRule?: string;
  /** the range_transition that chose the range (MLS; none: mls_compute_sid's default). */
  labelRangeRule?: string;
  /** Why the check could not be asked (e.g. a domain context the policy rejects); rc says what it returned. */
  error?: string;
}

export interface XsmModule {
  readonly name: "dummy" | "flask";
  resourcePlugPci(cur: Domain, machineBdf: number): Rc;
  resourceUnplugPci(cur: Domain, machineBdf: number): Rc;
  resourceSetupPci(cur: Domain, machineBdf: number): Rc;
  /** xsm_assign_device: cur -> target resource:add, cur -> device resource:add_device,
   *  target -> device use_iommu | use_iommu_nointremap | use_noiommu. `refuse` is
   *  iommu_do_pci_domctl's own refusals (self-assignment, a dying domain): a module calls it where
   *  its Xen makes them (AssignCheck: after do_domctl's xsm_domctl and before this hook, or after
   *  every check) and returns its error, if any (the registry asks it itself of a module that does not). */
  assignDevice(cur: Domain, target: Domain, machineBdf: number, refuse?: () => Rc): Rc;
  /** xsm_deassign_device: cur -> target resource:remove, cur -> device resource:remove_device;
   *  `refuse` as for assignDevice (self-deassignment). */
  deassignDevice(cur: Domain, target: Domain, machineBdf: number, refuse?: () => Rc): Rc;
  /** XEN_DOMCTL_test_assign_device's check when the domctl names no domain (DOMID_INVALID):
   *  xsm_assign_device with d NULL (flask_test_assign_device, stat_device). `refuse` is
   *  iommu_do_domctl's (no IOMMU), made where assignDevice makes its own. Naming a domain, the
   *  domctl asks what assignDevice asks (flask_assign_device with that d). */
  testAssignDevice(cur: Domain, machineBdf: number, refuse?: () => Rc): Rc;
  /** XEN_DOMCTL_get_device_group's xsm_get_device_group(machine_bdf) (flask: current -> device
   *  stat_device). `d` is the domain the domctl names: before XSA-492 do_domctl's xsm_domctl asked
   *  about it first (dummy XSM_PRIV; flask_domctl nothing). `sibling`: iommu_get_device_group's
   *  check of each device of `d` it would list, which only the hook makes. `refuse` is
   *  iommu_do_domctl's (no IOMMU): after xsm_domctl, before the hook, in every release. */
  getDeviceGroup(cur: Domain, d: Domain, machineBdf: number, sibling: boolean, refuse?: () => Rc): Rc;
  /** Called with every check as it is made; undefined = nobody listens (the fast path). */
  onCheck: ((check: XsmCheck) => void) | undefined;
}

/** The hooks of a domain's life (`xl create`, `xl destroy`) beside the PCI hooks: what the
 *  simulator's create_domain and destroy_domain steps call. Both modules implement them. */
export interface XsmDomainHooks {
  /** XEN_DOMCTL_createdomain: do_domctl's xsm_domctl, then xsm_domain_create for the new domain `d`
   *  (flask: current -> d's label domain:create, and d's `self` label from type_transition). */
  domainCreate(cur: Domain, d: Domain): Rc;
  /** xsm_domctl for a command without its own hook. */
  domctl(cur: Domain, d: Domain, cmd: Domctl): Rc;
  /** xsm_domctl for a command number this Xen does not know (a domctl of a later release, e.g. 88,
   *  XEN_DOMCTL_gsi_permission, on 4.19): flask_domctl's default, avc_unknown_permission (no policy
   *  question); dummy.h's default, XSM_PRIV. */
  unknownDomctl(cur: Domain, d: Domain, cmd: number): Rc;
  /** XEN_DOMCTL_set_target: `d` becomes the device model of `target` (xsm_set_target; flask labels
   *  `target` as `d` sees it). `refuse` is do_domctl's own refusals (no such target, self, not HVM,
   *  before XSA-492 a target already set): a module calls it where its Xen makes them, after
   *  xsm_domctl before XSA-492 and first since, and returns its error, if any. */
  setTarget(cur: Domain, d: Domain, target: Domain, refuse?: () => Rc): Rc;
  /** `d` exists when the model starts (built at boot or by a toolstack before it): it gets the labels
   *  its creation gave it (flask: the `self` label; a device model's view of its `target`). */
  domainStarted(d: Domain, target?: Domain): void;
  /** The domain is gone (xsm_free_security_domain): its labels are forgotten. */
  domainDestroyed(d: Domain): void;
}

/** An event channel's state (struct evtchn's ECS_*; the model has no VIRQ or IPI channels). */
export type EvtchnState = "free" | "reserved" | "unbound" | "interdomain" | "pirq";

/** ECS_FREE .. ECS_PIRQ: the numbers Xen prints for a state (avc_unknown_permission). */
export const ECS: Readonly<Record<EvtchnState, number>> = { free: 0, reserved: 1, unbound: 2, interdomain: 3, pirq: 4 };

/** An event channel as the XSM hooks see it (struct evtchn): its port, its state and its label
 *  (chn->ssid.flask_sid; the dummy module leaves it alone). A hook that labels the channel writes
 *  `sid`, as Xen's do. */
export interface EvtchnRef {
  readonly port: number;
  readonly state: EvtchnState;
  sid: number;
}

/** The event channel hooks (xsm.h), called by common/event_channel.c's operations. */
export interface XsmEvtchnHooks {
  /** EVTCHNOP_alloc_unbound: the free channel `chn` of `d` becomes unbound for domain `remoteDomid`
   *  to bind (xsm_evtchn_unbound); `remote` is that domain if it is live (flask refuses -EPERM
   *  otherwise; the dummy module does not look). flask labels the channel (type_transition on class event). */
  evtchnUnbound(cur: Domain, d: Domain, chn: EvtchnRef, remoteDomid: number, remote: Domain | undefined): Rc;
  /** EVTCHNOP_bind_interdomain: `cur`'s free channel `chn1` binds `d2`'s unbound `chn2`
   *  (xsm_evtchn_interdomain); flask labels chn1. */
  evtchnInterdomain(cur: Domain, chn1: EvtchnRef, d2: Domain, chn2: EvtchnRef): Rc;
  /** evtchn_free(): the channel is free again (xsm_evtchn_close_post: flask unlabels it). */
  evtchnClosePost(chn: EvtchnRef): void;
  /** EVTCHNOP_send on `cur`'s channel (xsm_evtchn_send). */
  evtchnSend(cur: Domain, chn: EvtchnRef): Rc;
  /** EVTCHNOP_status of `d`'s channel, asked by `cur` (xsm_evtchn_status). */
  evtchnStatus(cur: Domain, d: Domain, chn: EvtchnRef): Rc;
  /** EVTCHNOP_reset of `d`'s channels by `cur` (xsm_evtchn_reset). */
  evtchnReset(cur: Domain, d: Domain): Rc;
  /** xsm_show_security_evtchn: the channel's label as text (flask), for reports; undefined if none. */
  evtchnLabel(chn: EvtchnRef): string | undefined;
}

/** The grant table hooks (xsm.h, CONFIG_GRANT_TABLE), called by common/grant_table.c with the
 *  domain acting (d1: current, the mapper or copier) and the domain whose table it uses (d2). */
export interface XsmGrantHooks {
  /** GNTTABOP_map_grant_ref of d2's grant by d1 (xsm_grant_mapref; `readonly`: GNTMAP_readonly). */
  grantMapref(d1: Domain, d2: Domain, readonly: boolean): Rc;
  /** GNTTABOP_unmap_grant_ref of d1's mapping of d2's grant (xsm_grant_unmapref). */
  grantUnmapref(d1: Domain, d2: Domain): Rc;
  /** GNTTABOP_setup_table of d2's table by d1 (xsm_grant_setup). */
  grantSetup(d1: Domain, d2: Domain): Rc;
  /** GNTTABOP_query_size of d2's table by d1 (xsm_grant_query_size). */
  grantQuerySize(d1: Domain, d2: Domain): Rc;
  /** GNTTABOP_copy between d1 and d2 (xsm_grant_copy). */
  grantCopy(d1: Domain, d2: Domain): Rc;
}

/** An IRQ as flask's get_irq_sid() labels it: its number and, for an IRQ made for an MSI vector,
 *  the device the vector belongs to (irq_desc->msi_desc->dev, as machine_bdf). */
export interface IrqRef {
  irq: number;
  msi?: number;
}

/** The hooks of a device's resources (xsm.h): granting a domain IRQs, I/O memory and I/O ports
 *  (XEN_DOMCTL_irq_permission, iomem_permission, ioport_permission), mapping frames and ports
 *  into an HVM guest (XEN_DOMCTL_memory_mapping, ioport_mapping), mapping IRQs to a domain's pirqs (PHYSDEVOP_map_pirq,
 *  unmap_pirq) and binding them to an HVM guest (XEN_DOMCTL_bind_pt_irq, unbind_pt_irq).
 *  Ranges are inclusive, as Xen passes them. */
export interface XsmIoHooks {
  /** Where this module's Xen asks about the resource domctls (AssignCheck). */
  readonly assignCheck: AssignCheck;
  /** Before XSA-492: do_domctl's xsm_domctl about a resource domctl, before its own checks. */
  ioDomctl(cur: Domain, d: Domain, cmd: IoDomctl): Rc;
  irqPermission(cur: Domain, d: Domain, irq: number, allow: boolean): Rc;
  iomemPermission(cur: Domain, d: Domain, start: number, end: number, allow: boolean): Rc;
  iomemMapping(cur: Domain, d: Domain, start: number, end: number, add: boolean): Rc;
  ioportPermission(cur: Domain, d: Domain, start: number, end: number, allow: boolean): Rc;
  ioportMapping(cur: Domain, d: Domain, start: number, end: number, add: boolean): Rc;
  mapDomainPirq(cur: Domain, d: Domain): Rc;
  unmapDomainPirq(cur: Domain, d: Domain): Rc;
  mapDomainIrq(cur: Domain, d: Domain, irq: IrqRef): Rc;
  unmapDomainIrq(cur: Domain, d: Domain, irq: IrqRef): Rc;
  bindPtIrq(cur: Domain, d: Domain, irq: IrqRef): Rc;
  unbindPtIrq(cur: Domain, d: Domain): Rc;
}
