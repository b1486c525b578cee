// `xsm scaffold POLICY`: a scenario skeleton from the policy's `platform` blocks, so nobody retypes
// contexts and SBDFs the policy already declares. One domain per hwdom and guest type (with a
// context the policy accepts), an add step per labelled SBDF (a VF with its `physfn`: the function-0
// device an enclosing platform labels on the same bus), each guest created by its platform's hwdom
// (when the policy can answer xl create's checks), each guest platform's VFs assigned to its first
// guest, then a teardown in an order every strategy accepts: deepest platforms first, guests
// destroyed, VFs removed before their PFs, hardware domains destroyed last. Every step expects rc 0.
import type { CompiledPolicy } from "../policy/types.js";
import type { PolicyInput } from "../binary/load.js";
import type { PolicyAst } from "../policy/ast.js";
import { policyPlatforms } from "./platforms.js";
import { parseSbdf } from "../xen/sbdf.js";
import type { DomainSpec, Scenario, Step } from "./scenario.js";
import { platformsOf, type PlatformInfo } from "./topology.js";

export interface ScaffoldResult {
  scenario: Scenario;
  /** What could not be scaffolded (a type no user and role may take...), in words. */
  warnings: string[];
}

interface Device {
  sbdf: string;
  platform: PlatformInfo;
  physfn?: string;
}

/** `loaded`: what loading the policy read. A source's AST as parsed, whose platform blocks and
 *  users/roles are read as written; or a binary's symbol tables: its platforms rebuilt
 *  (platforms.ts), its users and roles in their order. */
export function scaffoldScenario(name: string, policyPath: string, policy: CompiledPolicy, loaded: Pick<PolicyInput, "ast" | "symbols">): ScaffoldResult {
  const warnings: string[] = [];
  const read = loaded.ast !== undefined ? readSource(loaded.ast) : readBinary(loaded);
  if (read.note !== undefined) warnings.push(read.note);
  const platforms = byDepth(read.platforms);
  const { users, roles } = read;
  const domains: DomainSpec[] = [];
  const hwdomOf = new Map<string, string>();
  const guestOf = new Map<string, string>();
  for (const p of platforms) {
    const members: [string, "hwdom" | "guest"][] = [...p.hwdomTypes.map((t) => [t, "hwdom"] as [string, "hwdom"]), ...p.guestTypes.map((t) => [t, "guest"] as [string, "guest"])];
    for (const [type, role] of members) {
      const context = contextFor(type, role, p.name, users, roles, policy);
      if (context === undefined) {
        warnings.push(`no user and role of the policy may take type ${type}; its domain is left out`);
        continue;
      }
      const supervisor = p.parent === null && role === "hwdom" && domains.length === 0;
      const dname = `${p.name}-${role === "hwdom" ? "hwdom" : "guest"}${members.filter(([, r]) => r === role).length > 1 ? `-${type.replace(/_t$/, "")}` : ""}`;
      domains.push({ name: dname, domid: domains.length, context, hardware: role === "hwdom", ...(supervisor ? { control: true } : {}) });
      if (role === "hwdom" && !hwdomOf.has(p.name)) hwdomOf.set(p.name, dname);
      if (role === "guest" && !guestOf.has(p.name)) guestOf.set(p.name, dname);
    }
  }
  const devices = labelledDevices(platforms);
  const steps: Step[] = [];
  const ok = { expect: { rc: 0 as const } };
  const as = (p: PlatformInfo) => hwdomOf.get(p.name) ?? nearestHwdom(p, platforms, hwdomOf);
  // a guest is created by its platform's hwdom (xl create) when the policy can answer what that asks
  const built = canCreateDomains(policy) ? domains.filter((d) => !d.hardware) : [];
  const builder = (d: DomainSpec) => {
    const p = platforms.find((x) => platformOfDomain(d, x));
    return p ? as(p) : undefined;
  };
  for (const d of devices.filter((x) => x.physfn === undefined)) {
    const who = as(d.platform);
    if (who) steps.push({ as: who, op: "pci_add_device", sbdf: d.sbdf, ...ok });
  }
  for (const d of devices.filter((x) => x.physfn !== undefined)) {
    const who = as(d.platform);
    if (who) steps.push({ as: who, op: "pci_add_device", sbdf: d.sbdf, physfn: d.physfn!, ...ok });
  }
  for (const d of built) {
    const who = builder(d);
    if (who) steps.push({ as: who, op: "create_domain", domain: d.name, ...ok });
  }
  for (const d of devices.filter((x) => x.physfn !== undefined)) {
    const who = as(d.platform);
    const guest = guestOf.get(d.platform.name);
    if (who && guest) steps.push({ as: who, op: "assign_device", sbdf: d.sbdf, domain: guest, ...ok });
  }
  // teardown: deepest platform first, so every VF goes before its PF and every guest before its hwdom
  for (const p of [...platforms].reverse()) {
    for (const dom of domains.filter((d) => !d.hardware && platformOfDomain(d, p))) {
      const who = built.includes(dom) ? builder(dom) : undefined;
      steps.push(who ? { as: who, op: "destroy_domain", domain: dom.name, ...ok } : { op: "destroy_domain", domain: dom.name, ...ok });
    }
    const who = as(p);
    const mine = devices.filter((d) => d.platform === p);
    for (const d of [...mine.filter((x) => x.physfn !== undefined), ...mine.filter((x) => x.physfn === undefined)]) {
      if (who) steps.push({ as: who, op: "pci_remove_device", sbdf: d.sbdf, ...ok });
    }
    if (p.parent !== null) for (const dom of domains.filter((d) => d.hardware && platformOfDomain(d, p))) steps.push({ op: "destroy_domain", domain: dom.name, ...ok });
  }
  if (platforms.length === 0) warnings.push(loaded.ast === undefined ? "the binary policy holds no platform's attributes (P_hwdoms, P_devices ...)" : "the policy declares no platform blocks");
  const scenario: Scenario = {
    name,
    description: `Scaffolded from ${policyPath} by xsm scaffold: every platform's domains, each labelled device added (VFs with their PF), VFs assigned to their platform's guest, then torn down.`,
    policy: policyPath,
    xsm: "flask",
    enforcing: true,
    strategy: "upstream",
    vfWithoutPf: "reject",
    // several hardware domains: each platform's keeps what it adds (the SVP design; Xen gives every
    // new device to its one hardware_domain)
    ...(domains.filter((d) => d.hardware).length > 1 ? { addTo: "adding-hwdom" as const } : {}),
    domains,
    steps,
  };
  return { scenario, warnings };
}

