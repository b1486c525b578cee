// What the editor knows about the names of a policy: where each is declared and what to say about
// it on hover, the outline, and the SVP platforms (for the access grid and the topology). Read from
// the AST as written and as the platform blocks desugar it, so generated attributes
// (gvp1_hwdoms, svp_managed_devices ...) point at the platform that makes them.
import type { NameSet, PlatformDecl, PolicyAst, Statement } from "../../policy/ast.js";
import type { Span } from "../../diagnostics/diagnostic.js";
import { desugarPlatforms } from "../../policy/svp.js";

export type SymbolKind = "type" | "alias" | "attribute" | "class" | "common" | "bool" | "role" | "user" | "platform" | "sid";

export interface PolicySymbol {
  name: string;
  kind: SymbolKind;
  /** The declaring name's span (offset/length into the text). */
  span: Span;
  /** Hover lines after the headline. */
  detail: string[];
}

export interface PlatformInfo {
  name: string;
  level: "supervisor" | "guest";
  parent?: string;
  hwdoms: string[];
  guests: string[];
  devices: { type: string; sbdfs: string[] }[];
  span: Span;
}

export interface OutlineGroup {
  title: string;
  items: { name: string; span: Span; depth: number; note?: string }[];
}

export interface PolicyIndex {
  symbols: Map<string, PolicySymbol>;
  /** Permission name -> the classes that define it. */
  perms: Map<string, string[]>;
  platforms: PlatformInfo[];
  /** What the platforms' nesting cannot tell (a binary's: rebuild-platforms.ts's unplacedNote). */
  platformNote?: string;
  users: { name: string; roles: string[] }[];
  outline: OutlineGroup[];
}

const setNames = (s: NameSet | undefined): string[] => (s ? s.include.map((i) => i.name) : []);

