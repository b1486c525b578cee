// The platform picture: what `xsm simulate --dot/--svg` draws and what a browser can draw the same
// way. A Topology is plain data, built from the policy's `platform` blocks (the platforms, their
// nesting, which domain and device types belong to which) and the state of a run at one step (the
// domains, live or destroyed; the devices with their owners, PF->VF links, broken and stale marks;
// the accesses the step was denied; event channels and grant mappings between domains).
// topologyDot() turns it into Graphviz DOT.
//
// No Node-only imports here (types only from the policy AST and the run): the studio imports this
// module in the browser.
//
// Shape (see the interfaces below):
//   Topology { title, caption, platforms: TopoPlatform[] (a forest: parent names the enclosing one),
//              domains: TopoDomain[], devices: TopoDevice[], channels: TopoChannel[],
//              unbound: TopoUnbound[], grants: TopoGrant[], denied: TopoDenial[], notes: string[] }
//   A domain's or device's `platform` is the name of the platform it belongs to, or null (outside
//   every platform: Xen's own domains, unlabeled devices).
import type { PlatformDecl, Statement } from "../policy/ast.js";
import type { PlatformInfo } from "../policy/rebuild-platforms.js";

export type { PlatformInfo };

export interface TopoPlatform extends PlatformInfo {
  /** Nesting depth: 0 for a platform under none. */
  depth: number;
}

export interface TopoDomain {
  name: string;
  domid: number;
  /** The type of its context (flask), e.g. gvp1_hwdom_t. */
  type: string | null;
  platform: string | null;
  role: "hwdom" | "guest" | "other";
  hardware: boolean;
  control: boolean;
  live: boolean;
}

export interface TopoDevice {
  sbdf: string;
  kind: "device" | "extfn" | "pf" | "vf";
  /** Its pcidevicecon label type, or null when the policy labels it with no type. */
  label: string | null;
  platform: string | null;
  owner: string | null;
  /** A VF's current PF (null when unlinked or not a VF). */
  physfn: string | null;
  broken: boolean;
  /** Xen holds it after it was asked to go (or its hardware vanished), or a VF lost its PF. */
  stale: boolean;
  /** false: the hardware is gone (hot_unplug) while Xen keeps the record. */
  present: boolean;
}

/** An access the shown step was denied: from a domain to a device (or another domain). */
export interface TopoDenial {
  step: number;
  from: string; // domain name
  to: string; // device SBDF or domain name
  perm: string;
}

/** An interdomain event channel between two live domains, drawn once (from the end with the lower
 *  domid, then port). A type is the channel end's flask label type, null when unlabeled. */
export interface TopoChannel {
  from: string;
  fromPort: number;
  fromType: string | null;
  to: string;
  toPort: number;
  toType: string | null;
}

/** A live domain's unbound ports, together: one mark, whatever their number (a created domain
 *  starts with two, its xenstore and console channels). */
export interface TopoUnbound {
  domain: string;
  /** By port: `remote` names the domain that may bind it (its domid, `d7`, when none has it). */
  ports: { port: number; remote: string; type: string | null }[];
}

/** The grant mappings one domain holds of another's grants (GNTTABOP_map_grant_ref), drawn as one
 *  edge from the granter to the mapper. The granter may be destroyed: a dying domain's grants stay
 *  mapped until unmapped. */
export interface TopoGrant {
  from: string; // the granter
  to: string; // the mapper
  /** By ref, then handle. */
  maps: { ref: number; readonly: boolean; handle: number }[];
}

/** A mapping as a run reports it (src/hypervisor/grant.ts's GrantReport.mappings). */
export interface MappingInput {
  handle: number;
  /** The granter's domid. */
  domid: number;
  ref: number;
  readonly: boolean;
}

/** A domain's channel as a run reports it (src/hypervisor/evtchn.ts's ChannelReport). */
export interface ChannelInput {
  port: number;
  state: string;
  remote?: number;
  remotePort?: number;
  /** Its label context (flask), e.g. user_1:object_r:domU_t_channel. */
  label?: string;
}

