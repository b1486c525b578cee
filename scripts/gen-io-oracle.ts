// Records oracle-decide's answers for test/xsm/io-hooks.test.ts and the passthrough scenario
// tests, so `npm test` needs only Node: every (domain, resource label, class, permission) question
// the resource hooks can ask of test/fixtures/xsm/io.conf, booleans at their defaults.
// Needs Debian's checkpolicy and python3-setools. Run: npx tsx scripts/gen-io-oracle.ts
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracleDir, repoRoot } from "../test/oracle/harness.js";

const conf = join(repoRoot, "test/fixtures/xsm/io.conf");
const domains = ["dom0_t", "domU_t", "dm_t"].map((t) => `system_u:system_r:${t}`);
const labels = [
  ...domains,
  "system_u:system_r:unlabeled_t",
  ...["nic_t", "hba_t", "irq_t", "iomem_t", "ioport_t", "device_t"].map((t) => `system_u:object_r:${t}`),
];
const perms: [string, string][] = [
  ...["add", "remove", "plug", "unplug", "add_device", "remove_device", "stat_device", "add_irq", "remove_irq", "add_ioport", "remove_ioport", "add_iomem", "remove_iomem", "use_iommu", "use_iommu_nointremap", "use_noiommu"].map(
    (p): [string, string] => ["resource", p],
  ),
  ["hvm", "bind_irq"],
];
const queries = domains.flatMap((scontext) => labels.flatMap((tcontext) => perms.map(([tclass, perm]) => ({ scontext, tcontext, tclass, perm }))));
const file = join(mkdtempSync(join(tmpdir(), "io-oracle-")), "queries.json");
writeFileSync(file, JSON.stringify(queries));
const answers = JSON.parse(execFileSync(join(oracleDir(), "oracle-decide"), [conf, file], { encoding: "utf8" })) as unknown[];
const out = queries.map((query, i) => ({ query, answer: answers[i] }));
writeFileSync(join(repoRoot, "test/fixtures/xsm/io.oracle.json"), `${JSON.stringify(out, null, 0).replace(/\},\{"query"/g, '},\n{"query"')}\n`);
console.log(`${out.length} answers`);
