/**
 * The SVP extension: virtual platforms declared in the policy, desugared into plain policy.conf.
 *
 * Syntax (in the TE section, after any separate declarations of the types it names):
 *
 *   platform svp supervisor {                 platform gvp1 guest of svp {
 *     hwdom  svp_hwdom_t;                        hwdom  gvp1_hwdom_t;
 *     device svp_pci_t { 0000:03:00.0 };         guest  gvp1_guest_t;
 *   }                                            device gvp1_pci_t { 0000:03:10.0 0000:03:10.1 };
 *                                              }
 *
 * A platform names its hardware domain types (`hwdom`), its guest domain types (`guest`) and the
 * labels of its devices (`device TYPE { SBDF... }`). `guest of PARENT` nests a platform under
 * another (a supervisor or, turtles all the way down, another guest platform).
 *
 * What each platform P becomes (nested(P) = the platforms under P, transitively):
 *
 *   attribute P_platform_domain;   # P's hwdoms and guests
 *   attribute P_hwdoms;  attribute P_guests;
 *   attribute P_devices;           # P's own device labels
 *   attribute P_managed_devices;   # P's devices and every nested platform's devices
 *   attribute P_managed_domains;   # P's domains and every nested platform's domains
 *   type T, <its attributes>;      # or `typeattribute T ...;` when T is declared elsewhere
 *   allow P_hwdoms P_managed_devices:resource { plug unplug setup add_device remove_device stat_device };
 *   allow P_hwdoms P_managed_domains:resource { add remove };
 *   allow P_platform_domain P_devices:resource { use use_iommu use_iommu_nointremap };
 *   pcidevicecon <seg<<16|bus<<8|devfn> <user>:object_r:T   # one per SBDF, in the ocontext section
 *
 * and for a guest platform G, the isolation its hwdom and guests must keep, whatever else the
 * policy says (checked like any neverallow):
 *
 *   neverallow G_hwdoms ~G_managed_devices:resource { plug unplug setup add_device remove_device stat_device };
 *   neverallow G_hwdoms ~G_managed_domains:resource { add remove };
 *   neverallow G_guests *:resource { plug unplug setup add_device remove_device stat_device };
 *
 * So the supervisor's hwdom may plug, unplug and remove every device of every platform (Daniel's
 * "it can't rely on the Guest VP to properly shutdown/unplug"), a guest platform's hwdom only its
 * own (and its nested platforms'), and a guest only uses its platform's devices. `use_noiommu` is
 * deliberately not granted. The user of the pcidevicecon contexts is the one of `sid device`
 * (else `system_u`). Generated nodes carry the spans of the platform text they come from, so every
 * diagnostic about them points at the platform block.
 */
