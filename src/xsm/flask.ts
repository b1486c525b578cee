// The flask module: the PCI hooks of xen/xsm/flask/hooks.c, one short method each, asking the AVC
// through avcHasPerm() (avc.c's avc_has_perm + avc_audit).
import { Avc } from "./avc.js";
import { avcAuditMask, formatAvcAudit, type AvcAuditData } from "./audit.js";
import { PERM, RESOURCE_PERMS, type SecurityServer } from "./security.js";
import type { Domain, IommuMode, Rc, XsmCheck, XsmHook, XsmModule } from "./types.js";

// struct avc_audit_data, flattened so a call allocates nothing: which kind, and its one argument.
const AD_NULL = 0; // no audit data: the line names the current domain
const AD_DOMAINS = 1; // domain_has_perm: sdom = current, tdom = the argument
const AD_DEV = 2; // AVC_AUDIT_DATA_DEV: device = machine_bdf
type AuditKind = typeof AD_NULL | typeof AD_DOMAINS | typeof AD_DEV;

export interface FlaskOptions {
  enforcing?: boolean;
  iommu?: IommuMode;
}

export class FlaskXsm implements XsmModule {
  readonly name = "flask" as const;
  onCheck: ((check: XsmCheck) => void) | undefined = undefined;
  /** Xen's printk of avc lines: called with every audited decision. */
  onAudit: ((line: string) => void) | undefined = undefined;
  /** flask_enforcing: a denial returns -EACCES; permissive logs it and lets it through. */
  enforcing: boolean;
  iommu: IommuMode;
  readonly avc: Avc;

  constructor(
    public ss: SecurityServer,
    options: FlaskOptions = {},
  ) {
    this.enforcing = options.enforcing ?? true;
    this.iommu = options.iommu ?? "intremap";
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
  // domain -> device use_* (flask_iommu_resource_use_perm)
  assignDevice(cur: Domain, target: Domain, machineBdf: number): Rc {
    const hook = "assign_device";
    const xen = "flask_assign_device";
    const rc = this.currentHasPerm(hook, xen, cur, target, PERM.add);
    if (rc !== 0) return rc;
    const rc2 = this.deviceHasPerm(hook, xen, cur, machineBdf, PERM.add_device, AD_DEV);
    if (rc2 !== 0) return rc2;
    return this.domainDeviceHasPerm(hook, xen, cur, target, machineBdf, this.usePerm());
  }

  // mirrors flask_deassign_device(): current -> domain remove, current -> device remove_device
  // (no audit data on the second check, as in Xen)
  deassignDevice(cur: Domain, target: Domain, machineBdf: number): Rc {
    const hook = "deassign_device";
    const xen = "flask_deassign_device";
    const rc = this.currentHasPerm(hook, xen, cur, target, PERM.remove);
    if (rc !== 0) return rc;
    return this.deviceHasPerm(hook, xen, cur, machineBdf, PERM.remove_device, AD_NULL);
  }

  // mirrors flask_test_assign_device(): current -> device stat_device
  testAssignDevice(cur: Domain, machineBdf: number): Rc {
    return this.deviceHasPerm("test_assign_device", "flask_test_assign_device", cur, machineBdf, PERM.stat_device, AD_NULL);
  }

  /** flask_iommu_resource_use_perm() */
  usePerm(): number {
    if (this.iommu === "none") return PERM.use_noiommu;
    return this.iommu === "intremap" ? PERM.use_iommu : PERM.use_iommu_nointremap;
  }

  // current_has_perm() -> domain_has_perm(current, d): audit data names both domains
  private currentHasPerm(hook: XsmHook, xen: string, cur: Domain, d: Domain, perm: number): Rc {
    const ssid = this.ss.domainSid(cur);
    if (ssid < 0) return this.invalid(hook, xen, cur, cur.context!, perm);
    const tsid = this.domainTargetSid(cur, d);
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

  /** domain_target_sid(): self_sid for the domain itself, target_sid for its device model's target.
   *  Both come from security_transition_sid(), which CompiledPolicy does not offer; without a
   *  type_transition on class domain they equal the target's own SID, which is what this returns. */
  private domainTargetSid(_src: Domain, dst: Domain): number {
    return this.ss.domainSid(dst);
  }

  /**
   * avc_has_perm(): avc_has_perm_noaudit() then avc_audit(). A denial in permissive mode is
   * granted into the cache entry (avc_update_node AVC_CALLBACK_GRANT), so it is logged once
   * until the next reset. Builds no string unless the decision is audited or someone listens.
   */
  private avcHasPerm(hook: XsmHook, xen: string, cur: Domain, ssid: number, tsid: number, perm: number, ad: AuditKind, arg: number): Rc {
    const tclass = this.ss.resource.id;
    const requested = this.ss.resource.masks[perm]!;
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
    const line = audit === null ? undefined : this.auditLine(audit.denied, audit.audited, cur, ssid, tsid, ad, arg);
    if (line !== undefined) this.onAudit?.(line);
    this.onCheck?.({
      hook,
      xen,
      domid: cur.domid,
      scontext: this.ss.sidtab.sidToString(ssid),
      tcontext: this.ss.sidtab.sidToString(tsid),
      tclass: "resource",
      perm: RESOURCE_PERMS[perm],
      ...(ad === AD_DOMAINS ? { tdomid: arg } : { device: arg }),
      allowed: (requested & ~policyAllowed) === 0,
      rc,
      ...(line !== undefined ? { audit: line } : {}),
    });
    return rc;
  }

  // avc_audit()'s line, with avc_dump_av's names for the audited bits
  private auditLine(denied: boolean, audited: number, cur: Domain, ssid: number, tsid: number, ad: AuditKind, arg: number): string {
    const { policy, sidtab, resource } = this.ss;
    const perms = policy.permNames(resource.id, audited);
    const named = perms.reduce((m, p) => m | policy.permMask(resource.id, p), 0);
    const data: AvcAuditData | null =
      ad === AD_DEV ? { type: "dev", device: arg } : ad === AD_DOMAINS ? { type: "none", sdom: cur.domid, tdom: arg } : null;
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
      tclass: "resource",
    });
  }

  // security_context_to_sid() failed: Xen returns its -EINVAL before asking the AVC
  private invalid(hook: XsmHook, xen: string, cur: Domain, context: string, perm: number): Rc {
    const rc: Rc = "-EINVAL";
    this.onCheck?.({
      hook,
      xen,
      domid: cur.domid,
      tclass: "resource",
      perm: RESOURCE_PERMS[perm],
      allowed: false,
      rc,
      error: `invalid context ${context}: ${this.ss.contextProblem(context)}`,
    });
    return rc;
  }
}
