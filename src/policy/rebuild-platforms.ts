// The SVP platforms of a compiled policy, rebuilt from what svp.ts desugars a `platform` block to:
// a binary keeps no blocks, only their attributes (P_hwdoms, P_devices, P_managed_devices ...) and
// the pcidevicecon entries that label their devices. The simulator, `xsm scaffold` and the studio
// read a binary's platforms here, so a binary and its source draw and scaffold the same.
//
// Nesting is read from the managed sets: P is a guest of the nearest platform whose managed sets hold
// all of P's. What a binary cannot carry: the place of a platform with no hwdom, guest or device
// of its own (its managed sets are its nested platforms', or empty). Those come back in `unplaced`,
// for the caller to say so (unplacedNote).
import type { Span } from "../diagnostics/diagnostic.js";
import { platformAttributes } from "./svp.js";
import type { Symbols } from "./symbols.js";
import { formatSbdf } from "../xen/sbdf.js";

/** A platform as the policy declares it (`platform NAME supervisor|guest of PARENT { ... }`), by
 *  names: what the simulator draws and scaffolds, read from the blocks (src/sim/topology.ts) or
 *  rebuilt here from a binary's attributes. */
export interface PlatformInfo {
  name: string;
  level: "supervisor" | "guest";
  parent: string | null;
  hwdomTypes: string[];
  guestTypes: string[];
  /** Device label types, with the SBDFs the block labels with each. */
  deviceTypes: { type: string; sbdfs: string[] }[];
}

/** A platform as the block declared it, as far as the compiled policy tells (device label types
 *  are P_devices' members, their SBDFs what pcidevicecon labels with each), and where its P_hwdoms
 *  attribute is declared. */
export interface RebuiltPlatform extends PlatformInfo {
  span: Span;
}

export interface RebuiltPlatforms {
  /** In the order of their P_hwdoms attributes: parents before children, as svp.ts declares them. */
  platforms: RebuiltPlatform[];
  /** Platforms whose place in the nesting the policy cannot tell (see unplacedNote). */
  unplaced: string[];
}

interface Found {
  name: string;
  span: Span;
  hwdoms: Int32Array;
  guests: Int32Array;
  devices: Int32Array;
  /** P's managed devices and domains (a domain type t as -1 - t, apart from device types). */
  managed: Set<number>;
  memberless: boolean;
}

export function rebuildPlatforms(sym: Symbols): RebuiltPlatforms {
  const attr = (name: string) => {
    const id = sym.attrIds.get(name);
    return id === undefined ? undefined : sym.attrs[id]!;
  };
  const found: Found[] = sym.attrs.flatMap((a) => {
    const m = /^(.+)_hwdoms$/.exec(a.name);
    if (!m) return [];
    const at = platformAttributes(m[1]!);
    const [hwdoms, guests, devices, managedDevices, managedDomains] = [at.hwdoms, at.guests, at.devices, at.managedDevices, at.managedDomains].map(attr);
    if (!attr(at.domain) || !hwdoms || !guests || !devices || !managedDevices || !managedDomains) return [];
    const memberless = hwdoms.members.length + guests.members.length + devices.members.length === 0;
    const managed = new Set([...managedDevices.members, ...[...managedDomains.members].map((t) => -1 - t)]);
    return [{ name: m[1]!, span: a.span, hwdoms: hwdoms.members, guests: guests.members, devices: devices.members, managed, memberless }];
  });
  const sbdfs = new Map<number, string[]>();
  for (const { device, context } of sym.ocontexts.pcidevicecon) sbdfs.set(context.type, [...(sbdfs.get(context.type) ?? []), formatSbdf(device)]);
  const names = (ids: Int32Array) => [...ids].map((t) => sym.types[t]!.name);
  const unplaced: string[] = [];
  const platforms = found.map((p): RebuiltPlatform => {
    const { parent, known } = parentOf(p, found);
    if (!known) unplaced.push(p.name);
    return {
      name: p.name,
      level: parent ? "guest" : "supervisor",
      parent: parent?.name ?? null,
      hwdomTypes: names(p.hwdoms),
      guestTypes: names(p.guests),
      deviceTypes: [...p.devices].map((t) => ({ type: sym.types[t]!.name, sbdfs: sbdfs.get(t) ?? [] })),
      span: p.span,
    };
  });
  return { platforms, unplaced };
}

/** The nearest platform above P. Q is above P when Q's managed sets hold all of P's and more, or
 *  the same when Q has no member of its own and P has (Q's only members are its nested platforms').
 *  Of those, the nearest manages fewest; at equal sets, one with members is nearer. Unknown when P
 *  manages nothing, or when two memberless platforms tie for it or with it. */
function parentOf(p: Found, all: Found[]): { parent?: Found; known: boolean } {
  if (p.managed.size === 0) return { known: false };
  const holds = (q: Found) => [...p.managed].every((m) => q.managed.has(m));
  const above = all.filter((q) => q !== p && holds(q) && (q.managed.size > p.managed.size || (q.memberless && !p.memberless)));
  const nearness = (q: Found) => q.managed.size * 2 + (q.memberless ? 1 : 0);
  above.sort((a, b) => nearness(a) - nearness(b));
  const twin = p.memberless && all.some((q) => q !== p && q.memberless && q.managed.size === p.managed.size && holds(q));
  const tie = above.length > 1 && nearness(above[0]!) === nearness(above[1]!);
  return { ...(above[0] ? { parent: above[0] } : {}), known: !twin && !tie };
}

/** What a caller says of `unplaced` platforms (none: undefined). */
export function unplacedNote(unplaced: readonly string[]): string | undefined {
  if (unplaced.length === 0) return undefined;
  const which = unplaced.length === 1 ? `platform ${unplaced[0]}` : `platforms ${unplaced.join(", ")}`;
  return `a binary policy keeps no platform blocks, only the attributes they compile to: where ${which} nest${unplaced.length === 1 ? "s" : ""} is not among them (a platform with no hwdom, guest or device of its own leaves no trace of its place), so the nesting shown there is a guess`;
}