export interface Topology {
  title: string;
  /** e.g. "final state" or "after step 7 of 11". */
  caption: string;
  platforms: TopoPlatform[];
  domains: TopoDomain[];
  devices: TopoDevice[];
  channels: TopoChannel[];
  unbound: TopoUnbound[];
  grants: TopoGrant[];
  denied: TopoDenial[];
  notes: string[];
}

/** The platform blocks of a parsed policy (before desugaring). */
export function platformsOf(statements: readonly Statement[]): PlatformInfo[] {
  return statements
    .filter((s): s is PlatformDecl => s.kind === "platform")
    .map((p) => ({
      name: p.name.name,
      level: p.level,
      parent: p.parent?.name ?? null,
      hwdomTypes: p.members.filter((m) => m.kind === "hwdom").map((m) => m.type.name),
      guestTypes: p.members.filter((m) => m.kind === "guest").map((m) => m.type.name),
      deviceTypes: p.members.filter((m) => m.kind === "device").map((m) => ({ type: m.type.name, sbdfs: m.devices.map((d) => d.text) })),
    }));
}

/** What a run says at the step shown (a plain view of RunResult, so the studio can make one too). */
export interface TopologyInput {
  title: string;
  caption: string;
  platforms: PlatformInfo[];
  domains: { name: string; domid: number; context?: string; hardware: boolean; control: boolean; live: boolean; platform?: string; channels?: readonly ChannelInput[]; mappings?: readonly MappingInput[] }[];
  devices: { sbdf: string; kind: TopoDevice["kind"]; physfn: string | null; broken: boolean; owner: string | null; present?: false }[];
  /** SBDFs counted stale (RunLeftovers.stalePfs + staleVfs). */
  stale: readonly string[];
  /** The pcidevicecon label type of an SBDF. */
  labelOf: (sbdf: string) => string | null;
  denied: TopoDenial[];
  notes?: string[];
}

export function buildTopology(input: TopologyInput): Topology {
  const depthOf = new Map<string, number>();
  const byName = new Map(input.platforms.map((p) => [p.name, p]));
  const depth = (p: PlatformInfo, seen = new Set<string>()): number => {
    const known = depthOf.get(p.name);
    if (known !== undefined) return known;
    const parent = p.parent !== null ? byName.get(p.parent) : undefined;
    const d = parent && !seen.has(parent.name) ? depth(parent, seen.add(p.name)) + 1 : 0;
    depthOf.set(p.name, d);
    return d;
  };
  const platforms = input.platforms.map((p) => ({ ...p, depth: depth(p) }));
  const typePlatform = new Map<string, { platform: string; role: TopoDomain["role"] }>();
  const labelPlatform = new Map<string, string>();
  for (const p of platforms) {
    for (const t of p.hwdomTypes) typePlatform.set(t, { platform: p.name, role: "hwdom" });
    for (const t of p.guestTypes) typePlatform.set(t, { platform: p.name, role: "guest" });
    for (const d of p.deviceTypes) labelPlatform.set(d.type, p.name);
  }
  const domains: TopoDomain[] = input.domains.map((d) => {
    const type = d.context?.split(":")[2] ?? null;
    const found = type !== null ? typePlatform.get(type) : undefined;
    const platform = d.platform !== undefined && byName.has(d.platform) ? d.platform : (found?.platform ?? null);
    return { name: d.name, domid: d.domid, type, platform, role: found?.role ?? "other", hardware: d.hardware, control: d.control, live: d.live };
  });
  const domainPlatform = new Map(domains.map((d) => [d.name, d.platform]));
  const stale = new Set(input.stale);
  const devices: TopoDevice[] = input.devices.map((d) => {
    const label = input.labelOf(d.sbdf);
    // a device belongs where the policy labels it; an unlabeled one where its owner lives
    const platform = (label !== null ? labelPlatform.get(label) : undefined) ?? (d.owner !== null ? (domainPlatform.get(d.owner) ?? null) : null);
    return { sbdf: d.sbdf, kind: d.kind, label, platform, owner: d.owner, physfn: d.physfn, broken: d.broken, stale: stale.has(d.sbdf), present: d.present !== false };
  });
  return { title: input.title, caption: input.caption, platforms, domains, devices, ...channelsOf(input.domains), grants: grantsOf(input.domains), denied: input.denied, notes: input.notes ?? [] };
}

