// The security server as flask's hooks see it (xen/xsm/flask/ss/services.c): a compiled policy,
// its SID table, and the resource class the PCI hooks ask about. Built whole before it is
// installed, so a policy load either replaces all of it or none of it.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Result } from "../diagnostics/result.js";
import { diagnostic, error } from "../diagnostics/diagnostic.js";
import type { AvDecision, CompiledPolicy, OcontextRange, SecurityContext } from "../policy/types.js";
import type { Domain, Rc } from "./types.js";
import {
  SECINITSID_DEVICE,
  SECINITSID_IOMEM,
  SECINITSID_IOPORT,
  SECINITSID_IRQ,
  SECINITSID_DOM0,
  SECINITSID_DOMIO,
  SECINITSID_DOMXEN,
  SECINITSID_UNLABELED,
  SECINITSID_XEN,
  SidTable,
} from "./sidtab.js";

/** Xen's reserved domids (public/xen.h). */
export const DOMID_IO = 0x7ff1;
export const DOMID_XEN = 0x7ff2;
export const DOMID_IDLE = 0x7fff;

/** The permissions of class `resource` the PCI hooks use (av_permissions.h RESOURCE__*). */
export const RESOURCE_PERMS = [
  "add",
  "remove",
  "plug",
  "unplug",
  "setup",
  "stat_device",
  "add_device",
  "remove_device",
  "use_iommu",
  "use_iommu_nointremap",
  "use_noiommu",
] as const;
export type ResourcePerm = (typeof RESOURCE_PERMS)[number];

/** Index of each permission in RESOURCE_PERMS: what the hooks pass, so a call reads a typed array. */
export const PERM = Object.fromEntries(RESOURCE_PERMS.map((p, i) => [p, i])) as { readonly [P in ResourcePerm]: number };

/** A missing permission gets a bit the class does not name: never allowed, printed as %#x. */
export interface ResourceClass {
  id: number;
  /** Mask of RESOURCE_PERMS[i] at index i. */
  masks: Int32Array;
}

/** The classes and permissions of the domain lifecycle hooks (flask_domain_create, flask_domctl,
 *  flask_set_target, the flask_evtchn_* and flask_grant_* hooks), av_permissions.h's DOMAIN__*, DOMAIN2__*, EVENT__*,
 *  and those of the resource hooks beyond the PCI ones (flask_map_domain_irq, flask_iomem_permission,
 *  flask_ioport_permission, flask_bind_pt_irq): RESOURCE__ADD_IRQ..., HVM__BIND_IRQ. */
export const LIFECYCLE_PERMS = {
  domain: ["create", "destroy", "unpause", "setdomainmaxmem", "set_target"],
  domain2: ["make_priv_for", "set_as_target"],
  event: ["create", "bind", "send", "status", "reset"],
  resource: ["add_irq", "remove_irq", "add_ioport", "remove_ioport", "add_iomem", "remove_iomem"],
  hvm: ["bind_irq"],
  grant: ["map_read", "map_write", "unmap", "setup", "query", "copy"],
} as const;
export type LifecycleClass = keyof typeof LIFECYCLE_PERMS;

/** A lifecycle class as the policy has it: its id and the mask of each permission the hooks use
 *  (a permission the policy lacks gets a bit the class never allows, as for `resource`). */
export interface HookClass {
  name: LifecycleClass;
  id: number;
  masks: Record<string, number>;
}

/** security_compute_sid's answer as the hooks take it: the new SID (-1 when refused) and, when the
 *  policy rejects the computed context, its text (Xen prints it; permissive mode keeps the SID). */
export interface TransitionResult {
  sid: number;
  /** The computed context's text. */
  context: string;
  invalid?: string;
  /** The type rule that chose the type, as written. */
  rule?: string;
  /** The role_transition that chose the role, as written. */
  roleRule?: string;
  /** The range_transition that chose the range, as written. */
  rangeRule?: string;
}

/** security_validate_transition's answer: its return code and the line Xen prints, if any. */
export interface ValidateTransitionResult {
  rc: Rc;
  log?: string;
  /** The validatetrans that failed, as written. */
  rule?: string;
}

const DENY_ALL: AvDecision = { allowed: 0, auditallow: 0, auditdeny: -1 };

export class SecurityServer {
  private constructor(
    readonly policy: CompiledPolicy,
    readonly sidtab: SidTable,
    readonly resource: ResourceClass,
    /** ocontext c->sid: pcidevicecon SIDs, resolved on first use; one per image, shared by its views. */
    private readonly deviceSids = new Map<number, number>(),
  ) {}

