// The access grid of an SVP policy: every platform's hardware domains and guests against every
// device label, for the resource permissions a PCI hook asks (resource_plug_pci, _unplug_pci,
// _setup_pci, pci add/remove, use). A cell is the policy's answer; clicking it asks the explorer.
import type { CompiledPolicy } from "../../policy/types.js";
import { domainContext, objectContext } from "./contexts.js";
import { fill, h } from "./dom.js";
import type { PolicyIndex } from "./symbols.js";

export const GRID_PERMS = ["plug", "unplug", "setup", "add_device", "remove_device", "use"] as const;
const SHORT: Record<(typeof GRID_PERMS)[number], string> = { plug: "plug", unplug: "unplug", setup: "setup", add_device: "add", remove_device: "remove", use: "use" };

export interface GridCell {
  source: string;
  target: string;
  perm: string;
}

/** `binary`: the open policy is a compiled binary of that name, whose platforms are the attributes
 *  its platform blocks compiled to (compiled-index.ts). */
export function renderAccessGrid(el: HTMLElement, policy: CompiledPolicy | undefined, index: PolicyIndex | undefined, onPick: (cell: GridCell) => void, binary?: string): void {
  if (!policy || !index) return fill(el, h("p", { class: "muted" }, "The policy does not compile."));
  if (index.platforms.length === 0) {
    const none = binary ? `No SVP platform in ${binary}: a compiled binary keeps no platform blocks, and it does not hold the attributes they compile to (P_hwdoms, P_guests, P_devices, P_managed_devices ...)` : "No platform blocks in this policy";
    return fill(el, h("p", { class: "muted" }, `${none}: the grid is for SVP policies.`));
  }
  const labels = index.platforms.flatMap((p) => p.devices.map((d) => ({ platform: p.name, type: d.type })));
  const head1 = h("tr", {}, h("th", { class: "corner", rowspan: 2 }, "domain type \\ device label"), labels.map((l) => h("th", { colspan: GRID_PERMS.length, class: "label-head" }, h("span", { class: "label-name" }, l.type), h("span", { class: "label-platform" }, l.platform))));
  const head2 = h("tr", {}, labels.flatMap(() => GRID_PERMS.map((p, i) => h("th", { class: `perm-head${i === 0 ? " group-start" : ""}`, title: p }, SHORT[p]))));
  const body = h("tbody");
  for (const p of ordered(index)) {
    body.append(h("tr", { class: "platform-row" }, h("th", { colspan: 1 + labels.length * GRID_PERMS.length, style: `padding-left:${0.5 + p.depth}rem` }, `platform ${p.name}`, h("span", { class: "muted" }, p.parent ? ` guest of ${p.parent}` : " supervisor"))));
    const rows = [...p.hwdoms.map((t) => ({ t, role: "hwdom" })), ...p.guests.map((t) => ({ t, role: "guest" }))];
    for (const { t, role } of rows) {
      const s = domainContext(policy, index, t);
      const tr = h("tr", {}, h("th", { class: "row-head" }, t, h("span", { class: `role role-${role}` }, role)));
      for (const l of labels) {
        const tc = objectContext(policy, index, l.type);
        GRID_PERMS.forEach((perm, i) => {
          const d = policy.check(s, tc, "resource", perm);
          const answer = d.error ? "invalid" : d.allowed ? "allowed" : "denied";
          const td = h(
            "td",
            {
              class: `cell ${answer}${i === 0 ? " group-start" : ""}`,
              title: `${t} ${perm} ${l.type}: ${answer}${d.audited ? ", audited" : ""}`,
              "data-source": t,
              "data-target": l.type,
              "data-perm": perm,
              "data-allowed": String(d.allowed),
              onclick: () => onPick({ source: t, target: l.type, perm }),
            },
            d.allowed ? "✓" : "·",
          );
          tr.append(td);
        });
      }
      body.append(tr);
    }
  }
  // a binary whose platform nesting is not all in it says so above the grid, not a silent guess
  const note = index.platformNote !== undefined ? h("p", { class: "muted platform-note" }, `note: ${index.platformNote}`) : null;
  fill(el, note, h("table", { class: "grid" }, h("thead", {}, head1, head2), body), h("p", { class: "legend muted" }, h("span", { class: "cell allowed sample" }, "✓"), " allowed  ", h("span", { class: "cell denied sample" }, "·"), " denied — click a cell for the reasons"));
}

function ordered(index: PolicyIndex) {
  const out: (PolicyIndex["platforms"][number] & { depth: number })[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const p of index.platforms.filter((q) => q.parent === parent)) out.push({ ...p, depth }), walk(p.name, depth + 1);
  };
  walk(undefined, 0);
  for (const p of index.platforms) if (!out.some((o) => o.name === p.name)) out.push({ ...p, depth: 0 });
  return out;
}
