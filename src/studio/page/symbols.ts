// What the editor knows about the names of a policy: where each is declared and what to say about
// it on hover, what each rule grants, the outline, and the SVP platforms (for the access grid and
// the topology). Read from the AST as written and as the platform blocks desugar it, so generated
// attributes (gvp1_hwdoms, svp_managed_devices ...) point at the platform that makes them. A
// compiled binary's index (compiled-index.ts) says the same things from its symbol tables, in the
// words of the helpers below, so a binary's hover and outline read as its source's.
import type { AccessVectorDecl, DeviceTreeCon, Ident, IomemCon, IoportCon, NameSet, PciDeviceCon, PirqCon, PlatformDecl, PolicyAst, Statement } from "../../policy/ast.js";
import type { Span } from "../../diagnostics/diagnostic.js";
import { ocontextLabel } from "../../binary/to-policy.js";
import { sidReadings } from "../../binary/initial-sids.js";
import { desugarPlatforms } from "../../policy/svp.js";
import { walkNames } from "../../policy/name-index.js";
import { resolve } from "../../policy/resolve.js";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { OBJECT_R, type Symbols } from "../../policy/symbols.js";
import { grantText, mergeGrants, neverallowNames, sourceRuleFacts, type RuleFacts } from "./rule-facts.js";

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
  /** `note` follows the name, muted; `title` is what hovering the item shows. */
  items: { name: string; span: Span; depth: number; note?: string; title?: string }[];
}

export interface PolicyIndex {
  symbols: Map<string, PolicySymbol>;
  /** The initial SIDs, a namespace of their own (`xen` is a class and a SID in Xen's policy): a
   *  name in a `sid` statement is one of these. */
  sids: Map<string, PolicySymbol>;
  /** Permission name -> the classes that define it. */
  perms: Map<string, string[]>;
  platforms: PlatformInfo[];
  /** What the platforms' nesting cannot tell (a binary's: rebuild-platforms.ts's unplacedNote). */
  platformNote?: string;
  users: { name: string; roles: string[] }[];
  outline: OutlineGroup[];
  /** Each rule and what it grants (hover over it); none for a policy tree's files. */
  rules: RuleFacts[];
}

const setNames = (s: NameSet | undefined): string[] => (s ? s.include.map((i) => i.name) : []);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

const namedBy = (rules: number | undefined) => (rules === undefined ? [] : [`named by ${plural(rules, "rule")}`]);

// ---- hover lines, the same for a source and a binary ------------------------------------------

export const hoverLines = {
  /** (`rules` unknown: a source that does not resolve has no avtab keys to count) */
  type: (platformRole: string | undefined, attrs: Iterable<string>, rules: number | undefined): string[] => {
    const a = sorted(attrs);
    return [...(platformRole ? [platformRole] : []), a.length ? `attributes: ${a.join(" ")}` : "no attributes", ...namedBy(rules)];
  },
  attribute: (members: Iterable<string>, rules: number | undefined): string[] => [`members: ${sorted(members).join(" ") || "none"}`, ...namedBy(rules)],
  perms: (perms: string[], inherits?: string): string[] => [`permissions: ${perms.join(" ")}${inherits ? ` (inherits ${inherits})` : ""}`],
  role: (types: Iterable<string>): string[] => [`types: ${sorted(types).join(" ") || "none"}`],
  user: (roles: Iterable<string>): string[] => [`roles: ${sorted(roles).join(" ") || "none"}`],
  bool: (value: boolean): string[] => [`default ${value}`],
  /** (`sid`: its number in the binary, which only a SID with a context is in) */
  sid: (context: string | undefined, sid: number | undefined): string[] => (context ? [`context: ${context}`, ...(sid !== undefined ? [sidReadings(sid)] : [])] : ["no context"]),
  platform: (p: PlatformInfo): string[] => [
    p.parent ? `guest platform of ${p.parent}` : "supervisor platform",
    ...(p.hwdoms.length ? [`hwdom: ${p.hwdoms.join(" ")}`] : []),
    ...(p.guests.length ? [`guest: ${p.guests.join(" ")}`] : []),
    ...p.devices.map((d) => `device ${d.type}: ${d.sbdfs.join(" ")}`),
  ],
};

/** What each platform's member types are, for their hover. */
export function platformRoles(platforms: PlatformInfo[]): Map<string, string> {
  const memberOf = new Map<string, string>();
  for (const p of platforms) {
    for (const t of p.hwdoms) memberOf.set(t, `hardware domain type of platform ${p.name}`);
    for (const t of p.guests) memberOf.set(t, `guest type of platform ${p.name}`);
    for (const d of p.devices) memberOf.set(d.type, `device label of platform ${p.name}: ${d.sbdfs.join(" ") || "no SBDFs"}`);
  }
  return memberOf;
}