  // Lifecycle classes, resolved on first use (most runs only ask the PCI hooks); undefined = the
  // policy declares no such class (Xen's validate_classes would refuse the policy).
  private lifecycle: Partial<Record<LifecycleClass, HookClass | null>> = {};

  /** The lifecycle class `name` with its permission masks, or undefined when the policy lacks it. */
  hookClass(name: LifecycleClass): HookClass | undefined {
    let c = this.lifecycle[name];
    if (c === undefined) {
      const id = this.policy.classId(name);
      c = id < 0 ? null : { name, id, masks: lifecycleMasks(this.policy, id, LIFECYCLE_PERMS[name]) };
      this.lifecycle[name] = c;
    }
    return c ?? undefined;
  }

  /**
   * security_transition_sid(): the SID of what `ssid` creates with `tsid` in class `tclass`
   * (src/policy/transition.ts computes the context). A context the policy rejects comes back as
   * `invalid` with its text; the caller decides as compute_sid_handle_invalid_context does.
   */
  transitionSid(ssid: number, tsid: number, tclass: number, permissive: boolean): TransitionResult {
    const s = this.sidtab.sidToContext(ssid);
    const t = this.sidtab.sidToContext(tsid);
    if (s === undefined || t === undefined) return { sid: -1, context: "", invalid: `unrecognized SID ${s === undefined ? ssid : tsid}` };
    const computed = this.policy.computeCreate(s, t, tclass);
    const context = this.policy.contextToString(computed.context);
    const rule = {
      ...(computed.rule !== undefined ? { rule: computed.rule.text } : {}),
      ...(computed.roleRule !== undefined ? { roleRule: computed.roleRule.text } : {}),
      ...(computed.rangeRule !== undefined ? { rangeRule: computed.rangeRule.text } : {}),
    };
    if (computed.valid) return { sid: this.sidtab.contextStructToSid(computed.context), context, ...rule };
    return { sid: permissive ? this.sidtab.contextStructToSid(computed.context, false) : -1, context, invalid: context, ...rule };
  }

  /**
   * security_validate_transition() (services.c): may `tasksid` relabel an object of `tclass` from
   * `oldsid` to `newsid`? Every validatetrans and mlsvalidatetrans of the class must hold, u1/l1
   * naming the old context, u2/l2 the new one, u3 the task. Xen defines this but no hook and no
   * flask_op calls it (Xen objects are labelled when created, never relabelled), so the hooks
   * never reach it; it is here for callers that model a relabel, answering as Xen would.
   * A refusal is -EPERM when enforcing, 0 when permissive, logged either way.
   */
  validateTransition(oldsid: number, newsid: number, tasksid: number, tclass: number, enforcing: boolean): ValidateTransitionResult {
    const prefix = "security_validate_transition: ";
    // Xen's class numbers start at 1 (tclass > p_classes.nprim is unrecognized)
    if (!Number.isInteger(tclass) || tclass < 0 || tclass >= this.policy.stats.classes) return { rc: "-EINVAL", log: `${prefix}unrecognized class ${tclass + 1}` };
    const contexts = [oldsid, newsid, tasksid].map((sid) => ({ sid, context: this.sidtab.sidToContext(sid) }));
    const unknown = contexts.find((c) => c.context === undefined);
    if (unknown) return { rc: "-EINVAL", log: `${prefix} unrecognized SID ${unknown.sid}` };
    const [o, n, t] = contexts.map((c) => c.context!) as [SecurityContext, SecurityContext, SecurityContext];
    const failed = this.policy.validateTransition(o, n, t, tclass);
    if (!failed) return { rc: 0 };
    const text = (c: SecurityContext) => this.policy.contextToString(c);
    const log = `${prefix} denied for oldcontext=${text(o)} newcontext=${text(n)} taskcontext=${text(t)} tclass=${this.policy.className(tclass)}`;
    return { rc: enforcing ? "-EPERM" : 0, log, rule: failed.text };
  }

  /**
   * The same server over another view of the same image (security_set_bools: new boolean values,
   * same SIDs). The caller installs the result; this server stays as it was.
   */
  withView(policy: CompiledPolicy): SecurityServer {
    if (policy.image !== this.policy.image) throw new RangeError("withView needs a view of the server's own policy image");
    return new SecurityServer(policy, this.sidtab, this.resource, this.deviceSids);
  }

