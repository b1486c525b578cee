// How the studio draws the platform picture of src/sim/topology.ts: colours for hardware domains,
// guests, destroyed domains, broken and stale devices, event channels, grant mappings, and an id and
// classes on every device node, denied edge, channel edge and grant edge (Graphviz copies them into the SVG, where tests and styles find them).
import { channelLabel, grantLabel, unboundLabel, type TopoChannel, type TopoGrant, type TopoDenial, type TopoDevice, type TopoDomain, type TopoPlatform, type TopoUnbound, type Topology, type TopologyStyle } from "../../sim/topology.js";

const q = (s: string) => JSON.stringify(s);

/** `touched`: the SBDF the shown step acted on, drawn with a heavier border. */
export function studioStyle(touched: string | null): TopologyStyle {
  return {
    graph: (t: Topology) => [
      `  graph [rankdir=TB, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.45, bgcolor="transparent", newrank=true, labelloc=t, label=${q(`${t.title} · ${t.caption}`)}];`,
      `  node [fontname="Helvetica", fontsize=10, margin="0.12,0.06"];`,
      `  edge [fontname="Helvetica", arrowsize=0.7];`,
    ],
    cluster: (p: TopoPlatform) => {
      const color = p.parent ? "#7c3aed" : "#be123c";
      return `style="rounded", color=${q(color)}, fontcolor=${q(color)}, penwidth=1.4, margin=12`;
    },
    domain: (d: TopoDomain) => {
      const roles = [d.control ? "control" : null, d.hardware ? "hardware" : null].filter(Boolean).join(" · ");
      const lines = [`${d.name}  (d${d.domid})`, d.type ?? "", roles, d.live ? "" : "destroyed"].filter(Boolean);
      const fill = !d.live ? "#e5e7eb" : d.hardware ? "#dbeafe" : "#dcfce7";
      const border = !d.live ? "#9ca3af" : d.hardware ? "#2563eb" : "#16a34a";
      return `id=${q(`dom-${d.name}`)}, class=${q(`domain${d.live ? "" : " destroyed"}`)}, shape=box, style=${q(d.live ? "rounded,filled" : "rounded,filled,dashed")}, fillcolor=${q(fill)}, color=${q(border)}, fontcolor=${q(d.live ? "#111827" : "#6b7280")}, penwidth=${d.control && d.live ? 2 : 1}, label=${q(lines.join("\n"))}`;
    },
    device: (d: TopoDevice) => {
      const marks = [d.broken ? "BROKEN" : null, d.stale ? "STALE" : null, d.present ? null : "hardware gone"].filter(Boolean).join(" · ");
      const kind = d.kind === "vf" ? (d.physfn ? "VF" : "VF (unlinked)") : d.kind === "pf" ? "PF" : d.kind;
      const text = [`${d.sbdf.replace(/^0000:/, "")}  ${kind}`, d.label ?? "unlabeled", marks].filter(Boolean).join("\n");
      const color = d.broken ? "#dc2626" : d.stale ? "#d97706" : "#475569";
      const fill = d.broken ? "#fee2e2" : d.stale ? "#fef3c7" : "#ffffff";
      const shape = d.kind === "pf" ? "box3d" : d.kind === "vf" ? "box" : "component";
      const classes = ["device", d.kind, d.broken ? "broken" : "", d.stale ? "stale" : ""].filter(Boolean).join(" ");
      const pen = d.sbdf === touched ? 2.5 : d.broken ? 1.8 : 1;
      return `id=${q(`dev-${d.sbdf}`)}, class=${q(classes)}, shape=${shape}, style=${q(`filled${d.stale && !d.broken ? ",dashed" : ""}`)}, fillcolor=${q(fill)}, color=${q(color)}, fontcolor=${q(d.broken ? "#991b1b" : "#111827")}, penwidth=${pen}, label=${q(text)}`;
    },
    owns: (d: TopoDevice) => `color="#94a3b8", arrowhead=none, tooltip=${q(`${d.owner} owns ${d.sbdf}`)}`,
    vf: () => `style=dashed, color="#475569", label="VF", fontsize=9, fontcolor="#475569"`,
    channel: (c: TopoChannel) =>
      `id=${q(`chan-${c.from}-${c.fromPort}-${c.to}-${c.toPort}`)}, class="channel", dir=both, arrowhead=dot, arrowtail=dot, arrowsize=0.5, color="#0891b2", fontcolor="#0e7490", penwidth=1.6, fontsize=9, label=${q(channelLabel(c))}, tooltip=${q(channelLabel(c).replace("\n", " "))}`,
    grant: (g: TopoGrant) =>
      `id=${q(`grant-${g.from}-${g.to}`)}, class="grant", color="#15803d", fontcolor="#166534", penwidth=1.4, fontsize=9, label=${q(grantLabel(g))}, tooltip=${q(`${g.to} maps ${g.from}'s ${grantLabel(g)}`)}`,
    unboundMark: (u: TopoUnbound) => `id=${q(`unbound-${u.domain}`)}, class="unbound", shape=point, width=0.09, color="#0891b2"`,
    unboundEdge: (u: TopoUnbound) => `class="unbound", style=dashed, arrowhead=none, color="#0891b2", fontcolor="#0e7490", fontsize=9, label=${q(unboundLabel(u))}`,
    denial: (x: TopoDenial, i: number) => `id=${q(`denied-${i}`)}, class="denied", color="#dc2626", fontcolor="#dc2626", penwidth=2.2, label=${q(`${x.perm} denied`)}, fontsize=10, constraint=false`,
  };
}