/** Each live domain's mappings of others' grants, one edge per (granter, mapper) pair, ordered by
 *  mapper then granter as the input lists them. */
function grantsOf(input: TopologyInput["domains"]): TopoGrant[] {
  const nameOf = (domid: number) => input.find((d) => d.domid === domid && d.live)?.name ?? input.find((d) => d.domid === domid)?.name ?? `d${domid}`;
  const out: TopoGrant[] = [];
  for (const d of input) {
    if (!d.live || !d.mappings?.length) continue;
    const by = new Map<number, TopoGrant>();
    for (const m of d.mappings) {
      let g = by.get(m.domid);
      if (g === undefined) by.set(m.domid, (g = { from: nameOf(m.domid), to: d.name, maps: [] }));
      g.maps.push({ ref: m.ref, readonly: m.readonly, handle: m.handle });
    }
    for (const g of by.values()) {
      g.maps.sort((a, b) => a.ref - b.ref || a.handle - b.handle);
      out.push(g);
    }
  }
  return out;
}

const typeOf = (label: string | undefined) => (label === undefined ? null : (label.split(":")[2] ?? label));

/** The interdomain channels between live domains (each pair of ends once) and each live domain's
 *  unbound ports. Pirq channels and destroyed domains' (Xen closed them) are not drawn. */
function channelsOf(input: TopologyInput["domains"]): { channels: TopoChannel[]; unbound: TopoUnbound[] } {
  const live = input.filter((d) => d.live);
  const byDomid = new Map(live.map((d) => [d.domid, d]));
  const nameOf = (domid: number) => byDomid.get(domid)?.name ?? input.find((d) => d.domid === domid)?.name ?? `d${domid}`;
  const channels: TopoChannel[] = [];
  const unbound: TopoUnbound[] = [];
  for (const d of live) {
    const ports: TopoUnbound["ports"] = [];
    for (const c of d.channels ?? []) {
      if (c.state === "unbound" && c.remote !== undefined) ports.push({ port: c.port, remote: nameOf(c.remote), type: typeOf(c.label) });
      if (c.state !== "interdomain" || c.remote === undefined || c.remotePort === undefined) continue;
      const peer = byDomid.get(c.remote);
      if (!peer) continue;
      // the end with the lower (domid, port) draws the pair
      if (peer.domid < d.domid || (peer.domid === d.domid && c.remotePort < c.port)) continue;
      const end = peer.channels?.find((x) => x.port === c.remotePort);
      channels.push({ from: d.name, fromPort: c.port, fromType: typeOf(c.label), to: peer.name, toPort: c.remotePort, toType: typeOf(end?.label) });
    }
    if (ports.length) unbound.push({ domain: d.name, ports });
  }
  return { channels, unbound };
}

// ---- DOT ---------------------------------------------------------------------------------------

const q = (s: string) => JSON.stringify(s);

/** How the picture looks, apart from what it shows: each hook returns the attribute list of a
 *  node, edge or cluster (without brackets), in place of the plain look `xsm simulate --dot`
 *  prints. The studio passes its own (colours, and ids and classes its tests find nodes by). */
