// An SVP-shaped Xen FLASK policy of any size, for the decision and AVC benchmarks.
//
// One supervisor platform (svp_hwdom_t owns the PF labeled svp_pci_t and may manage every device
// and domain) and `platforms` guest platforms gvpK, each with a hardware domain gvpK_hwdom_t that
// manages only its own devices (gvpK_pci_t and VF labels gvpK_vfJ_t) and guests gvpK_guestJ_t that
// use them. 8 platforms give 101 types; 250 give 3005. Every label type gets a pcidevicecon entry so
// the flask module finds it from a machine BDF.
//
// Besides the text it returns the rules as written (attributes unexpanded, `self` kept), which is
// what the Cedar and casbin translations in bench/peers are made from: the peers see the same TE
// rules a policy author wrote, not our compiler's output.
import { fileURLToPath } from "node:url";

export interface TeRule {
  source: string; // type or attribute
  target: string; // type, attribute or "self"
  tclass: string;
  perms: string[];
}

export interface PciLabel {
  /** seg<<16 | bus<<8 | devfn, as pcidevicecon and the XSM hooks key devices. */
  machineBdf: number;
  label: string;
}

export interface SvpPolicy {
  text: string;
  /** Every type, with the attributes it belongs to. */
  types: Map<string, string[]>;
  attributes: string[];
  rules: TeRule[];
  /** Domain types (subjects) and their context strings. */
  domains: { type: string; context: string }[];
  devices: PciLabel[];
  classes: Record<string, string[]>;
}

export const CLASSES: Record<string, string[]> = {
  xen: ["settime", "tbufcontrol", "readconsole", "clearconsole", "perfcontrol", "mtrr_add", "physinfo", "heap"],
  domain: ["create", "destroy", "pause", "unpause", "getdomaininfo", "setvcpucontext", "max_vcpus", "setdomainmaxmem"],
  resource: [
    "add", "remove", "use", "add_irq", "remove_irq", "plug", "unplug", "setup", "stat_device",
    "add_device", "remove_device", "use_iommu", "use_iommu_nointremap", "use_noiommu",
  ],
  event: ["bind", "send", "status", "create", "reset"],
};

const MANAGE_DEVICE = ["plug", "unplug", "setup", "add_device", "remove_device", "stat_device"];

