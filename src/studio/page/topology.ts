// The platform picture after a step, as Graphviz DOT: platforms as nested clusters from the
// policy's `platform` blocks (`guest of`), each domain inside the platform its type belongs to,
// devices inside the platform their label belongs to, owners, PF -> VF links, broken and stale
// marks, destroyed domains greyed, and the step's denied accesses in red. Rendered by viz.ts.
import type { DeviceState } from "../../pci/types.js";
import type { DomainState, StepResult } from "../../sim/run.js";
import type { Scenario } from "../../sim/scenario.js";
import type { PlatformInfo } from "./symbols.js";

export interface TopologyInput {
  scenario: Scenario;
  /** The steps run so far (the picture is the state after the last). */
  steps: StepResult[];
  devices: DeviceState[];
  /** The domains after the step, destroyed ones not live (RunResult.state.domains). */
  domains: DomainState[];
  /** Devices Xen holds that the hardware or a permitted removal said are gone, and unlinked VFs
   *  (RunResult.left: what the simulator counts as stale). */
  stale: ReadonlySet<string>;
  platforms: PlatformInfo[];
  /** A device's label type (its pcidevicecon), if it has one. */
  label(sbdf: string): string | undefined;
  strategy: string;
}

const typeOf = (context: string | undefined) => context?.split(":")[2];
const q = (s: string) => JSON.stringify(s);