import type {
  AttributeDecl,
  AvRule,
  CondExpr,
  ConstraintExpr,
  Context,
  MlsLevel,
  MlsRange,
  Ident,
  NameSet,
  PciDeviceCon,
  PlatformDecl,
  PlatformMember,
  PolicyAst,
  RoleDomDef,
  Statement,
  TypeAttributeDecl,
  TypeDecl,
  TypeRule,
} from "./ast.js";
import { foldTree } from "./ast.js";
import { diagnostic, error, hasErrors, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { parsePolicy } from "./parse.js";
import { parseSbdf, sbdfKey } from "../xen/sbdf.js";

export const MANAGE_DEVICE_PERMS = ["plug", "unplug", "setup", "add_device", "remove_device", "stat_device"];
export const MANAGE_DOMAIN_PERMS = ["add", "remove"];
export const USE_DEVICE_PERMS = ["use", "use_iommu", "use_iommu_nointremap"];

/** Statements desugarPlatforms generated -> a header naming the platform (printPolicyConf prints it). */
const origins = new WeakMap<Statement, string>();
export function generatedFrom(stmt: Statement): string | undefined {
  return origins.get(stmt);
}

/** A platform as the desugared AST no longer shows it: its place in the nesting and its members. */
export interface PlatformSummary {
  name: string;
  /** The platform it is a guest of; undefined for a supervisor. */
  parent?: string;
  span: Span;
  hwdoms: Ident[];
  guests: Ident[];
  devices: Ident[];
}

/** Desugared AST -> the platforms it was made from (later stages, such as lint, reason about them). */
const platformsByAst = new WeakMap<PolicyAst, readonly PlatformSummary[]>();
export function platformsOf(ast: PolicyAst): readonly PlatformSummary[] {
  return platformsByAst.get(ast) ?? [];
}

interface Platform {
  decl: PlatformDecl;
  name: string;
  parent?: Platform;
  children: Platform[];
  hwdoms: PlatformMember[];
  guests: PlatformMember[];
  devices: PlatformMember[];
}

/** The attributes platform P makes (exported for the language server, whose rename of P follows them). */
export const platformAttributes = (p: string) => ({
  domain: `${p}_platform_domain`,
  hwdoms: `${p}_hwdoms`,
  guests: `${p}_guests`,
  devices: `${p}_devices`,
  managedDevices: `${p}_managed_devices`,
  managedDomains: `${p}_managed_domains`,
});

export function desugarPlatforms(ast: PolicyAst): { ast: PolicyAst; diagnostics: Diagnostic[] } {
  const decls = ast.statements.filter((s): s is PlatformDecl => s.kind === "platform");
  if (decls.length === 0) return { ast, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const platforms = buildTree(decls, diagnostics);
  const declared = declaredNames(ast);
  checkMembers(platforms, declared, diagnostics);
  const labels = deviceLabels(ast, platforms, diagnostics);
  if (diagnostics.some((d) => d.severity === "error")) return { ast, diagnostics };

  // Parents first: a nested platform's types join its ancestors' attributes, declared before them.
  const byDepth = [...platforms].sort((x, y) => ancestors(x).length - ancestors(y).length);
  const generated = byDepth.flatMap((p) => platformStatements(p, declared));
  const typeAttrs = platforms.flatMap((p) => externalTypeAttributes(p, declared));
  const firstPlatform = ast.statements.findIndex((s) => s.kind === "platform");
  const deviceUser = sidUser(ast, "device") ?? "system_u";
  const pcidevicecons = labels.map(({ device, type, span }) => pciDeviceCon(device, deviceUser, type, span));

  const out: Statement[] = [];
  const afterIndex = new Map<number, Statement[]>();
  for (const t of typeAttrs) {
    const at = Math.max(t.declaredAt, firstPlatform);
    afterIndex.set(at, [...(afterIndex.get(at) ?? []), t.stmt]);
  }
  const pciAt = pcidevicePosition(ast.statements);
  ast.statements.forEach((s, i) => {
    if (i === pciAt) out.push(...pcidevicecons);
    if (i === firstPlatform) out.push(...generated);
    if (s.kind !== "platform") out.push(s);
    out.push(...(afterIndex.get(i) ?? []));
  });
  if (pciAt === ast.statements.length) out.push(...pcidevicecons);
  const desugared: PolicyAst = { file: ast.file, statements: out };
  platformsByAst.set(desugared, platforms.map((p) => ({
    name: p.name,
    parent: p.parent?.name,
    span: p.decl.name.span,
    hwdoms: p.hwdoms.map((m) => m.type),
    guests: p.guests.map((m) => m.type),
    devices: p.devices.map((m) => m.type),
  })));
  return { ast: desugared, diagnostics };
}

// ---- checks ------------------------------------------------------------------------------------

function buildTree(decls: PlatformDecl[], diagnostics: Diagnostic[]): Platform[] {
  const byName = new Map<string, Platform>();
  const platforms: Platform[] = [];
  for (const decl of decls) {
    const prev = byName.get(decl.name.name);
    if (prev) {
      diagnostics.push(error("duplicate", `platform ${decl.name.name} is declared twice`, decl.name.span, [
        { message: "first declared here", span: prev.decl.name.span },
      ]));
      continue;
    }
    const of = (k: PlatformMember["kind"]) => decl.members.filter((m) => m.kind === k);
    const p: Platform = { decl, name: decl.name.name, children: [], hwdoms: of("hwdom"), guests: of("guest"), devices: of("device") };
    byName.set(p.name, p);
    platforms.push(p);
  }
  for (const p of platforms) {
    const parentName = p.decl.parent;
    if (p.decl.level === "supervisor" || !parentName) continue;
    const parent = byName.get(parentName.name);
    if (!parent) {
      diagnostics.push(error("undeclared", `platform ${p.name} is a guest of ${parentName.name}, which is not a declared platform`, parentName.span));
      continue;
    }
    p.parent = parent;
    parent.children.push(p);
  }
  for (const p of platforms) {
    const seen = new Set<Platform>();
    for (let q: Platform | undefined = p; q; q = q.parent) {
      if (seen.has(q)) {
        diagnostics.push(diagnostic("platform-cycle", p.decl.name.span, p.name));
        p.parent = undefined;
        break;
      }
      seen.add(q);
    }
    if (p.hwdoms.length === 0) {
      diagnostics.push(diagnostic("platform-no-hwdom", p.decl.name.span, p.name));
    }
  }
  return platforms;
}

interface Declared {
  /** Type name -> index of its `type` statement. */
  types: Map<string, number>;
  /** Attributes and aliases: names a generated attribute must not take. */
  others: Map<string, Span>;
}

function declaredNames(ast: PolicyAst): Declared {
  const types = new Map<string, number>();
  const others = new Map<string, Span>();
  ast.statements.forEach((s, i) => {
    if (s.kind === "type") {
      types.set(s.name.name, i);
      for (const a of s.aliases) others.set(a.name, a.span);
    } else if (s.kind === "attribute") others.set(s.name.name, s.name.span);
    else if (s.kind === "typealias") for (const a of s.aliases) others.set(a.name, a.span);
  });
  return { types, others };
}

function checkMembers(platforms: Platform[], declared: Declared, diagnostics: Diagnostic[]): void {
  const owner = new Map<string, { platform: string; span: Span }>();
  for (const p of platforms) {
    for (const name of Object.values(platformAttributes(p.name))) {
      const clash = declared.others.get(name) ?? (declared.types.has(name) ? p.decl.name.span : undefined);
      if (clash) diagnostics.push(error("duplicate", `platform ${p.name} declares attribute ${name}, which is already declared`, p.decl.name.span, [{ message: "declared here", span: clash }]));
    }
    for (const m of p.decl.members) {
      const prev = owner.get(m.type.name);
      if (prev) {
        diagnostics.push(error("duplicate", `${m.type.name} is already a member of platform ${prev.platform}; a type belongs to one platform, once`, m.type.span, [{ message: "first used here", span: prev.span }]));
      } else owner.set(m.type.name, { platform: p.name, span: m.type.span });
      if (declared.others.has(m.type.name)) diagnostics.push(diagnostic("not-a-type", m.type.span, m.type.name));
      if (m.kind !== "device" && m.devices.length > 0) diagnostics.push(error("syntax", `only device members list SBDFs`, m.devices[0]!.span));
    }
  }
}

interface Label { device: number; type: Ident; span: Span }

function deviceLabels(ast: PolicyAst, platforms: Platform[], diagnostics: Diagnostic[]): Label[] {
  const existing = new Map<number, Span>();
  for (const s of ast.statements) if (s.kind === "pcidevicecon") existing.set(s.device, s.span);
  const labels = new Map<number, Label>();
  for (const p of platforms) {
    for (const m of p.devices) {
      for (const d of m.devices) {
        const parsed = parseSbdf(d.text);
        if (!parsed.ok) {
          diagnostics.push(error("bad-sbdf", parsed.error, d.span));
          continue;
        }
        const device = sbdfKey(parsed.value);
        const prev = labels.get(device) ?? (existing.has(device) ? { span: existing.get(device)! } : undefined);
        if (prev) {
          diagnostics.push(error("duplicate", `${d.text} is already labeled`, d.span, [{ message: "labeled here", span: prev.span }]));
          continue;
        }
        labels.set(device, { device, type: { name: m.type.name, span: m.type.span }, span: d.span });
      }
    }
  }
  return [...labels.values()];
}

// ---- generation --------------------------------------------------------------------------------

const id = (name: string, span: Span): Ident => ({ name, span });
const names = (span: Span, include: string[], opts: Partial<Pick<NameSet, "star" | "complement">> = {}): NameSet => ({
  span,
  star: opts.star ?? false,
  complement: opts.complement ?? false,
  include: include.map((n) => id(n, span)),
  exclude: [],
});

function nested(p: Platform): Platform[] {
  return [p, ...p.children.flatMap(nested)];
}

function ancestors(p: Platform): Platform[] {
  const out: Platform[] = [];
  for (let q = p.parent; q; q = q.parent) out.push(q);
  return out;
}

/** The attributes a member type joins: its platform's and, for managed sets, every ancestor's. */
function memberAttributes(p: Platform, m: PlatformMember): string[] {
  const mine = platformAttributes(p.name);
  const up = [p, ...ancestors(p)].map((q) => platformAttributes(q.name));
  if (m.kind === "device") return [mine.devices, ...up.map((a) => a.managedDevices)];
  return [mine.domain, m.kind === "hwdom" ? mine.hwdoms : mine.guests, ...up.map((a) => a.managedDomains)];
}

function platformStatements(p: Platform, declared: Declared): Statement[] {
  const span = p.decl.span;
  const a = platformAttributes(p.name);
  const header = p.parent ? `platform ${p.name} guest of ${p.parent.name}` : `platform ${p.name} ${p.decl.level}`;
  const out: Statement[] = [];
  for (const name of Object.values(a)) {
    const decl: AttributeDecl = { kind: "attribute", span: p.decl.name.span, name: id(name, p.decl.name.span) };
    out.push(decl);
  }
  for (const m of p.decl.members) {
    if (declared.types.has(m.type.name)) continue; // externalTypeAttributes adds it to the attributes
    const decl: TypeDecl = { kind: "type", span: m.span, name: m.type, aliases: [], attributes: memberAttributes(p, m).map((n) => id(n, m.type.span)) };
    out.push(decl);
  }
  const rule = (kind: AvRule["rule"], sources: NameSet, targets: NameSet, perms: string[]): AvRule => ({
    kind: "avrule", span, rule: kind, sources, targets, classes: names(span, ["resource"]), perms: names(span, perms),
  });
  out.push(rule("allow", names(span, [a.hwdoms]), names(span, [a.managedDevices]), MANAGE_DEVICE_PERMS));
  out.push(rule("allow", names(span, [a.hwdoms]), names(span, [a.managedDomains]), MANAGE_DOMAIN_PERMS));
  out.push(rule("allow", names(span, [a.domain]), names(span, [a.devices]), USE_DEVICE_PERMS));
  if (p.parent) {
    out.push(rule("neverallow", names(span, [a.hwdoms]), names(span, [a.managedDevices], { complement: true }), MANAGE_DEVICE_PERMS));
    out.push(rule("neverallow", names(span, [a.hwdoms]), names(span, [a.managedDomains], { complement: true }), MANAGE_DOMAIN_PERMS));
    out.push(rule("neverallow", names(span, [a.guests]), names(span, [], { star: true }), MANAGE_DEVICE_PERMS));
  }
  for (const s of out) origins.set(s, header);
  return out;
}

/** Types the policy declares itself join the platform's attributes through `typeattribute`, which
 *  checkpolicy only accepts after the type's declaration (it resolves it in its first pass). */
function externalTypeAttributes(p: Platform, declared: Declared): { declaredAt: number; stmt: TypeAttributeDecl }[] {
  const out: { declaredAt: number; stmt: TypeAttributeDecl }[] = [];
  for (const m of p.decl.members) {
    const at = declared.types.get(m.type.name);
    if (at === undefined) continue;
    const stmt: TypeAttributeDecl = { kind: "typeattribute", span: m.span, type: m.type, attributes: memberAttributes(p, m).map((n) => id(n, m.type.span)) };
    origins.set(stmt, `platform ${p.name}: ${m.type.name} is declared above`);
    out.push({ declaredAt: at, stmt });
  }
  return out;
}

function sidUser(ast: PolicyAst, sid: string): string | undefined {
  for (const s of ast.statements) if (s.kind === "sid_context" && s.name.name === sid) return s.context.user.name;
  return undefined;
}

function pciDeviceCon(device: number, user: string, type: Ident, span: Span): PciDeviceCon {
  const context: Context = { span, user: id(user, span), role: id("object_r", span), type: id(type.name, span) };
  const stmt: PciDeviceCon = { kind: "pcidevicecon", span, device, context };
  origins.set(stmt, `platform device labels`);
  return stmt;
}

/** checkpolicy wants Xen's ocontexts in order pirqcon, iomemcon, ioportcon, pcidevicecon,
 *  devicetreecon: the labels go after the last pcidevicecon, else before the first devicetreecon,
 *  else at the end. Returns the index to insert before. */
function pcidevicePosition(statements: Statement[]): number {
  let lastPci = -1;
  statements.forEach((s, i) => { if (s.kind === "pcidevicecon") lastPci = i; });
  if (lastPci >= 0) return lastPci + 1;
  const dt = statements.findIndex((s) => s.kind === "devicetreecon");
  return dt >= 0 ? dt : statements.length;
}

// ---- printing: the plain policy.conf (`xsm compile --expand`) ----------------------------------

/** `xsm compile --expand`: parse, desugar the platforms, print. `text` is undefined when either
 *  stage reported an error (every diagnostic is returned, warnings included). */
export function expandPolicyText(source: string, file: string): { text?: string; diagnostics: Diagnostic[] } {
  const parsed = parsePolicy(source, file);
  if (hasErrors(parsed.diagnostics)) return { diagnostics: parsed.diagnostics };
  const out = desugarPlatforms(parsed.ast);
  const diagnostics = [...parsed.diagnostics, ...out.diagnostics];
  return hasErrors(diagnostics) ? { diagnostics } : { text: printPolicyConf(out.ast), diagnostics };
}

/** Prints a policy AST (after desugarPlatforms) as policy.conf that `checkpolicy -t Xen -c 30`
 *  accepts. Statements print in AST order; generated groups get a `#` header naming their platform. */
export function printPolicyConf(ast: PolicyAst): string {
  const lines: string[] = [];
  let origin: string | undefined;
  for (const s of ast.statements) {
    const from = origins.get(s);
    if (from !== origin && from !== undefined) lines.push("", `# ${from}`);
    else if (from === undefined && origin !== undefined) lines.push("");
    origin = from;
    lines.push(printStatement(s));
  }
  return lines.join("\n") + "\n";
}

const list = (ids: Ident[]) => (ids.length === 1 ? ids[0]!.name : `{ ${ids.map((i) => i.name).join(" ")} }`);

function printNames(n: NameSet): string {
  if (n.star) return "*";
  const items = [...n.include.map((i) => i.name), ...n.exclude.map((i) => `-${i.name}`)];
  const body = items.length === 1 ? items[0]! : `{ ${items.join(" ")} }`;
  return n.complement ? `~${body}` : body;
}

function printLevel(l: MlsLevel): string {
  return l.cats.length === 0 ? l.sens.name : `${l.sens.name}:${l.cats.map((c) => c.name).join(",")}`;
}

function printRange(r: MlsRange): string {
  return r.high ? `${printLevel(r.low)} - ${printLevel(r.high)}` : printLevel(r.low);
}

function printContext(c: Context): string {
  return `${c.user.name}:${c.role.name}:${c.type.name}${c.mls ? `:${printRange(c.mls)}` : ""}`;
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

// printed with an explicit stack (ast.ts foldTree): operator chains have no bound
function printCond(root: CondExpr): string {
  return foldTree<CondExpr, string>(root, (e, v) => {
    switch (e.op) {
      case "bool": return e.name.name;
      case "not": return `! ${v[0]}`;
      default: {
        const op = { and: "&&", or: "||", xor: "^", eq: "==", neq: "!=" }[e.op];
        return `(${v[0]} ${op} ${v[1]})`;
      }
    }
  });
}

function printConstraint(root: ConstraintExpr): string {
  return foldTree<ConstraintExpr, string>(root, (e, v) => {
    switch (e.op) {
      case "not": return `not (${v[0]})`;
      case "and":
      case "or": return `(${v[0]} ${e.op} ${v[1]})`;
      case "cmp": return `${e.left} ${e.cmp} ${e.right}`;
      case "names": return `${e.left} ${e.cmp} ${printNames(e.names)}`;
    }
  });
}

function printRule(r: AvRule | TypeRule): string {
  const target = `${printNames(r.sources)} ${printNames(r.targets)}:${printNames(r.classes)}`;
  if (r.kind === "avrule") return `${r.rule} ${target} ${printNames(r.perms)};`;
  return `${r.rule} ${target} ${r.defaultType.name}${r.filename === undefined ? "" : ` "${r.filename}"`};`;
}

function printRoleDom(d: RoleDomDef): string {
  return d.dominated.length === 0 ? `role ${d.name.name};` : `role ${d.name.name} { ${d.dominated.map(printRoleDom).join(" ")} }`;
}

function printStatement(s: Statement): string {
  switch (s.kind) {
    case "class": return `class ${s.name.name}`;
    case "sid_decl": return `sid ${s.name.name}`;
    case "common": return `common ${s.name.name} { ${s.perms.map((p) => p.name).join(" ")} }`;
    case "av": {
      const inherits = s.inherits ? ` inherits ${s.inherits.name}` : "";
      const perms = s.perms.length ? ` { ${s.perms.map((p) => p.name).join(" ")} }` : "";
      return `class ${s.className.name}${inherits}${perms}`;
    }
    case "attribute": return `attribute ${s.name.name};`;
    case "type": {
      const alias = s.aliases.length ? ` alias ${list(s.aliases)}` : "";
      const attrs = s.attributes.map((a) => `, ${a.name}`).join("");
      return `type ${s.name.name}${alias}${attrs};`;
    }
    case "typealias": return `typealias ${s.type.name} alias ${list(s.aliases)};`;
    case "typeattribute": return `typeattribute ${s.type.name} ${s.attributes.map((a) => a.name).join(", ")};`;
    case "bool": return `${s.tunable ? "tunable" : "bool"} ${s.name.name} ${s.value};`;
    case "permissive": return `permissive ${s.type.name};`;
    case "policycap": return `policycap ${s.name.name};`;
    case "expandattribute": return `expandattribute ${printNames(s.names)} ${s.value};`;
    case "attribute_role": return `attribute_role ${s.name.name};`;
    case "roleattribute": return `roleattribute ${s.role.name} ${s.attributes.map((a) => a.name).join(", ")};`;
    case "role": return s.types ? `role ${s.name.name} types ${printNames(s.types)};` : `role ${[s.name, ...(s.attributes ?? [])].map((a) => a.name).join(", ")};`;
    case "role_allow": return `allow ${printNames(s.sources)} ${printNames(s.targets)};`;
    case "role_dominance": return `dominance { ${s.roles.map(printRoleDom).join(" ")} }`;
    case "user": return `user ${s.name.name} roles ${printNames(s.roles)}${s.mls ? ` level ${printLevel(s.mls.level)} range ${printRange(s.mls.range)}` : ""};`;
    case "typebounds": return `typebounds ${s.parent.name} ${s.children.map((c) => c.name).join(", ")};`;
    case "role_transition": return `role_transition ${printNames(s.roles)} ${printNames(s.types)}${s.classes ? `:${printNames(s.classes)}` : ""} ${s.newRole.name};`;
    case "default": return `default_${s.field} ${printNames(s.classes)} ${s.value};`;
    case "avrule":
    case "typerule": return printRule(s);
    case "if": {
      const body = (rules: (AvRule | TypeRule)[]) => rules.map((r) => `  ${printRule(r)}`).join("\n");
      const els = s.else.length ? ` else {\n${body(s.else)}\n}` : "";
      return `if (${printCond(s.expr)}) {\n${body(s.then)}\n}${els}`;
    }
    case "constrain": return `${s.mls ? "mls" : ""}constrain ${printNames(s.classes)} ${printNames(s.perms)} ${printConstraint(s.expr)};`;
    case "validatetrans": return `${s.mls ? "mls" : ""}validatetrans ${printNames(s.classes)} ${printConstraint(s.expr)};`;
    case "sid_context": return `sid ${s.name.name} ${printContext(s.context)}`;
    case "pirqcon": return `pirqcon ${s.irq} ${printContext(s.context)}`;
    case "iomemcon": return `iomemcon ${s.low === s.high ? hex(s.low) : `${hex(s.low)}-${hex(s.high)}`} ${printContext(s.context)}`;
    case "ioportcon": return `ioportcon ${s.low === s.high ? hex(s.low) : `${hex(s.low)}-${hex(s.high)}`} ${printContext(s.context)}`;
    case "pcidevicecon": return `pcidevicecon ${hex(s.device)} ${printContext(s.context)}`;
    case "devicetreecon": return `devicetreecon ${JSON.stringify(s.path)} ${printContext(s.context)}`;
    case "sensitivity":
    case "category": return `${s.kind} ${s.name.name}${s.aliases.length ? ` alias ${list(s.aliases)}` : ""};`;
    case "dominance": return `dominance { ${s.order.map((i) => i.name).join(" ")} }`;
    case "level": return `level ${printLevel(s.level)};`;
    case "range_transition": return `range_transition ${printNames(s.sources)} ${printNames(s.targets)}${s.classes ? `:${printNames(s.classes)}` : ""} ${printRange(s.range)};`;
    case "platform": return `# platform ${s.name.name} (not desugared)`;
  }
}