/** Types = 5 + platforms * (2 + guests + vfs). */
export function svpPolicy(platforms: number, guests = 3, vfs = 7): SvpPolicy {
  const types = new Map<string, string[]>();
  const attributes = ["domain_type", "hwdom_type", "guest_type", "pci_type"];
  const rules: TeRule[] = [];
  const labels: string[] = ["svp_pci_t"];
  const domains: string[] = ["svp_hwdom_t"];
  types.set("xen_t", []);
  types.set("svp_hwdom_t", ["domain_type", "hwdom_type"]);
  types.set("svp_pci_t", ["pci_type"]);
  types.set("device_t", []);
  types.set("unlabeled_t", []);
  rules.push(
    { source: "svp_hwdom_t", target: "pci_type", tclass: "resource", perms: MANAGE_DEVICE },
    { source: "svp_hwdom_t", target: "domain_type", tclass: "resource", perms: ["add", "remove"] },
    { source: "svp_hwdom_t", target: "domain_type", tclass: "domain", perms: ["create", "destroy", "pause", "unpause", "getdomaininfo", "setvcpucontext"] },
    { source: "svp_hwdom_t", target: "xen_t", tclass: "xen", perms: ["physinfo", "readconsole", "settime"] },
    { source: "svp_hwdom_t", target: "device_t", tclass: "resource", perms: ["plug", "unplug", "setup", "stat_device"] },
    { source: "hwdom_type", target: "svp_pci_t", tclass: "resource", perms: ["stat_device"] },
  );
  for (let k = 1; k <= platforms; k++) {
    const p = `gvp${k}`;
    attributes.push(`${p}_guests`, `${p}_devs`);
    types.set(`${p}_hwdom_t`, ["domain_type", "hwdom_type"]);
    domains.push(`${p}_hwdom_t`);
    for (let j = 0; j < guests; j++) {
      types.set(`${p}_guest${j}_t`, ["domain_type", "guest_type", `${p}_guests`]);
      domains.push(`${p}_guest${j}_t`);
    }
    types.set(`${p}_pci_t`, ["pci_type", `${p}_devs`]);
    labels.push(`${p}_pci_t`);
    for (let j = 0; j < vfs; j++) {
      types.set(`${p}_vf${j}_t`, ["pci_type", `${p}_devs`]);
      labels.push(`${p}_vf${j}_t`);
    }
    rules.push(
      { source: `${p}_hwdom_t`, target: `${p}_devs`, tclass: "resource", perms: MANAGE_DEVICE },
      { source: `${p}_hwdom_t`, target: `${p}_guests`, tclass: "resource", perms: ["add", "remove"] },
      { source: `${p}_hwdom_t`, target: `${p}_guests`, tclass: "domain", perms: ["create", "destroy", "pause", "unpause", "getdomaininfo"] },
      { source: `${p}_guests`, target: `${p}_devs`, tclass: "resource", perms: ["use", "use_iommu"] },
      { source: `${p}_guests`, target: "self", tclass: "event", perms: ["bind", "send"] },
      { source: `${p}_guests`, target: `${p}_hwdom_t`, tclass: "event", perms: ["send", "status"] },
    );
  }
  const devices = labels.map((label, i) => ({ machineBdf: ((3 + (i >> 5)) << 8) | ((i & 31) << 3), label }));
  const ctx = (t: string) => `system_u:system_r:${t}`;

  const w: string[] = [`# bench/gen/svp-policy.ts: ${platforms} guest platforms, ${types.size} types`];
  for (const c of Object.keys(CLASSES)) w.push(`class ${c}`);
  for (const s of ["xen", "dom0", "device", "unlabeled"]) w.push(`sid ${s}`);
  for (const [c, perms] of Object.entries(CLASSES)) w.push(`class ${c} { ${perms.join(" ")} }`);
  for (const a of attributes) w.push(`attribute ${a};`);
  for (const [t, attrs] of types) w.push(`type ${t}${attrs.length ? ", " + attrs.join(", ") : ""};`);
  for (const r of rules) w.push(`allow ${r.source} ${r.target}:${r.tclass} { ${r.perms.join(" ")} };`);
  w.push(`neverallow guest_type pci_type:resource { ${MANAGE_DEVICE.join(" ")} };`);
  w.push("role system_r;", "role system_r types { domain_type xen_t };", "user system_u roles { system_r };");
  w.push(
    `sid xen ${ctx("xen_t")}`,
    `sid dom0 ${ctx("svp_hwdom_t")}`,
    "sid device system_u:object_r:device_t",
    "sid unlabeled system_u:object_r:unlabeled_t",
  );
  for (const d of devices) w.push(`pcidevicecon 0x${d.machineBdf.toString(16)} system_u:object_r:${d.label}`);
  return {
    text: w.join("\n") + "\n",
    types,
    attributes,
    rules,
    domains: domains.map((type) => ({ type, context: ctx(type) })),
    devices,
    classes: CLASSES,
  };
}

/** The smallest policy of this shape with at least `n` types. */
export function svpPolicyWithTypes(n: number): SvpPolicy {
  return svpPolicy(Math.max(1, Math.ceil((n - 5) / 12)));
}

/** Is the TE rule set of `p` granting (stype, ttype, tclass, perm)? Straight from the rules as
 *  written: the reference the benchmarked engines are checked against before timing. */
export function modelAllows(p: SvpPolicy, stype: string, ttype: string, tclass: string, perm: string): boolean {
  const within = (t: string, set: string) => t === set || (p.types.get(t) ?? []).includes(set);
  return p.rules.some(
    (r) =>
      r.tclass === tclass &&
      r.perms.includes(perm) &&
      within(stype, r.source) &&
      (r.target === "self" ? stype === ttype : within(ttype, r.target)),
  );
}

// `npx tsx bench/gen/svp-policy.ts --types 3000` prints the policy (to feed checkpolicy or xsm).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--types");
  process.stdout.write(svpPolicyWithTypes(i > 0 ? Number(process.argv[i + 1]) : 100).text);
}
