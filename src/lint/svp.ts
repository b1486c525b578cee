// The SVP checks of `xsm lint`, over the platforms the desugaring recorded (policy/svp.ts) and the
// compiler's expanded rules. What the nesting allows across platforms is what the desugaring itself
// grants: an ancestor platform's hwdoms manage (MANAGE_DEVICE_PERMS on class resource) the devices of
// the platforms nested under it. Every other permission a domain of one platform holds on another
// platform's device labels is a finding.
import type { PolicyAst, Statement } from "../policy/ast.js";
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import type { Expanded } from "../policy/expand.js";
import { generatedFrom, MANAGE_DEVICE_PERMS, platformsOf, type PlatformSummary } from "../policy/svp.js";
import type { Symbols } from "../policy/symbols.js";
import { finding } from "./finding.js";

/** Names of the attributes and spans of the rules the desugaring made: the user never wrote them,
 *  so the generic checks do not report them. */
export interface Generated {
  attributes: ReadonlySet<string>;
  isRule(span: Span): boolean;
}

const spanKey = (s: Span) => `${s.file}:${s.offset}:${s.length}`;

export function generatedBySvp(ast: PolicyAst): Generated {
  const attributes = new Set<string>();
  const rules = new Set<string>();
  for (const s of ast.statements) {
    if (generatedFrom(s) === undefined) continue;
    if (s.kind === "attribute") attributes.add(s.name.name);
    else if (s.kind === "avrule") rules.add(spanKey(s.span));
  }
  return { attributes, isRule: (span) => rules.size > 0 && rules.has(spanKey(span)) };
}

type Role = "hwdom" | "guest" | "device";
interface Member { platform: PlatformSummary; role: Role }

function membersById(sym: Symbols, platforms: readonly PlatformSummary[]): Map<number, Member> {
  const out = new Map<number, Member>();
  for (const p of platforms) {
    const add = (role: Role) => (id: { name: string }) => {
      const t = sym.typeIds.get(id.name);
      if (t !== undefined) out.set(t, { platform: p, role });
    };
    p.hwdoms.forEach(add("hwdom"));
    p.guests.forEach(add("guest"));
    p.devices.forEach(add("device"));
  }
  return out;
}

/** Is `inner` nested (strictly) under `outer`? */
function nestedUnder(inner: PlatformSummary, outer: PlatformSummary, byName: Map<string, PlatformSummary>): boolean {
  const seen = new Set<string>();
  for (let q = inner.parent; q !== undefined && !seen.has(q); q = byName.get(q)?.parent) {
    if (q === outer.name) return true;
    seen.add(q);
  }
  return false;
}

const roleWords: Record<Role, string> = { hwdom: "the hwdom", guest: "a guest", device: "a device" };