/** How many merged grants (avtab entries) name each type or attribute as source or target. */
export function grantCounts(rules: RuleFacts[], classPerms: (tclass: string) => string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const { grant } of mergeGrants(rules, classPerms)) for (const x of new Set([grant.source, grant.target])) n.set(x, (n.get(x) ?? 0) + 1);
  return n;
}

/** The parts of an outline, each listing in the policy's own order. */
export interface OutlineParts {
  platforms: PlatformInfo[];
  symbols: Map<string, PolicySymbol>;
  /** Permission -> where it is declared (a source's: its first class's; a binary's: that class's line). */
  permSpans: Map<string, Span>;
  perms: Map<string, string[]>;
  /** The initial SIDs (PolicyIndex's `sids`), in the policy's order. */
  sids: { name: string; span: Span }[];
  ocontexts: { label: string; context: string; span: Span }[];
  rules: RuleFacts[];
  classPerms: (tclass: string) => string[];
}

/** Platforms nested as declared, then the names by kind, the ocontexts and the rules (merged as
 *  the avtab holds them: a source's rule at its first statement). Empty groups are left out. */
export function buildOutline(o: OutlineParts): OutlineGroup[] {
  const of = (kind: SymbolKind, note?: (s: PolicySymbol) => string | undefined) =>
    [...o.symbols.values()].filter((s) => s.kind === kind).map((s) => {
      const n = note?.(s);
      return { name: s.name, span: s.span, depth: 0, ...(n !== undefined ? { note: n } : {}) };
    });
  const platformItems: OutlineGroup["items"] = [];
  const children = (parent: string | undefined, depth: number) => {
    for (const p of o.platforms.filter((q) => q.parent === parent)) {
      platformItems.push({ name: p.name, span: p.span, depth, note: p.level });
      children(p.name, depth + 1);
    }
  };
  children(undefined, 0);
  // platforms whose parent is missing still belong in the outline
  for (const p of o.platforms) if (!platformItems.some((i) => i.name === p.name)) platformItems.push({ name: p.name, span: p.span, depth: 0, note: p.level });
  const permCount = (s: PolicySymbol) => plural(o.classPerms(s.name).length, "permission");
  return [
    { title: "Platforms", items: platformItems },
    { title: "Classes", items: of("class", permCount) },
    { title: "Commons", items: of("common") },
    { title: "Permissions", items: [...o.perms].map(([name, classes]) => ({ name, span: o.permSpans.get(name)!, depth: 0, note: [...classes].sort().join(" ") })) },
    { title: "Types", items: of("type") },
    { title: "Attributes", items: of("attribute") },
    { title: "Roles", items: of("role") },
    { title: "Users", items: of("user") },
    { title: "Booleans", items: of("bool", (s) => s.detail[0]?.replace(/^default /, "")) },
    { title: "Initial SIDs", items: o.sids.map((x) => ({ name: x.name, span: x.span, depth: 0 })) },
    // (the label's type is what tells one from another; the whole context is the item's title)
    { title: "Ocontexts", items: o.ocontexts.map((x) => ({ name: x.label, span: x.span, depth: 0, note: x.context.split(":")[2] ?? x.context, title: x.context })) },
    { title: "Rules", items: mergeGrants(o.rules, o.classPerms).map(({ grant, span }) => ({ name: grantText(grant), span, depth: 0, ...(grant.when !== undefined ? { note: `if ${grant.when}` } : {}) })) },
  ].filter((g) => g.items.length > 0);
}

// ---- a source's index ---------------------------------------------------------------------------

const OCONTEXTS = new Set<Statement["kind"]>(["pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon"]);
const isOcontext = (s: Statement): s is PirqCon | IomemCon | IoportCon | PciDeviceCon | DeviceTreeCon => OCONTEXTS.has(s.kind);

const contextText = (c: { user: { name: string }; role: { name: string }; type: { name: string } }) => `${c.user.name}:${c.role.name}:${c.type.name}`;

/** A source's index from its parse. Its rules' grants are the keys the compiler lowers them to, so
 *  they need the policy resolved: `compiled` when the caller has it (the AST platforms desugared,
 *  and its symbols), else resolved here; a policy that does not resolve has no grants. */
