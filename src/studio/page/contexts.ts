// The explorer takes types or contexts; a decision needs contexts. A domain type gets the first
// user:role the policy authorizes for it (what a scenario would write), a device label the context
// its pcidevicecon gives it, anything else object_r (valid for every user and type in Xen's
// security_context_to_sid).
import type { CompiledPolicy } from "../../policy/types.js";
import { parseSbdf, sbdfKey } from "../../xen/sbdf.js";
import type { PolicyIndex } from "./symbols.js";

export function domainContext(policy: CompiledPolicy, index: PolicyIndex, typeOrContext: string): string {
  if (typeOrContext.includes(":")) return typeOrContext;
  for (const u of index.users) {
    for (const r of u.roles) {
      const c = `${u.name}:${r}:${typeOrContext}`;
      if (policy.parseContext(c).ok) return c;
    }
  }
  return objectContext(policy, index, typeOrContext);
}

export function objectContext(policy: CompiledPolicy, index: PolicyIndex, typeOrContext: string): string {
  if (typeOrContext.includes(":")) return typeOrContext;
  for (const p of index.platforms) {
    for (const d of p.devices) {
      if (d.type !== typeOrContext || d.sbdfs.length === 0) continue;
      const sbdf = parseSbdf(d.sbdfs[0]!);
      const label = sbdf.ok ? policy.pcideviceContext(sbdfKey(sbdf.value)) : undefined;
      if (label) return label;
    }
  }
  const user = index.users.find((u) => u.name === "system_u")?.name ?? index.users[0]?.name ?? "system_u";
  return `${user}:object_r:${typeOrContext}`;
}
