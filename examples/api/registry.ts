// The PCI registry under FLASK through the library: `npx tsx examples/api/registry.ts`
// A supervisor hardware domain owns a PF; a guest platform's hardware domain tries to remove it.
import { readFileSync } from "node:fs";
import { PciRegistry, createXsm, type Domain } from "xsm-policy";

const policyText = readFileSync(new URL("../svp/svp.conf", import.meta.url), "utf8");
const xsm = createXsm({ module: "flask", policyText, file: "examples/svp/svp.conf", enforcing: true });

const domains: Domain[] = [
  { domid: 0, name: "svp-hwdom", context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true },
  { domid: 1, name: "gvp1-hwdom", context: "system_u:system_r:gvp1_hwdom_t", control: false, hardware: true },
];
const [svp, gvp1] = domains as [Domain, Domain];
const table = { byDomid: (id: number) => domains.find((d) => d.domid === id), hardwareDomain: () => svp };

const registry = new PciRegistry(xsm.module, table, {
  strategy: "authority",
  vfWithoutPf: "reject",
  log: (line) => console.log(`(XEN) ${line}`),
});

console.log("add PF     ", registry.addDevice(svp, "0000:03:00.0"));
console.log("add VF     ", registry.addDevice(gvp1, "0000:03:10.0", { physfn: "0000:03:00.0" }));
const attempt = xsm.record(() => registry.removeDevice(gvp1, "0000:03:00.0"));
console.log("gvp1 removes the PF:", attempt.result);
for (const line of attempt.audit) console.log(`  ${line}`);
console.log("svp removes the PF: ", registry.removeDevice(svp, "0000:03:00.0"));
console.log("devices left:", registry.devices());
console.log("invariants:", registry.checkInvariants().length === 0 ? "hold" : registry.checkInvariants());
