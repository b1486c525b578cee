// Records the reference's answers for the MLS tests (test/policy/mls.test.ts, test/binary/mls.test.ts)
// so `npm test` needs only Node: for test/fixtures/mls/devices.conf and a few gen-policy seeds made
// MLS (test/oracle/mls-policy.ts), checkpolicy -M -t Xen -c 30's binary (and -c 24's of devices in
// v24/), the queries, and
// libsepol's decisions (scripts/oracle-mls-decide). Needs Debian's checkpolicy, python3-setools
// and python3-selinux. Run: npx tsx scripts/gen-mls-fixtures.ts
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from "../src/policy/index.js";
import { deriveQueries, genPolicy, repoRoot, type MatrixDoc, type Query } from "../test/oracle/harness.js";
import { mlsPolicy, mlsQueries } from "../test/oracle/mls-policy.js";

const dir = join(repoRoot, "test/fixtures/mls");
export const MLS_SEEDS = [1, 2, 3, 4, 5, 6];

function record(name: string, conf: string, queries: Query[]): void {
  const confPath = join(dir, `${name}.conf`);
  writeFileSync(confPath, conf);
  execFileSync("checkpolicy", ["-M", "-t", "Xen", "-c", "30", confPath, "-o", join(dir, `${name}.bin`)], { stdio: "pipe" });
  writeFileSync(join(dir, `${name}.queries.json`), `${JSON.stringify(queries)}\n`);
  const answers = execFileSync(join(repoRoot, "scripts/oracle-mls-decide"), [confPath, join(dir, `${name}.queries.json`)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  writeFileSync(join(dir, `${name}.answers.json`), answers);
}

/** Every source context against every target context, for each class and permission. */
function deviceQueries(): Query[] {
  const sources = [
    "system_u:system_r:dom0_t:s0",
    "system_u:system_r:dom0_t:s0-s2:c0.c3",
    "system_u:system_r:dom0_t:s2:c0.c3",
    "system_u:system_r:dom0_t:secret:blue-s2:c0.c3",
    "system_u:system_r:guest_t:s1:c0,c1",
    "vm_u:vm_r:guest_t:s0-s1:c0,c1",
    "vm_u:vm_r:guest_t:s1:c2",
    "vm_u:vm_r:guest_t",
  ];
  const targets = [
    "system_u:object_r:nic_t:s0",
    "system_u:object_r:nic_t:s1:c1",
    "system_u:object_r:nic_t:s0-s1:c0,c2",
    "system_u:object_r:nic_t:s2:c0.c3",
    "system_u:system_r:dom0_t:s0-s2:c0.c3",
    "system_u:system_r:guest_t:s1:c1",
    "vm_u:vm_r:guest_t:s0",
    "system_u:object_r:nic_t:s1:c3.c0",
  ];
  const perms: [string, string][] = [
    ["resource", "add"],
    ["resource", "use"],
    ["resource", "plug"],
    ["resource", "unplug"],
    ["domain", "create"],
    ["domain", "destroy"],
  ];
  const out: Query[] = [];
  for (const scontext of sources) for (const tcontext of targets) for (const [tclass, perm] of perms) out.push({ scontext, tcontext, tclass, perm });
  return out;
}

async function main(): Promise<void> {
  record("devices", readFileSync(join(dir, "devices.conf"), "utf8"), deviceQueries());
  execFileSync("checkpolicy", ["-M", "-t", "Xen", "-c", "24", join(dir, "devices.conf"), "-o", join(dir, "v24/devices.bin")], { stdio: "pipe" });
  for (const seed of MLS_SEEDS) {
    const plain = await genPolicy(seed, "small");
    const doc = JSON.parse(compilePolicy(plain).matrixJson()) as MatrixDoc;
    record(`seed-${seed}`, mlsPolicy(plain, seed), mlsQueries(deriveQueries(seed, doc, plain), seed));
  }
}

await main();
