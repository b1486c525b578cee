// Decisions from a policy file through the library: `npx tsx examples/api/decide.ts`
import { readFileSync } from "node:fs";
import { compilePolicy, PolicyError } from "xsm-policy";

const file = new URL("../svp/svp.conf", import.meta.url).pathname;
const policy = compilePolicy(readFileSync(file, "utf8"), { file: "examples/svp/svp.conf" });

// The hot path: a TE decision on type names (aliases work too), booleans at their current values.
console.log("svp_hwdom_t may unplug gvp1_pci_t:", policy.allows("svp_hwdom_t", "gvp1_pci_t", "resource", "unplug"));
console.log("gvp1_hwdom_t may unplug gvp2_pci_t:", policy.allows("gvp1_hwdom_t", "gvp2_pci_t", "resource", "unplug"));

// The full decision on contexts (TE, constraints, audit) and why.
const d = policy.explain("system_u:system_r:gvp1_hwdom_t", "system_u:object_r:gvp1_pci_t", "resource", "unplug");
console.log(`gvp1 hwdom unplugs its own VF: ${d.allowed ? "allowed" : "denied"}${d.audited ? ", audited" : ""}`);
for (const r of d.reasons) {
  if ("rule" in r) console.log(`  ${r.kind}: ${r.rule.span.file}:${r.rule.span.line}: ${r.rule.text}`);
  else console.log(`  ${r.kind}`);
}

// A policy that does not compile throws one PolicyError carrying every diagnostic.
try {
  compilePolicy(readFileSync(file, "utf8").replace("allow svp_hwdoms xen_t", "allow svp_hwdoms no_such_t"), { file: "broken.conf" });
} catch (e) {
  if (!(e instanceof PolicyError)) throw e;
  for (const diag of e.diagnostics) console.log(`${diag.span?.file}:${diag.span?.line}:${diag.span?.col}: ${diag.severity}: ${diag.message}`);
}
