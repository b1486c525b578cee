// Records how sepolgen reads examples/xen-flask's interfaces (Debian's python3-sepolgen:
// sepolgen-ifgen, the interface_info audit2allow -R loads) as sepolgen-interfaces.txt, and what
// audit2allow -R writes with them for test/fixtures/tree/interfaces-roles.log and
// interfaces-events.log as audit2allow-R.txt and audit2allow-R-events.txt, in
// test/fixtures/analysis (or the directory named). test/cli/allow-interfaces.test.ts compares xsm
// allow -R with them; test/oracle/sepolgen-interfaces.oracle.test.ts checks them live. sepolgen
// parses refpolicy's interface(`name', `body') where Xen's tree writes define(`name', `body'), so
// each definition is written so; the variadic ones (declare_domain: shift($@)), which neither
// offers, are left out.
//   npx tsx scripts/gen-sepolgen-interfaces-fixture.ts [DIR]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { macroDefinitions } from "../src/build/macros.js";

const modules = "examples/xen-flask/modules";
// each log of test/fixtures/tree audit2allow -R answers, and the fixture its answer is written to
const LOGS = { "interfaces-roles.log": "audit2allow-R.txt", "interfaces-events.log": "audit2allow-R-events.txt" };
const dir = process.argv[2] ?? "test/fixtures/analysis";
const scratch = mkdtempSync(join(tmpdir(), "xsm-sepolgen-if-"));
try {
  // sepolgen-ifgen wants refpolicy's support macros beside the headers
  mkdirSync(join(scratch, "support"));
  writeFileSync(join(scratch, "support/obj_perm_sets.spt"), "");
  for (const file of readdirSync(modules).filter((f) => f.endsWith(".if"))) {
    const defs = macroDefinitions(readFileSync(join(modules, file), "utf8"), file).filter((d) => !/\$[@*#]|\bshift\(/.test(d.body));
    writeFileSync(join(scratch, file), defs.map((d) => `interface(\`${d.name}',\`${d.body}')\n`).join("\n"));
  }
  const out = join(scratch, "interface_info");
  const r = spawnSync("/usr/bin/sepolgen-ifgen", ["-i", scratch, "-o", out, "--no_attrs"], { encoding: "utf8" });
  // (it reports a header it cannot parse, and goes on without it)
  if (r.status !== 0 || /error/i.test(r.stdout + r.stderr)) throw new Error(`sepolgen-ifgen: ${r.stdout}${r.stderr}`);
  writeFileSync(join(dir, "sepolgen-interfaces.txt"), readFileSync(out, "utf8"));
  // audit2allow reads the policy (audit2why) as checkpolicy writes it, and a permission map
  // without the comments xsm's map has after its lines (sepolgen's parser takes three fields)
  const policy = join(scratch, "policy.30");
  const cp = spawnSync("/usr/bin/checkpolicy", ["-t", "xen", "-c", "30", "-o", policy, "examples/xen-flask/policy.conf"], { encoding: "utf8" });
  if (cp.status !== 0) throw new Error(`checkpolicy: ${cp.stdout}${cp.stderr}`);
  const map = join(scratch, "xen.permmap");
  writeFileSync(map, readFileSync("src/analysis/xen.permmap", "utf8").replace(/#.*$/gm, "").replace(/[ \t]+$/gm, "").replace(/\n{2,}/g, "\n").trimStart());
  for (const [log, fixture] of Object.entries(LOGS)) {
    const args = ["-R", `--interface-info=${out}`, `--perm-map=${map}`, "-p", policy, "-i", `test/fixtures/tree/${log}`];
    const a2a = spawnSync("/usr/bin/audit2allow", args, { encoding: "utf8" });
    if (a2a.status !== 0) throw new Error(`audit2allow: ${a2a.stdout}${a2a.stderr}`);
    // (its require block lists a set in Python's hash order, which `python3 -E` leaves random)
    writeFileSync(join(dir, fixture), a2a.stdout.slice(a2a.stdout.indexOf("#=============")));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
