// `xsm init`: a starter policy.conf for an SVP topology. Xen's classes, initial SIDs and permissions
// (xen-classes.ts), the types of Xen's initial SIDs, one supervisor platform and guest platforms
// (`--platforms svp,gvp1,gvp2,gvp3:gvp1`: the first is the supervisor, NAME:PARENT nests), users and
// roles, the initial SID contexts, and the rules domain creation needs: each guest type gets a
// `*_self` type by type_transition on class domain, as Xen's own policy's declare_domain does.
import { XEN_FLASK_DECLARATIONS } from "./xen-classes.js";
import { RESERVED } from "../policy/scan.js";

export interface StarterPlatform {
  name: string;
  /** null: the supervisor. */
  parent: string | null;
}

/** Parses `svp,gvp1,gvp2,gvp3:gvp1`; a message when it does not name a usable topology. */
export function parsePlatformList(text: string): { ok: true; platforms: StarterPlatform[] } | { ok: false; message: string } {
  const items = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return { ok: false, message: "expected at least a supervisor platform, e.g. svp,gvp1" };
  const platforms: StarterPlatform[] = [];
  for (const [i, item] of items.entries()) {
    const [name, parent, extra] = item.split(":");
    if (!name || !/^[a-z][a-z0-9]*$/.test(name) || extra !== undefined) return { ok: false, message: `'${item}': a platform is a lower-case name (letters, digits), optionally :PARENT` };
    // `platform type supervisor {` does not parse: a keyword cannot name a platform
    if (RESERVED.has(name)) return { ok: false, message: `'${item}': ${name} is a keyword of the policy language; a platform needs another name` };
    if (i === 0 && parent !== undefined) return { ok: false, message: `'${item}': the first platform is the supervisor; it has no parent` };
    const p = i === 0 ? null : (parent ?? items[0]!.split(":")[0]!);
    if (p !== null && !platforms.some((x) => x.name === p)) return { ok: false, message: `'${item}': parent ${p} is not declared before it` };
    if (platforms.some((x) => x.name === name)) return { ok: false, message: `'${item}': ${name} is declared twice` };
    platforms.push({ name, parent: p });
  }
  if (platforms.length > 17) return { ok: false, message: "at most 16 guest platforms (their VFs share PCI bus 03, devices 10-1f)" };
  return { ok: true, platforms };
}

const XEN_TYPES = ["xen_t", "domio_t", "domxen_t", "unlabeled_t", "security_t", "irq_t", "ioport_t", "iomem_t", "device_t"];

/** The SBDFs a starter platform labels: the supervisor's PF, each guest platform two VFs of it. */
export function starterDevices(platforms: StarterPlatform[], p: StarterPlatform): string[] {
  if (p.parent === null) return ["0000:03:00.0"];
  const dev = (0x10 + platforms.indexOf(p) - 1).toString(16).padStart(2, "0");
  return [`0000:03:${dev}.0`, `0000:03:${dev}.1`];
}