export function topologyDot(input: TopologyInput): string {
  const { scenario, steps, devices, platforms } = input;
  const last = steps[steps.length - 1];
  const platformOfType = new Map<string, string>();
  for (const p of platforms) {
    for (const t of [...p.hwdoms, ...p.guests]) platformOfType.set(t, p.name);
    for (const d of p.devices) platformOfType.set(d.type, p.name);
  }
  const destroyed = new Set(input.domains.filter((d) => !d.live).map((d) => d.name));
  const stale = input.stale;
  const members = new Map<string, string[]>(); // platform ("" = none) -> node lines
  const put = (platform: string | undefined, line: string) => {
    const k = platform && platforms.some((p) => p.name === platform) ? platform : "";
    members.set(k, [...(members.get(k) ?? []), line]);
  };

  for (const d of scenario.domains) {
    const type = typeOf(d.context);
    const roles = [d.control ? "control" : null, d.hardware ? "hardware" : null].filter(Boolean).join(" · ");
    const gone = destroyed.has(d.name);
    const lines = [`${d.name}  (d${d.domid})`, type ?? "", roles, gone ? "destroyed" : ""].filter(Boolean);
    const fill = gone ? "#e5e7eb" : d.hardware ? "#dbeafe" : "#dcfce7";
    const border = gone ? "#9ca3af" : d.hardware ? "#2563eb" : "#16a34a";
    const style = gone ? "rounded,filled,dashed" : "rounded,filled";
    put(d.platform ?? platformOfType.get(type ?? ""), `${q(`dom:${d.name}`)} [shape=box, style=${q(style)}, fillcolor=${q(fill)}, color=${q(border)}, fontcolor=${q(gone ? "#6b7280" : "#111827")}, label=${q(lines.join("\n"))}${d.control && !gone ? ", penwidth=2" : ""}];`);
  }

  const edges: string[] = [];
  for (const dev of devices) {
    const label = input.label(dev.sbdf);
    const isStale = stale.has(dev.sbdf);
    const marks = [dev.broken ? "BROKEN" : null, isStale ? "STALE" : null, dev.present === false ? "hardware gone" : null].filter(Boolean);
    const kind = dev.kind === "vf" ? (dev.physfn ? "VF" : "VF (unlinked)") : dev.kind === "pf" ? "PF" : dev.kind === "extfn" ? "extfn" : "device";
    const text = [`${dev.sbdf.replace(/^0000:/, "")}  ${kind}`, label ?? "unlabeled", marks.join(" · ")].filter(Boolean).join("\n");
    const color = dev.broken ? "#dc2626" : isStale ? "#d97706" : "#475569";
    const fill = dev.broken ? "#fee2e2" : isStale ? "#fef3c7" : "#ffffff";
    const shape = dev.kind === "pf" ? "box3d" : dev.kind === "vf" ? "box" : "component";
    const touched = last?.sbdf === dev.sbdf;
    const classes = ["device", dev.kind, dev.broken ? "broken" : "", isStale ? "stale" : ""].filter(Boolean).join(" ");
    put(platformOfType.get(label ?? ""), `${q(`dev:${dev.sbdf}`)} [id=${q(`dev-${dev.sbdf}`)}, class=${q(classes)}, shape=${shape}, style=${q(`filled${isStale && !dev.broken ? ",dashed" : ""}`)}, fillcolor=${q(fill)}, color=${q(color)}, fontcolor=${q(dev.broken ? "#991b1b" : "#111827")}, penwidth=${touched ? 2.5 : dev.broken ? 1.8 : 1}, label=${q(text)}];`);
    if (dev.owner) edges.push(`${q(`dom:${dev.owner}`)} -> ${q(`dev:${dev.sbdf}`)} [color="#94a3b8", arrowhead=none, tooltip=${q(`${dev.owner} owns ${dev.sbdf}`)}];`);
    if (dev.physfn) edges.push(`${q(`dev:${dev.physfn}`)} -> ${q(`dev:${dev.sbdf}`)} [style=dashed, color="#475569", label="VF", fontsize=9, fontcolor="#475569"];`);
  }

  for (const [i, c] of (last?.decisions ?? []).entries()) {
    if (c.allowed || !last!.as) continue;
    const target = deniedDevice(last!, c.tcontext, devices, input.label);
    const from = `dom:${last!.as}`;
    const to = target ? `dev:${target}` : undefined;
    if (!to) continue;
    edges.push(`${q(from)} -> ${q(to)} [id=${q(`denied-${i}`)}, class="denied", color="#dc2626", fontcolor="#dc2626", penwidth=2.2, label=${q(`${c.perm ?? c.hook} denied`)}, fontsize=10, constraint=false];`);
  }

  const out = [
    `digraph ${q(scenario.name)} {`,
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.45, bgcolor="transparent", newrank=true, labelloc=t, label=${q(`${scenario.name} · ${input.strategy} · ${last ? `after step ${last.step}` : "before the first step"}`)}];`,
    `  node [fontname="Helvetica", fontsize=10, margin="0.12,0.06"];`,
    `  edge [fontname="Helvetica", arrowsize=0.7];`,
  ];
  const cluster = (p: PlatformInfo, indent: string) => {
    const color = p.parent ? "#7c3aed" : "#be123c";
    out.push(`${indent}subgraph ${q(`cluster_${p.name}`)} {`);
    out.push(`${indent}  label=${q(`platform ${p.name}${p.parent ? ` (guest of ${p.parent})` : " (supervisor)"}`)}; style="rounded"; color=${q(color)}; fontcolor=${q(color)}; penwidth=1.4; margin=12;`);
    for (const n of members.get(p.name) ?? []) out.push(`${indent}  ${n}`);
    // an empty cluster is dropped by dot; keep the platform visible
    if (!(members.get(p.name)?.length) && !platforms.some((c) => c.parent === p.name)) out.push(`${indent}  ${q(`empty:${p.name}`)} [shape=plaintext, label="(empty)", fontcolor="#9ca3af"];`);
    for (const child of platforms.filter((c) => c.parent === p.name)) cluster(child, `${indent}  `);
    out.push(`${indent}}`);
  };
  for (const p of platforms.filter((p) => !p.parent || !platforms.some((o) => o.name === p.parent))) cluster(p, "  ");
  for (const n of members.get("") ?? []) out.push(`  ${n}`);
  out.push(...edges.map((e) => `  ${e}`), "}");
  return out.join("\n") + "\n";
}

/** The device a denied check was about: the step's device or one of its VFs, whichever carries
 *  the label the check named (a PF removal under `authority` asks for every VF). */
function deniedDevice(step: StepResult, tcontext: string | undefined, devices: DeviceState[], label: (sbdf: string) => string | undefined): string | undefined {
  if (!step.sbdf) return undefined;
  const t = typeOf(tcontext);
  const candidates = [step.sbdf, ...devices.filter((d) => d.physfn === step.sbdf).map((d) => d.sbdf)];
  return candidates.find((c) => label(c) === t && devices.some((d) => d.sbdf === c)) ?? (devices.some((d) => d.sbdf === step.sbdf) ? step.sbdf : undefined);
}