export function indexPolicy(ast: PolicyAst, compiled?: { ast: PolicyAst; symbols: Symbols }): PolicyIndex {
  const symbols = new Map<string, PolicySymbol>();
  const perms = new Map<string, string[]>();
  const permSpans = new Map<string, Span>();
  const define = (name: string, kind: SymbolKind, span: Span) => {
    if (!symbols.has(name)) symbols.set(name, { name, kind, span, detail: [] });
    return symbols.get(name)!;
  };
  const platforms = ast.statements.filter((s): s is PlatformDecl => s.kind === "platform").map(platformInfo);
  const memberOf = platformRoles(platforms);
  // the desugared statements carry every attribute membership, the platforms' included
  const desugared = platforms.length ? desugarPlatforms(ast) : { ast, diagnostics: [] };
  const statements = desugared.ast.statements;
  const attrsOf = new Map<string, Set<string>>();
  const addAttr = (type: string, attr: string) => attrsOf.set(type, (attrsOf.get(type) ?? new Set()).add(attr));
  const commons = new Map<string, string[]>();
  const classPerms = new Map<string, string[]>();
  const users: PolicyIndex["users"] = [];
  const aliases = new Map<string, string>();
  const sidContexts = new Map<string, string>();
  const sids = new Map<string, PolicySymbol>();
  const ocontexts: OutlineParts["ocontexts"] = [];
  const dominated: Ident[] = [];
  const defineAlias = (alias: Ident, type: string) => {
    define(alias.name, "alias", alias.span).detail.push(`alias of type ${type}`);
    aliases.set(alias.name, type);
  };
  const classPermissions = (s: AccessVectorDecl, className: Ident) => {
    const own = s.perms.map((p) => p.name);
    const all = [...(s.inherits ? commons.get(s.inherits.name) ?? [] : []), ...own];
    const sym = define(className.name, "class", className.span);
    sym.detail.push(...hoverLines.perms(all, s.inherits?.name));
    classPerms.set(className.name, all);
    for (const p of all) perms.set(p, [...(perms.get(p) ?? []), className.name]);
    // (a common's permission is declared in the common)
    const inherited = s.inherits ? ast.statements.find((x) => x.kind === "common" && x.name.name === s.inherits!.name) : undefined;
    for (const p of inherited?.kind === "common" ? inherited.perms : []) if (!permSpans.has(p.name)) permSpans.set(p.name, p.span);
    for (const p of s.perms) if (!permSpans.has(p.name)) permSpans.set(p.name, p.span);
  };
  // the names as the shared walk classifies them (policy/name-index.ts), each declaration's
  // statement giving what its hover says
  walkNames(statements, (name, kind, _offset, decl, _owner, s, id) => {
    // (a platform block left in by a desugar that failed: its names are the platforms' below)
    if (id === undefined || s.kind === "platform") return;
    switch (kind) {
      case "type":
        if (decl) define(name, "type", id.span);
        break;
      case "alias":
        if (s.kind === "type") defineAlias(id, s.name.name);
        else if (s.kind === "typealias") defineAlias(id, s.type.name);
        break;
      case "attribute":
        if (decl) define(name, "attribute", id.span);
        else if (s.kind === "type") addAttr(s.name.name, name);
        else if (s.kind === "typeattribute") addAttr(aliases.get(s.type.name) ?? s.type.name, name);
        break;
      case "common":
        if (s.kind === "common") {
          define(name, "common", id.span).detail.push(...hoverLines.perms(s.perms.map((p) => p.name)));
          commons.set(name, s.perms.map((p) => p.name));
        }
        break;
      case "class":
        if (s.kind === "class") define(name, "class", id.span);
        // (its permissions make a class known, declared or not)
        else if (s.kind === "av") classPermissions(s, id);
        break;
      case "bool":
        if (s.kind === "bool") define(name, "bool", id.span).detail.push(...hoverLines.bool(s.value));
        break;
      case "role":
        // where the shared walk declares it, as checkpolicy does: a role attribute at its
        // attribute_role (define_attrib_role), a role at its first `role` (define_role_decl), a
        // role only a dominance names there (define_role_dom), listed after the others; never
        // object_r, which libsepol's policydb declares
        if (!decl) break;
        if (s.kind !== "role_dominance") define(name, "role", id.span);
        else dominated.push(id);
        break;
      case "user":
        if (s.kind === "user" && decl) {
          define(name, "user", id.span);
          users.push({ name, roles: setNames(s.roles) });
        }
        break;
      case "sid":
        if (s.kind === "sid_decl" && !sids.has(name)) sids.set(name, { name, kind: "sid", span: id.span, detail: [] });
        else if (s.kind === "sid_context") sidContexts.set(name, contextText(s.context));
        break;
    }
  });
  for (const s of statements) if (isOcontext(s)) ocontexts.push({ label: ocontextLabel(s.kind, s as never), context: contextText(s.context), span: s.span });
  for (const d of dominated) define(d.name, "role", d.span);
  for (const p of platforms) define(p.name, "platform", p.span).detail.push(...hoverLines.platform(p));

  const members = new Map<string, string[]>();
  for (const [type, attrs] of attrsOf) for (const a of attrs) members.set(a, [...(members.get(a) ?? []), type]);
  const permsOf = (c: string) => classPerms.get(c) ?? [];
  const resolved = compiled ?? (hasErrors(desugared.diagnostics) ? undefined : resolvedOrNot(desugared.ast));
  // a user's roles as the binary holds them: a role attribute named stands for its roles
  const written = new Map(users.map((u) => [u.name, u.roles]));
  if (resolved) users.splice(0, users.length, ...heldUsers(resolved.symbols));
  const asWritten = (user: string): string[] => {
    const roles = written.get(user) ?? [];
    return roles.some((r) => !resolved?.symbols.roleIds.has(r)) ? [`roles as written: ${sorted(roles).join(" ")}`] : [];
  };
  const rules = resolved ? sourceRuleFacts(resolved.ast, resolved.symbols) : [];
  const named = resolved && grantCounts(rules, permsOf);
  const never = neverallowNames(statements);
  for (const sym of symbols.values()) {
    if (sym.kind === "type") sym.detail.push(...hoverLines.type(memberOf.get(sym.name), attrsOf.get(sym.name) ?? [], named && (named.get(sym.name) ?? 0)));
    if (sym.kind === "attribute") sym.detail.push(...hoverLines.attribute(members.get(sym.name) ?? [], named && (named.get(sym.name) ?? 0)));
    // a role's types as the binary holds them (object_r: none); a role attribute's, given to its roles
    if (resolved && sym.kind === "role") {
      const { roles, roleIds, roleAttrs, types } = resolved.symbols;
      const role = roleIds.get(sym.name);
      const ids = role === undefined ? roleAttrs.find((a) => a.name === sym.name)?.types : role === OBJECT_R ? [] : roles[role]!.types;
      sym.detail.push(...hoverLines.role(Array.from(ids ?? [], (t) => types[t]!.name)));
    }
    if (sym.kind === "user") sym.detail.push(...hoverLines.user(users.find((u) => u.name === sym.name)?.roles ?? []), ...asWritten(sym.name));
    if (sym.kind === "attribute" && resolved?.symbols.attrs[resolved.symbols.attrIds.get(sym.name) ?? -1]?.expand) sym.detail.push(EXPANDED);
    if (resolved && sym.kind === "role" && !resolved.symbols.roleIds.has(sym.name)) sym.detail.push(...roleAttributeLines(resolved.symbols, sym.name));
    // (what a binary cannot say: it keeps no neverallow)
    const nevers = never.get(sym.name);
    if (nevers) sym.detail.push(`named by ${plural(nevers, "neverallow rule")}`);
  }
  // checkpolicy numbers them by declaration (lower.ts)
  [...sids.values()].forEach((x, i) => x.detail.push(...hoverLines.sid(sidContexts.get(x.name), i + 1)));
  const outline = buildOutline({ platforms, symbols, permSpans, perms, sids: [...sids.values()], ocontexts, rules, classPerms: permsOf });
  return { symbols, sids, perms, platforms, users, outline, rules };
}