/** `file`: the name the policy is written under (its basename), which the header's commands use. */
export function starterPolicy(platforms: StarterPlatform[], file = "policy.conf"): string {
  const sup = platforms[0]!;
  const guests = platforms.slice(1);
  const out: string[] = [
    "# A starter Xen FLASK policy for an SVP topology, written by `xsm init`.",
    `# Compile: npx xsm compile ${file}     Scenario: npx xsm scaffold ${file} > scenario.json`,
    `# The \`platform\` blocks are xsm-policy's extension; \`npx xsm compile ${file} --expand\` prints`,
    "# the plain policy.conf they desugar to (checkpolicy -t Xen accepts it).",
    "",
    "# ---- Xen's security classes, initial SIDs and access vectors (xen/xsm/flask/policy) ----",
    XEN_FLASK_DECLARATIONS.trimEnd(),
    "",
    "# ---- types of Xen's own objects (the initial SIDs below) ----",
    "attribute xen_type;",
    ...XEN_TYPES.map((t) => `type ${t}${t === "device_t" ? "" : ", xen_type"};${t === "device_t" ? "          # PCI devices no platform labels" : ""}`),
    "",
    "# every domain type, the *_self type Xen gives a domain (security_transition_sid on class domain)",
    "# and the *_channel type of its event channels (the same on class event)",
    "attribute domain_type;",
    "attribute domain_self_type;",
    "attribute event_type;",
    "",
    "# ---- platforms ----",
  ];
  for (const p of platforms) {
    const head = p.parent === null ? `platform ${p.name} supervisor {` : `platform ${p.name} guest of ${p.parent} {`;
    out.push(head, `    hwdom  ${p.name}_hwdom_t;`);
    if (p.parent !== null) out.push(`    guest  ${p.name}_guest_t;`);
    out.push(`    device ${p.name}_pci_t { ${starterDevices(platforms, p).join(" ")} };`, "}");
  }
  out.push("", "# ---- domains: creation, the *_self and *_channel types, what a hardware domain may do to Xen ----");
  for (const p of platforms) {
    const types = [`${p.name}_hwdom_t`, ...(p.parent !== null ? [`${p.name}_guest_t`] : [])];
    for (const t of types) {
      const self = t.replace(/_t$/, "_self_t");
      const channel = t.replace(/_t$/, "_channel_t");
      out.push(`typeattribute ${t} domain_type;`, `type ${self}, domain_self_type;`, `type_transition ${t} ${t}:domain ${self};`);
      out.push(`type ${channel}, event_type;`, `type_transition ${t} domain_type:event ${channel};`);
    }
  }
  out.push(
    `allow ${sup.name}_hwdoms xen_t:xen { physinfo readconsole writeconsole };`,
    `# the supervisor's hwdom builds and tears down every platform's domains (flask_domain_create, XEN_DOMCTL_destroydomain)`,
    `allow ${sup.name}_hwdoms ${sup.name}_managed_domains:domain { create destroy getdomaininfo pause unpause setdomainmaxmem };`,
  );
  for (const g of guests) {
    out.push(`allow ${g.name}_hwdoms ${g.name}_managed_domains:domain { create destroy getdomaininfo pause unpause setdomainmaxmem };`);
  }
  out.push(
    "# a new domain's xenstore and console channels: its builder creates them, they bind to the builder (flask_evtchn_unbound)",
    "allow domain_type event_type:event create;",
    "allow event_type domain_type:event bind;",
  );
  out.push(
    "",
    "# ---- users and roles ----",
    "role system_r;",
    `role system_r types { xen_type domain_self_type ${platforms.map((p) => `${p.name}_hwdoms`).join(" ")} };`,
  );
  if (guests.length) out.push("role vm_r;", `role vm_r types { domain_self_type ${guests.map((g) => `${g.name}_guests`).join(" ")} };`);
  out.push(`user system_u roles { system_r${guests.length ? " vm_r" : ""} };`);
  out.push(
    "",
    "# ---- initial SID contexts ----",
    "sid xenboot system_u:system_r:xen_t",
    "sid xen system_u:system_r:xen_t",
    `sid dom0 system_u:system_r:${sup.name}_hwdom_t`,
    "sid domio system_u:object_r:domio_t",
    "sid domxen system_u:object_r:domxen_t",
    "sid unlabeled system_u:object_r:unlabeled_t",
    "sid security system_u:object_r:security_t",
    "sid ioport system_u:object_r:ioport_t",
    "sid iomem system_u:object_r:iomem_t",
    "sid irq system_u:object_r:irq_t",
    "sid device system_u:object_r:device_t",
    `sid domU system_u:system_r:${sup.name}_hwdom_t`,
    `sid domDM system_u:system_r:${sup.name}_hwdom_t`,
  );
  return out.join("\n") + "\n";
}