  /**
   * Checks a compiled policy the way security_load_policy() does before installing it
   * (policydb_read's MLS check, validate_classes for what the hooks need, policydb_load_isids)
   * and builds the server. `previous` converts the running SID table (SIDs keep their numbers);
   * `enforcing` is flask_enforcing at the reload, which decides what becomes of a SID whose
   * context the new policy does not accept (SidTable.convert).
   */
  static build(
    policy: CompiledPolicy,
    previous?: SecurityServer,
    enforcing = true,
  ): Result<{ server: SecurityServer; warnings: Diagnostic[] }, Diagnostic[]> {
    const diagnostics: Diagnostic[] = [];
    // flask_mls_enabled is set by the first load: policydb_read refuses a policy of the other kind
    if (previous && previous.policy.mls !== policy.mls) {
      return { ok: false, error: [diagnostic("xsm-mls-switch", undefined, previous.policy.mls)] };
    }
    const id = policy.classId("resource");
    if (id < 0) {
      return { ok: false, error: [diagnostic("xsm-class", undefined)] };
    }
    const masks = resourceMasks(policy, id, diagnostics);
    const sids = previous ? previous.sidtab.convert(policy, enforcing) : { ...SidTable.load(policy), invalidated: [], kept: [], attributes: [] };
    for (const problem of sids.problems) diagnostics.push(error("xsm-isid", problem));
    if (diagnostics.some((d) => d.severity === "error")) return { ok: false, error: diagnostics };
    for (const r of sids.invalidated) diagnostics.push(diagnostic("xsm-invalidated", undefined, r.context, r.why));
    for (const r of sids.kept) diagnostics.push(diagnostic("xsm-invalid-kept", undefined, r.context, r.why));
    // one warning per context (Xen prints none): a policy may give several initial SIDs the same one
    const attributeContexts = new Map(sids.attributes.map((r) => [r.context, r.attribute]));
    for (const [context, attribute] of attributeContexts) diagnostics.push(diagnostic("xsm-attribute-context", undefined, context, attribute));
    return { ok: true, value: { server: new SecurityServer(policy, sids.table, { id, masks }), warnings: diagnostics } };
  }

  /** security_compute_av() on SIDs. */
  readonly computeAv = (ssid: number, tsid: number, tclass: number): AvDecision => {
    const s = this.sidtab.sidToContext(ssid);
    const t = this.sidtab.sidToContext(tsid);
    if (s === undefined || t === undefined) return DENY_ALL;
    return this.policy.computeAv(s, t, tclass);
  };

  /** security_device_sid(): the pcidevicecon label, else the `device` initial SID. -1 if its context is invalid. */
  deviceSid(machineBdf: number): number {
    const cached = this.deviceSids.get(machineBdf);
    if (cached !== undefined) return cached;
    const text = this.policy.pcideviceContext(machineBdf);
    let sid = SECINITSID_DEVICE;
    if (text !== undefined) {
      const r = this.sidtab.contextToSid(text);
      sid = r.ok ? r.value : -1;
    }
    if (sid > 0) this.deviceSids.set(machineBdf, sid);
    return sid;
  }

  /** security_irq_sid(): the pirqcon label of a static IRQ, else the `irq` initial SID; -1 if the
   *  label's context is invalid. */
  irqSid(irq: number): number {
    const text = this.policy.pirqContext(irq);
    return text === undefined ? SECINITSID_IRQ : this.heldOrNewSid(text);
  }

  /** security_iterate_iomem_sids(): [start, end] cut where its iomemcon labels change, each piece
   *  with its SID (the `iomem` initial SID between entries), in address order. */
  iomemPieces(start: number, end: number): LabelledPiece[] {
    return pieces(this.policy.iomemContexts(), SECINITSID_IOMEM, start, end, (text) => this.heldOrNewSid(text));
  }

  /** security_iterate_ioport_sids(), as iomemPieces with ioportcon and the `ioport` initial SID. */
  ioportPieces(start: number, end: number): LabelledPiece[] {
    return pieces(this.policy.ioportContexts(), SECINITSID_IOPORT, start, end, (text) => this.heldOrNewSid(text));
  }

  // a running domain's or an ocontext's SID: the one the table holds for the text (also one a reload
  // kept or invalidated), else sidtab_context_to_sid on first use
  private heldOrNewSid(text: string): number {
    const known = this.sidtab.lookup(text);
    if (known !== undefined) return known;
    const r = this.sidtab.contextToSid(text);
    return r.ok ? r.value : -1;
  }