/** What only a source says of an attribute `expandattribute A true` expands: libsepol's
 *  type_attr_map leaves it out of every type's entry, so its binary cannot tell it from an
 *  attribute with no types (members: none, and no type's attributes name it). */
export const EXPANDED = "expandattribute true: its rules name its types instead, and a binary keeps none of them for it (type_attr_map): its binary's hover says members: none, and no type's names it";

/** What only a source says of a role attribute, which a binary has no record of: policydb_write
 *  writes no role attributes (role_attr_uncount), expand having given its types to its roles
 *  (role_fix_callback) and every role set naming it its roles. */
function roleAttributeLines(sym: Symbols, name: string): string[] {
  const a = sym.roleAttrs.find((x) => x.name === name);
  const roles = sorted(Array.from(a?.roles ?? [], (r) => sym.roles[r]!.name));
  return [`role attribute of roles: ${roles.join(" ") || "none"}`, `not in a binary: checkpolicy gives its types to ${roles.length ? "those roles" : "no role"} and writes no role attributes`];
}

/** The users as the binary holds them (compiled-index.ts reads a binary's so): each role attribute
 *  a user names stands for its roles. */
function heldUsers(sym: Symbols): PolicyIndex["users"] {
  return sym.users.filter((u) => sym.userIds.has(u.name)).map((u) => ({ name: u.name, roles: [...u.roles].map((r) => sym.roles[r]!.name) }));
}

function resolvedOrNot(ast: PolicyAst): { ast: PolicyAst; symbols: Symbols } | undefined {
  const { symbols, diagnostics } = resolve(ast);
  return hasErrors(diagnostics) ? undefined : { ast, symbols };
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