export interface TopologyStyle {
  /** Lines after `digraph NAME {` (graph label, defaults), in place of the plain ones. */
  graph?(t: Topology): string[];
  cluster?(p: TopoPlatform): string;
  domain?(d: TopoDomain): string;
  device?(d: TopoDevice): string;
  owns?(d: TopoDevice): string;
  vf?(d: TopoDevice): string;
  denial?(x: TopoDenial, i: number): string;
  /** An interdomain event channel's edge. */
  channel?(c: TopoChannel, i: number): string;
  /** A mapper's mappings of a granter's grants: the edge from the granter. */
  grant?(g: TopoGrant, i: number): string;
  /** A domain's unbound ports: the mark's node and the edge from the domain to it. */
  unboundMark?(u: TopoUnbound): string;
  unboundEdge?(u: TopoUnbound): string;
}

/** Graphviz DOT: a cluster per platform, nested as `guest of` nests them; each domain and device
 *  inside its platform; owners, PF->VF links, broken/stale marks, destroyed domains, denials in red. */
export function topologyDot(t: Topology, style: TopologyStyle = {}): string {
  const head = style.graph?.(t) ?? [`  label=${q(`${t.title}: ${t.caption}`)};`, "  labelloc=t;", "  compound=true;", "  node [fontname=Courier, fontsize=10];", "  edge [fontname=Courier, fontsize=9];"];
  const out = [`digraph ${q(t.title)} {`, ...head];
  const children = new Map<string | null, TopoPlatform[]>();
  for (const p of t.platforms) {
    const parent = p.parent !== null && t.platforms.some((x) => x.name === p.parent) ? p.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), p]);
  }
  const unboundOf = new Map(t.unbound.map((u) => [u.domain, u]));
  const nodesIn = (platform: string | null): string[] => [
    ...t.domains.filter((d) => d.platform === platform).flatMap((d) => {
      const u = unboundOf.get(d.name);
      // the unbound mark sits in its domain's platform, beside it
      const mark = u ? [`${q(unboundId(u))} [${style.unboundMark?.(u) ?? "shape=point, width=0.08, color=blue"}];`] : [];
      return [style.domain ? `${q(d.name)} [${style.domain(d)}];` : domainNode(d), ...mark];
    }),
    ...t.devices.filter((d) => d.platform === platform).map((d) => (style.device ? `${q(d.sbdf)} [${style.device(d)}];` : deviceNode(d))),
  ];
  const cluster = (p: TopoPlatform, indent: string): string[] => {
    const kind = p.level === "supervisor" ? "supervisor" : `guest of ${p.parent}`;
    return [
      `${indent}subgraph ${q(`cluster_${p.name}`)} {`,
      `${indent}  label=${q(`platform ${p.name} (${kind})`)};`,
      ...(style.cluster ? [`${indent}  graph [${style.cluster(p)}];`] : [`${indent}  style=rounded;`]),
      ...nodesIn(p.name).map((n) => `${indent}  ${n}`),
      ...(children.get(p.name) ?? []).flatMap((c) => cluster(c, `${indent}  `)),
      `${indent}}`,
    ];
  };
  for (const p of children.get(null) ?? []) out.push(...cluster(p, "  "));
  out.push(...nodesIn(null).map((n) => `  ${n}`));
  // dom_io is no domain of the scenario: drawn once when it holds a device (quarantine)
  if (t.devices.some((d) => d.owner === "dom_io") && !t.domains.some((d) => d.name === "dom_io")) out.push(`  ${q("dom_io")} [shape=box, style=dashed, label=${q("dom_io\n(quarantine)")}];`);
  for (const d of t.devices) {
    if (d.owner !== null) out.push(`  ${q(d.owner)} -> ${q(d.sbdf)} [${style.owns?.(d) ?? 'label="owns", arrowhead=none'}];`);
    if (d.physfn !== null) out.push(`  ${q(d.physfn)} -> ${q(d.sbdf)} [${style.vf?.(d) ?? 'style=dashed, label="VF"'}];`);
  }
  t.channels.forEach((c, i) => out.push(`  ${q(c.from)} -> ${q(c.to)} [${style.channel?.(c, i) ?? `dir=both, arrowhead=dot, arrowtail=dot, color=blue, fontcolor=blue, label=${q(channelLabel(c))}`}];`));
  t.grants.forEach((g, i) => out.push(`  ${q(g.from)} -> ${q(g.to)} [${style.grant?.(g, i) ?? `color=darkgreen, fontcolor=darkgreen, label=${q(grantLabel(g))}`}];`));
  for (const u of t.unbound) out.push(`  ${q(u.domain)} -> ${q(unboundId(u))} [${style.unboundEdge?.(u) ?? `style=dashed, arrowhead=none, color=blue, fontcolor=blue, label=${q(unboundLabel(u))}`}];`);
  const nodes = new Set([...t.domains.map((d) => d.name), ...t.devices.map((d) => d.sbdf)]);
  t.denied.forEach((x, i) => {
    if (!nodes.has(x.from) || !nodes.has(x.to)) return;
    out.push(`  ${q(x.from)} -> ${q(x.to)} [${style.denial?.(x, i) ?? `color=red, fontcolor=red, penwidth=2, label=${q(`denied ${x.perm} (step ${x.step})`)}`}];`);
  });
  if (t.notes.length) out.push(`  ${q("notes")} [shape=note, label=${q(t.notes.flatMap((n) => wrap(n, 60)).join("\n"))}];`);
  out.push("}");
  return out.join("\n") + "\n";
}