  /** The SID the toolstack gets from security_context_to_sid before it creates a domain with a
   *  context (libxl's flask_context_to_sid, then XEN_DOMCTL_createdomain's ssidref): -1 when the
   *  policy does not accept the context, also when a running domain still holds the SID a reload
   *  invalidated or kept invalid for that text. */
  createdDomainSid(d: Domain): number {
    if (d.context === undefined) return defaultDomainSid(d.domid);
    const r = this.sidtab.contextToSid(d.context);
    return r.ok ? r.value : -1;
  }

  /**
   * domain_sid(): a domain's SID from its context text; a domain without one gets the SID
   * flask_domain_alloc_security / flask_domain_create give it. -1 if the context is invalid.
   */
  domainSid(d: Domain): number {
    const text = d.context;
    return text === undefined ? defaultDomainSid(d.domid) : this.heldOrNewSid(text);
  }

  /** Why domainSid / deviceSid gave -1. */
  contextProblem(text: string): string {
    const r = this.policy.parseContext(text);
    return r.ok ? "" : r.error;
  }
}

/** A piece of a range with one label: its SID (-1 when the ocontext's context is invalid, then
 *  `context` says which) and its bounds. */
export interface LabelledPiece {
  sid: number;
  start: number;
  end: number;
  context?: string;
}

// The walk of security_iterate_iomem_sids / security_iterate_ioport_sids over entries sorted by
// address: skip those below start, then a gap before an entry goes to the initial SID, an entry
// the range ends in ends the walk, and what is left after the last entry is the initial SID's.
function pieces(list: readonly OcontextRange[], initial: number, start: number, end: number, sidOf: (text: string) => number): LabelledPiece[] {
  const out: LabelledPiece[] = [];
  let i = 0;
  while (i < list.length && list[i]!.high < start) i++;
  for (; i < list.length && list[i]!.low <= end; i++) {
    const c = list[i]!;
    const sid = sidOf(c.context);
    if (sid < 0) {
      // sidtab_context_to_sid failed: the walk returns its error before the gap's callback
      out.push({ sid, context: c.context, start, end });
      return out;
    }
    const label = { sid };
    if (start < c.low) {
      out.push({ sid: initial, start, end: c.low - 1 });
      start = c.low;
    }
    if (end <= c.high) {
      out.push({ ...label, start, end });
      return out;
    }
    out.push({ ...label, start, end: c.high });
    start = c.high + 1;
  }
  out.push({ sid: initial, start, end });
  return out;
}

function defaultDomainSid(domid: number): number {
  switch (domid) {
    case 0:
      return SECINITSID_DOM0;
    case DOMID_IDLE:
      return SECINITSID_XEN;
    case DOMID_XEN:
      return SECINITSID_DOMXEN;
    case DOMID_IO:
      return SECINITSID_DOMIO;
    default:
      return SECINITSID_UNLABELED;
  }
}

function resourceMasks(policy: CompiledPolicy, id: number, diagnostics: Diagnostic[]): Int32Array {
  let used = 0;
  for (const perm of RESOURCE_PERMS) used |= policy.permMask(id, perm);
  const masks = new Int32Array(RESOURCE_PERMS.length);
  for (const [i, perm] of RESOURCE_PERMS.entries()) {
    let bit = policy.permMask(id, perm);
    if (bit === 0) {
      bit = freeBit(policy, id, used);
      used |= bit;
      diagnostics.push(diagnostic("xsm-perm", undefined, perm));
    }
    masks[i] = bit;
  }
  return masks;
}

function lifecycleMasks(policy: CompiledPolicy, id: number, perms: readonly string[]): Record<string, number> {
  const masks: Record<string, number> = {};
  let used = 0;
  for (const perm of perms) used |= policy.permMask(id, perm);
  for (const perm of perms) {
    let bit = policy.permMask(id, perm);
    if (bit === 0) used |= bit = freeBit(policy, id, used);
    masks[perm] = bit;
  }
  return masks;
}

/** The highest bit the class names no permission for. */
function freeBit(policy: CompiledPolicy, id: number, used: number): number {
  const named = policy.permNames(id, -1).reduce((m, name) => m | policy.permMask(id, name), 0) | used;
  for (let i = 31; i >= 0; i--) {
    const bit = (1 << i) | 0;
    if ((named & bit) === 0) return bit;
  }
  return 1 << 31;
}
