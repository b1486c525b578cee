// The explorer's and the grid's names for a compiled binary policy, which has no source to index:
// read from the symbol tables src/binary rebuilt from it (kernelToPolicy's, the ones its decisions
// use), so a binary is asked the same questions as its source. Its platforms are what the platform
// blocks compiled to: a platform P is the set of attributes svp.ts makes for it (P_hwdoms,
// P_devices ...), nested where another platform's managed sets hold all of P's members, its
// devices' SBDFs from the pcidevicecon entries that label them.
import { platformAttributes } from "../../policy/svp.js";
import type { Symbols } from "../../policy/symbols.js";
import { formatSbdf } from "../../xen/sbdf.js";
import type { PlatformInfo, PolicyIndex, PolicySymbol } from "./symbols.js";

export function indexCompiled(sym: Symbols): PolicyIndex {
  const symbols = new Map<string, PolicySymbol>();
  const define = (s: Omit<PolicySymbol, "detail">) => symbols.has(s.name) || symbols.set(s.name, { ...s, detail: [] });
  for (const t of sym.types) {
    define({ name: t.name, kind: "type", span: t.span });
    for (const a of t.aliases) define({ name: a, kind: "alias", span: t.span });
  }
  for (const a of sym.attrs) define({ name: a.name, kind: "attribute", span: a.span });
  for (const c of sym.classes) define({ name: c.name, kind: "class", span: c.span });
  for (const b of sym.bools) define({ name: b.name, kind: "bool", span: b.span });
  const perms = new Map<string, string[]>();
  for (const c of sym.classes) for (const p of c.perms) perms.set(p, [...(perms.get(p) ?? []), c.name]);
  const users = sym.users.map((u) => ({ name: u.name, roles: [...u.roles].map((r) => sym.roles[r]!.name) }));
  return { symbols, perms, platforms: platformsOf(sym), users, outline: [] };
}

/** The platforms whose attributes the policy holds, in the order of their P_hwdoms attributes. */
function platformsOf(sym: Symbols): PlatformInfo[] {
  const attr = (name: string) => {
    const id = sym.attrIds.get(name);
    return id === undefined ? undefined : sym.attrs[id]!;
  };
  const names = (ids: Int32Array) => [...ids].map((t) => sym.types[t]!.name);
  const found = sym.attrs.flatMap((a) => {
    const m = /^(.+)_hwdoms$/.exec(a.name);
    if (!m) return [];
    const at = platformAttributes(m[1]!);
    const [hwdoms, guests, devices, managedDevices, managedDomains] = [at.hwdoms, at.guests, at.devices, at.managedDevices, at.managedDomains].map(attr);
    if (!attr(at.domain) || !hwdoms || !guests || !devices || !managedDevices || !managedDomains) return [];
    return [{ name: m[1]!, span: a.span, hwdoms, guests, devices, managed: new Set([...managedDevices.members, ...managedDomains.members.map((t) => -1 - t)]) }];
  });
  const sbdfs = new Map<number, string[]>();
  for (const { device, context } of sym.ocontexts.pcidevicecon) sbdfs.set(context.type, [...(sbdfs.get(context.type) ?? []), formatSbdf(device)]);
  return found.map((p): PlatformInfo => {
    const own = [...p.devices.members, ...[...p.hwdoms.members, ...p.guests.members].map((t) => -1 - t)];
    // the nearest platform above: of those managing all of P's members, the one managing fewest
    const above = found.filter((q) => q !== p && q.managed.size > p.managed.size && own.every((m) => q.managed.has(m))).sort((a, b) => a.managed.size - b.managed.size)[0];
    return {
      name: p.name,
      level: above ? "guest" : "supervisor",
      ...(above ? { parent: above.name } : {}),
      hwdoms: names(p.hwdoms.members),
      guests: names(p.guests.members),
      devices: [...p.devices.members].map((t) => ({ type: sym.types[t]!.name, sbdfs: sbdfs.get(t) ?? [] })),
      span: p.span,
    };
  });
}