export function crossPlatformGrants(sym: Symbols, ex: Expanded, ast: PolicyAst): Diagnostic[] {
  const platforms = platformsOf(ast);
  if (platforms.length === 0) return [];
  const members = membersById(sym, platforms);
  const byName = new Map(platforms.map((p) => [p.name, p]));
  const resource = sym.classIds.get("resource");
  const manageMask = resource === undefined ? 0 : MANAGE_DEVICE_PERMS.reduce((m, perm) => m | (sym.classes[resource]!.permMask.get(perm) ?? 0), 0);
  const out: Diagnostic[] = [];
  for (const r of ex.rules) {
    if (r.kind !== "allow") continue;
    let first: { s: number; t: number; cls: number; mask: number } | undefined;
    let pairs = 0;
    for (const s of r.sources) {
      const from = members.get(s);
      if (!from || from.role === "device") continue;
      // `self` names the domain itself, never a device label
      for (const t of r.targets) {
        const to = members.get(t);
        if (!to || to.role !== "device" || to.platform === from.platform) continue;
        const manages = from.role === "hwdom" && nestedUnder(to.platform, from.platform, byName);
        for (let ci = 0; ci < r.classes.length; ci++) {
          const cls = r.classes[ci]!;
          const beyond = manages && cls === resource ? r.masks[ci]! & ~manageMask : r.masks[ci]!;
          if (beyond === 0) continue;
          pairs++;
          first ??= { s, t, cls, mask: beyond };
        }
      }
    }
    if (!first) continue;
    const from = members.get(first.s)!;
    const to = members.get(first.t)!;
    const cls = sym.classes[first.cls]!;
    const perms = cls.perms.filter((p) => (cls.permMask.get(p)! & first!.mask) !== 0);
    const permText = perms.length === 1 ? perms[0] : `{ ${perms.join(" ")} }`;
    const more = pairs > 1 ? ` (and ${pairs - 1} more such grant${pairs === 2 ? "" : "s"})` : "";
    const cond = r.cond ? " in a conditional branch" : "";
    out.push(finding(
      "svp-cross-platform",
      `this allow rule${cond} grants ${sym.types[first.s]!.name}, ${roleWords[from.role]} of platform ${from.platform.name}, ${cls.name} ${permText} on ${sym.types[first.t]!.name}, a device of platform ${to.platform.name}, which the platform nesting does not allow${more}`,
      r.span,
      [
        { message: `platform ${from.platform.name}`, span: from.platform.span },
        { message: `platform ${to.platform.name}`, span: to.platform.span },
      ],
    ));
  }
  return out;
}

/** Initial SIDs Xen gives to domains: a hwdom may carry their types (Xen's flask initial_sids). */
const DOMAIN_SIDS = new Set(["dom0", "domU", "domDM"]);

/** A statement labeling something that is not a domain with a context, and what it labels. */
function labelOf(s: Statement): { type: string; what: string } | undefined {
  switch (s.kind) {
    case "sid_context":
      if (DOMAIN_SIDS.has(s.name.name)) return undefined;
      return { type: s.context.type.name, what: `the initial SID ${s.name.name}${s.name.name === "xen" || s.name.name === "domxen" || s.name.name === "domio" ? " (Xen itself)" : ""}` };
    case "pirqcon": return { type: s.context.type.name, what: `pirq ${s.irq} (pirqcon)` };
    case "iomemcon": return { type: s.context.type.name, what: `I/O memory 0x${s.low.toString(16)} (iomemcon)` };
    case "ioportcon": return { type: s.context.type.name, what: `I/O port 0x${s.low.toString(16)} (ioportcon)` };
    case "pcidevicecon": return { type: s.context.type.name, what: `PCI device 0x${s.device.toString(16)} (pcidevicecon)` };
    case "devicetreecon": return { type: s.context.type.name, what: `device tree node ${s.path} (devicetreecon)` };
    default: return undefined;
  }
}

export function hwdomsNotDomains(sym: Symbols, ast: PolicyAst): Diagnostic[] {
  const platforms = platformsOf(ast);
  if (platforms.length === 0) return [];
  const hwdoms = new Map<number, { platform: PlatformSummary; span: Span; name: string }>();
  for (const p of platforms) {
    for (const h of p.hwdoms) {
      const t = sym.typeIds.get(h.name);
      if (t !== undefined) hwdoms.set(t, { platform: p, span: h.span, name: h.name });
    }
  }
  const out: Diagnostic[] = [];
  const reported = new Set<number>();
  for (const s of ast.statements) {
    const label = labelOf(s);
    const t = label && sym.typeIds.get(label.type);
    const h = t === undefined ? undefined : hwdoms.get(t);
    if (!label || !h || reported.has(t!)) continue;
    reported.add(t!);
    out.push(finding("svp-hwdom-not-domain", `${h.name}, the hwdom of platform ${h.platform.name}, is also the type of ${label.what}: a hardware domain's type must label only domains`, h.span, [
      { message: `${h.name} labels ${label.what} here`, span: s.span },
    ]));
  }
  return out;
}
