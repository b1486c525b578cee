// The page's index for a compiled binary policy, which has no source to index: read from the symbol
// tables src/binary rebuilt from it (kernelToPolicy's, the ones its decisions use) and placed on
// the lines of its listing that declare them, so a binary is asked the same questions as its source
// and its hover and outline say what its source's do (symbols.ts's words). Its platforms are rebuilt
// from the attributes and pcidevicecon entries the platform blocks compiled to
// (src/policy/rebuild-platforms.ts, which the simulator uses too); a rule is an avtab entry, one
// line of the listing.
import { ocontextLabel, type BinaryPolicyResult, type ListingDeclarations } from "../../binary/to-policy.js";
import { rebuildPlatforms, unplacedNote } from "../../policy/rebuild-platforms.js";
import type { CondPlace, Symbols } from "../../policy/symbols.js";
import { whenText, type Grant, type RuleFacts } from "./rule-facts.js";
import { buildOutline, grantCounts, hoverLines, platformRoles, type OutlineParts, type PlatformInfo, type PolicyIndex, type PolicySymbol, type SymbolKind } from "./symbols.js";

/** What a binary holds besides its symbol tables: its rules, and where its listing declares the
 *  names the tables keep no span for (both from kernelToPolicy). */
export interface CompiledExtras {
  expanded?: Pick<BinaryPolicyResult["ex"], "rules" | "typeRules">;
  declared?: ListingDeclarations;
}

export function indexCompiled(sym: Symbols, extras: CompiledExtras = {}): PolicyIndex {
  const { declared } = extras;
  const symbols = new Map<string, PolicySymbol>();
  const define = (name: string, kind: SymbolKind, span: PolicySymbol["span"], detail: string[] = []) => symbols.has(name) || symbols.set(name, { name, kind, span, detail });
  const { platforms, note } = platformsOf(sym);
  const rules = rulesOf(sym, extras.expanded);
  const permsOf = (c: string) => sym.classes[sym.classIds.get(c) ?? -1]?.perms.filter((p) => p !== "") ?? [];
  const named = grantCounts(rules, permsOf);
  const memberOf = platformRoles(platforms);
  const attrsOf = new Map<number, string[]>();
  for (const a of sym.attrs) for (const t of a.members) attrsOf.set(t, [...(attrsOf.get(t) ?? []), a.name]);
  for (const t of sym.types) {
    define(t.name, "type", t.span, hoverLines.type(memberOf.get(t.name), attrsOf.get(t.id) ?? [], named.get(t.name) ?? 0));
    for (const a of t.aliases) define(a, "alias", t.span, [`alias of type ${t.name}`]);
  }
  for (const a of sym.attrs) define(a.name, "attribute", a.span, hoverLines.attribute(Array.from(a.members, (m) => sym.types[m]!.name), named.get(a.name) ?? 0));
  for (const c of sym.classes) define(c.name, "class", c.span, hoverLines.perms(permsOf(c.name), c.common));
  for (const [name, c] of declared?.commons ?? []) define(name, "common", c.span, hoverLines.perms(c.perms));
  for (const b of sym.bools) define(b.name, "bool", b.span, hoverLines.bool(b.value));
  for (const [name, span] of declared?.roles ?? []) define(name, "role", span, hoverLines.role([...sym.roles[sym.roleIds.get(name)!]!.types].map((t) => sym.types[t]!.name)));
  const users = sym.users.filter((u) => sym.userIds.has(u.name)).map((u) => ({ name: u.name, roles: [...u.roles].map((r) => sym.roles[r]!.name) }));
  for (const [name, span] of declared?.users ?? []) define(name, "user", span, hoverLines.user(users.find((u) => u.name === name)?.roles ?? []));
  for (const p of platforms) define(p.name, "platform", p.span, hoverLines.platform(p));

  const perms = new Map<string, string[]>();
  const permSpans = new Map<string, PolicySymbol["span"]>();
  for (const c of sym.classes) {
    for (const p of permsOf(c.name)) {
      perms.set(p, [...(perms.get(p) ?? []), c.name]);
      if (!permSpans.has(p)) permSpans.set(p, c.span);
    }
  }
  const ocontexts: OutlineParts["ocontexts"] = [];
  if (declared) {
    for (const kind of ["pirqcon", "ioportcon", "iomemcon", "pcidevicecon", "devicetreecon"] as const) {
      sym.ocontexts[kind].forEach((x, i) => ocontexts.push({ label: ocontextLabel(kind, x), context: x.context.text, span: declared.ocontexts[kind][i]! }));
    }
  }
  const sids = new Map<string, PolicySymbol>();
  for (const [name, span] of declared?.initialSids ?? []) sids.set(name, { name, kind: "sid", span, detail: hoverLines.sid(sym.initialSids.get(name)?.text, sym.initialSidNumbers?.get(name)) });
  const outline = buildOutline({ platforms, symbols, permSpans, perms, sids: [...sids.values()], ocontexts, rules, classPerms: permsOf });
  return { symbols, sids, perms, platforms, users, outline, rules, ...(note !== undefined ? { platformNote: note } : {}) };
}

/** Each avtab entry (its listing line) and the grant it is: the key's names as the binary keys it
 *  (an attribute where the entry is keyed on one), its permissions or new type. */
function rulesOf(sym: Symbols, ex: CompiledExtras["expanded"]): RuleFacts[] {
  if (!ex) return [];
  const nt = sym.types.length;
  const when = (c: CondPlace) => whenText(sym.conds[c.node]!.program, c.branch, sym.bools);
  const keyName = (types: Int32Array, keys: readonly number[] | undefined) => (keys?.length ? sym.attrs[keys[0]! - nt]!.name : sym.types[types[0]!]!.name);
  const out: RuleFacts[] = [];
  for (const r of ex.rules) {
    const cls = sym.classes[r.classes[0]!]!;
    const mask = r.masks[0]!;
    const grant: Grant = {
      kind: r.kind,
      source: keyName(r.sources, r.attrKeys?.sources),
      target: keyName(r.targets, r.attrKeys?.targets),
      tclass: cls.name,
      perms: cls.perms.filter((p, bit) => p && (mask >>> bit) & 1),
      ...(r.cond ? { when: when(r.cond) } : {}),
    };
    out.push({ span: r.span, grants: [grant] });
  }
  // a type rule's entry is one (source type, target type) pair: its listing line
  const seen = new Set<number>();
  for (const r of ex.typeRules) {
    if (seen.has(r.span.line)) continue;
    seen.add(r.span.line);
    const grant: Grant = { kind: r.kind, source: sym.types[r.stype]!.name, target: sym.types[r.ttype]!.name, tclass: sym.classes[r.tclass]!.name, defaultType: sym.types[r.defaultType]!.name, ...(r.cond ? { when: when(r.cond) } : {}) };
    out.push({ span: r.span, grants: [grant] });
  }
  return out.sort((a, b) => a.span.line - b.span.line);
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