export function indexPolicy(ast: PolicyAst): PolicyIndex {
  const symbols = new Map<string, PolicySymbol>();
  const perms = new Map<string, string[]>();
  const define = (name: string, kind: SymbolKind, span: Span) => {
    if (!symbols.has(name)) symbols.set(name, { name, kind, span, detail: [] });
    return symbols.get(name)!;
  };
  const platforms = ast.statements.filter((s): s is PlatformDecl => s.kind === "platform").map(platformInfo);
  const memberOf = new Map<string, string>();
  for (const p of platforms) {
    for (const t of p.hwdoms) memberOf.set(t, `hardware domain type of platform ${p.name}`);
    for (const t of p.guests) memberOf.set(t, `guest type of platform ${p.name}`);
    for (const d of p.devices) memberOf.set(d.type, `device label of platform ${p.name}: ${d.sbdfs.join(" ") || "no SBDFs"}`);
  }
  // the desugared statements carry every attribute membership, the platforms' included
  const statements: Statement[] = platforms.length ? [...desugarPlatforms(ast).ast.statements] : ast.statements;
  const attrsOf = new Map<string, Set<string>>();
  const addAttr = (type: string, attr: string) => attrsOf.set(type, (attrsOf.get(type) ?? new Set()).add(attr));
  const commons = new Map<string, string[]>();
  const users: PolicyIndex["users"] = [];
  const roleTypes = new Map<string, string[]>();
  const ruleCount = new Map<string, number>();
  const countNames = (...sets: NameSet[]) => {
    for (const n of new Set(sets.flatMap((s) => [...s.include, ...s.exclude].map((i) => i.name)))) ruleCount.set(n, (ruleCount.get(n) ?? 0) + 1);
  };
  const visit = (s: Statement) => {
    switch (s.kind) {
      case "type": {
        define(s.name.name, "type", s.name.span);
        for (const a of s.aliases) define(a.name, "alias", a.span).detail.push(`alias of type ${s.name.name}`);
        for (const a of s.attributes) addAttr(s.name.name, a.name);
        break;
      }
      case "typealias":
        for (const a of s.aliases) define(a.name, "alias", a.span).detail.push(`alias of type ${s.type.name}`);
        break;
      case "typeattribute":
        for (const a of s.attributes) addAttr(s.type.name, a.name);
        break;
      case "attribute":
        define(s.name.name, "attribute", s.name.span);
        break;
      case "common":
        define(s.name.name, "common", s.name.span).detail.push(`permissions: ${s.perms.map((p) => p.name).join(" ")}`);
        commons.set(s.name.name, s.perms.map((p) => p.name));
        break;
      case "class":
        define(s.name.name, "class", s.name.span);
        break;
      case "av": {
        const own = s.perms.map((p) => p.name);
        const all = [...(s.inherits ? commons.get(s.inherits.name) ?? [] : []), ...own];
        const sym = define(s.className.name, "class", s.className.span);
        sym.detail.push(`permissions: ${all.join(" ")}${s.inherits ? ` (inherits ${s.inherits.name})` : ""}`);
        for (const p of all) perms.set(p, [...(perms.get(p) ?? []), s.className.name]);
        break;
      }
      case "bool":
        define(s.name.name, "bool", s.name.span).detail.push(`default ${s.value}`);
        break;
      case "role": {
        define(s.name.name, "role", s.name.span);
        roleTypes.set(s.name.name, [...(roleTypes.get(s.name.name) ?? []), ...setNames(s.types)]);
        break;
      }
      case "user":
        define(s.name.name, "user", s.name.span);
        users.push({ name: s.name.name, roles: setNames(s.roles) });
        break;
      case "sid_decl":
        define(s.name.name, "sid", s.name.span);
        break;
      case "avrule":
      case "typerule":
        countNames(s.sources, s.targets);
        break;
      case "if":
        [...s.then, ...s.else].forEach(visit);
        break;
      default:
        break;
    }
  };
  statements.forEach(visit);
  for (const p of platforms) {
    const sym = define(p.name, "platform", p.span);
    sym.detail.push(p.parent ? `guest platform of ${p.parent}` : "supervisor platform");
    if (p.hwdoms.length) sym.detail.push(`hwdom: ${p.hwdoms.join(" ")}`);
    if (p.guests.length) sym.detail.push(`guest: ${p.guests.join(" ")}`);
    for (const d of p.devices) sym.detail.push(`device ${d.type}: ${d.sbdfs.join(" ")}`);
  }

  const members = new Map<string, string[]>();
  for (const [type, attrs] of attrsOf) for (const a of attrs) members.set(a, [...(members.get(a) ?? []), type]);
  for (const sym of symbols.values()) {
    if (sym.kind === "type") {
      const m = memberOf.get(sym.name);
      if (m) sym.detail.push(m);
      const attrs = [...(attrsOf.get(sym.name) ?? [])];
      sym.detail.push(attrs.length ? `attributes: ${attrs.join(" ")}` : "no attributes");
    }
    if (sym.kind === "attribute") sym.detail.push(`members: ${members.get(sym.name)?.join(" ") || "none"}`);
    if (sym.kind === "role") sym.detail.push(`types: ${roleTypes.get(sym.name)?.join(" ") || "none"}`);
    if (sym.kind === "user") sym.detail.push(`roles: ${users.find((u) => u.name === sym.name)?.roles.join(" ") || "none"}`);
    if (sym.kind === "type" || sym.kind === "attribute") {
      const n = ruleCount.get(sym.name) ?? 0;
      sym.detail.push(`named by ${n} rule${n === 1 ? "" : "s"}`);
    }
  }
  return { symbols, perms, platforms, users, outline: outline(symbols, platforms) };
}

function platformInfo(p: PlatformDecl): PlatformInfo {
  const of = (kind: string) => p.members.filter((m) => m.kind === kind);
  return {
    name: p.name.name,
    level: p.level,
    ...(p.parent ? { parent: p.parent.name } : {}),
    hwdoms: of("hwdom").map((m) => m.type.name),
    guests: of("guest").map((m) => m.type.name),
    devices: of("device").map((m) => ({ type: m.type.name, sbdfs: m.devices.map((d) => d.text) })),
    span: p.name.span,
  };
}

function outline(symbols: Map<string, PolicySymbol>, platforms: PlatformInfo[]): OutlineGroup[] {
  const of = (kind: SymbolKind) => [...symbols.values()].filter((s) => s.kind === kind).map((s) => ({ name: s.name, span: s.span, depth: 0 }));
  const platformItems: OutlineGroup["items"] = [];
  const children = (parent: string | undefined, depth: number) => {
    for (const p of platforms.filter((q) => q.parent === parent)) {
      platformItems.push({ name: p.name, span: p.span, depth, note: p.level });
      children(p.name, depth + 1);
    }
  };
  children(undefined, 0);
  // platforms whose parent is missing still belong in the outline
  for (const p of platforms) if (!platformItems.some((i) => i.name === p.name)) platformItems.push({ name: p.name, span: p.span, depth: 0, note: p.level });
  return [
    { title: "Platforms", items: platformItems },
    { title: "Types", items: of("type") },
    { title: "Attributes", items: of("attribute") },
    { title: "Classes", items: of("class") },
    { title: "Booleans", items: of("bool") },
  ].filter((g) => g.items.length > 0);
}