/** "evtchn dom0:1 <-> web:1" and the ends' types: "dom0_t_channel | domU_t_channel" (one when the same). */
export function channelLabel(c: TopoChannel): string {
  const types = c.fromType === c.toType ? [c.fromType] : [c.fromType ?? "unlabeled", c.toType ?? "unlabeled"];
  return [`evtchn ${c.from}:${c.fromPort} <-> ${c.to}:${c.toPort}`, ...(types[0] !== null ? [types.join(" | ")] : [])].join("\n");
}

/** "grant ref 8 rw, ref 9 ro": the refs the mapper maps, each read-only or writable (a ref mapped
 *  several times is listed per mapping). */
export function grantLabel(g: TopoGrant): string {
  return `grant ${g.maps.map((m) => `ref ${m.ref} ${m.readonly ? "ro" : "rw"}`).join(", ")}`;
}

/** "unbound 1 for xenstore, 2 for dom0" and their types (each once). */
export function unboundLabel(u: TopoUnbound): string {
  const types = [...new Set(u.ports.map((p) => p.type).filter((x): x is string => x !== null))];
  return [`unbound ${u.ports.map((p) => `${p.port} for ${p.remote}`).join(", ")}`, ...(types.length ? [types.join(", ")] : [])].join("\n");
}

/** The unbound mark's node: a name no domain or SBDF can have. */
export const unboundId = (u: TopoUnbound) => `unbound ${u.domain}`;

function domainNode(d: TopoDomain): string {
  const roles = [d.control ? "control" : null, d.hardware ? "hardware" : null].filter(Boolean).join(", ");
  const lines = [`${d.name} (d${d.domid})`, ...(roles ? [roles] : []), ...(d.type ? [d.type] : []), ...(d.live ? [] : ["DESTROYED"])];
  const style = d.live ? "rounded" : "rounded,dashed";
  const color = d.live ? "" : ", color=gray50, fontcolor=gray50";
  return `${q(d.name)} [shape=box, style=${q(style)}, label=${q(lines.join("\n"))}${color}];`;
}

function deviceNode(d: TopoDevice): string {
  const marks = [d.broken ? "BROKEN" : null, d.stale ? "STALE" : null, d.present ? null : "(gone)"].filter(Boolean).join(" ");
  const lines = [d.sbdf, `${d.kind}${marks ? ` ${marks}` : ""}`, d.label ?? "unlabeled"];
  const color = d.broken ? ", color=red, fontcolor=red" : d.stale ? ", color=darkorange, fontcolor=darkorange" : "";
  const style = d.present ? "" : ", style=dashed";
  return `${q(d.sbdf)} [shape=ellipse, label=${q(lines.join("\n"))}${color}${style}];`;
}

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) lines.push(line), (line = word);
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
