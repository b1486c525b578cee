// The explorer's and the grid's names for a compiled binary policy, which has no source to index:
// read from the symbol tables src/binary rebuilt from it (kernelToPolicy's, the ones its decisions
// use), so a binary is asked the same questions as its source. Its platforms are rebuilt from the
// attributes and pcidevicecon entries the platform blocks compiled to (src/policy/rebuild-platforms.ts,
// which the simulator uses too).
import { rebuildPlatforms, unplacedNote } from "../../policy/rebuild-platforms.js";
import type { Symbols } from "../../policy/symbols.js";
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
  const { platforms, note } = platformsOf(sym);
  return { symbols, perms, platforms, users, outline: [], ...(note !== undefined ? { platformNote: note } : {}) };
}

/** The platforms rebuilt from their attributes (rebuild-platforms.ts, as the simulator reads them),
 *  in the shape the page's index gives a source's blocks. */
function platformsOf(sym: Symbols): { platforms: PlatformInfo[]; note?: string } {
  const { platforms, unplaced } = rebuildPlatforms(sym);
  const note = unplacedNote(unplaced);
  return {
    platforms: platforms.map((p) => ({
      name: p.name,
      level: p.level,
      ...(p.parent !== null ? { parent: p.parent } : {}),
      hwdoms: p.hwdomTypes,
      guests: p.guestTypes,
      devices: p.deviceTypes,
      span: p.span,
    })),
    ...(note !== undefined ? { note } : {}),
  };
}