interface ScaffoldRead {
  platforms: PlatformInfo[];
  note?: string;
  users: string[];
  roles: string[];
}

function readSource(ast: PolicyAst): ScaffoldRead {
  const statements = ast.statements;
  const users = statements.flatMap((s) => (s.kind === "user" ? [s.name.name] : []));
  const roles = [...new Set(statements.flatMap((s) => (s.kind === "role" ? [s.name.name] : [])))];
  return { platforms: platformsOf(statements), users, roles };
}

/** A binary's users and roles in its symbol tables' order (object_r first, which contextFor skips). */
function readBinary(binary: Pick<PolicyInput, "symbols">): ScaffoldRead {
  const users = binary.symbols.users.map((u) => u.name);
  const roles = binary.symbols.roles.map((r) => r.name);
  return { ...policyPlatforms(binary), users, roles };
}

/** Whether the policy declares what create_domain asks (the classes and permissions of
 *  flask_domain_create, flask_domctl's max_mem/unpause/destroy and flask_evtchn_unbound); a policy
 *  that does not (the examples' svp.conf) gets guests that exist from the start. */
function canCreateDomains(policy: CompiledPolicy): boolean {
  const domain = policy.classId("domain");
  const event = policy.classId("event");
  return (
    domain >= 0 &&
    event >= 0 &&
    ["create", "destroy", "setdomainmaxmem", "unpause"].every((p) => policy.permMask(domain, p) !== 0) &&
    ["create", "bind"].every((p) => policy.permMask(event, p) !== 0)
  );
}

/** Parents before children, in declaration order otherwise. */
function byDepth(platforms: PlatformInfo[]): PlatformInfo[] {
  const out: PlatformInfo[] = [];
  const visit = (parent: string | null) => {
    for (const p of platforms.filter((x) => x.parent === parent && !out.includes(x))) {
      out.push(p);
      visit(p.name);
    }
  };
  visit(null);
  for (const p of platforms) if (!out.includes(p)) out.push(p); // a parent the policy does not declare
  return out;
}

/** Every labelled SBDF with its platform; a VF's PF is a function-0 SBDF an enclosing platform labels on the same bus. */
function labelledDevices(platforms: PlatformInfo[]): Device[] {
  const byName = new Map(platforms.map((p) => [p.name, p]));
  const out: Device[] = [];
  const vfs = new Set<string>();
  for (const p of platforms) {
    const ancestors: PlatformInfo[] = [];
    for (let a = p.parent !== null ? byName.get(p.parent) : undefined; a && !ancestors.includes(a); a = a.parent !== null ? byName.get(a.parent) : undefined) ancestors.push(a);
    for (const sbdf of p.deviceTypes.flatMap((d) => d.sbdfs)) {
      const me = parseSbdf(sbdf);
      if (!me.ok) continue;
      const pf = ancestors
        .flatMap((a) => a.deviceTypes.flatMap((d) => d.sbdfs))
        .find((cand) => {
          const c = parseSbdf(cand);
          return c.ok && !vfs.has(cand) && c.value.seg === me.value.seg && c.value.bus === me.value.bus && c.value.fn === 0 && c.value.dev < me.value.dev;
        });
      if (pf !== undefined) vfs.add(sbdf);
      out.push({ sbdf, platform: p, ...(pf !== undefined ? { physfn: pf } : {}) });
    }
  }
  return out;
}

function nearestHwdom(p: PlatformInfo, platforms: PlatformInfo[], hwdomOf: Map<string, string>): string | undefined {
  for (let q: PlatformInfo | undefined = p; q; q = platforms.find((x) => x.name === q!.parent)) {
    const h = hwdomOf.get(q.name);
    if (h) return h;
    if (q.parent === null) break;
  }
  return undefined;
}

function platformOfDomain(d: DomainSpec, p: PlatformInfo): boolean {
  const type = d.context?.split(":")[2];
  return type !== undefined && (p.hwdomTypes.includes(type) || p.guestTypes.includes(type));
}

/** A context the policy accepts for a domain of this type: system_u:system_r first for a hwdom. */
function contextFor(type: string, role: "hwdom" | "guest", platform: string, users: string[], roles: string[], policy: CompiledPolicy): string | undefined {
  // the platform's own user (Xen policies run a platform's guests under it, e.g. gvp1_u), then any
  const own = users.filter((u) => u === `${platform}_u`);
  const preferUsers = role === "hwdom" ? ["system_u", ...own, ...users] : [...own, ...users.filter((u) => u !== "system_u"), "system_u"];
  const preferRoles = role === "hwdom" ? ["system_r", ...roles] : ["vm_r", ...roles.filter((r) => r !== "system_r"), "system_r"];
  for (const u of preferUsers) {
    for (const r of preferRoles) {
      if (r === "object_r") continue;
      const text = `${u}:${r}:${type}`;
      if (policy.parseContext(text).ok) return text;
    }
  }
  return undefined;
}
