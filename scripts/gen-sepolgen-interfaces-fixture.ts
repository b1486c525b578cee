// Records how sepolgen reads examples/xen-flask's interfaces (Debian's python3-sepolgen:
// sepolgen-ifgen, the interface_info audit2allow -R loads) as
// test/fixtures/analysis/sepolgen-interfaces.txt (or the file named), which
// test/cli/allow-interfaces.test.ts compares src/build/interfaces.ts's reading with and
// test/oracle/sepolgen-interfaces.oracle.test.ts checks against the live tool. sepolgen parses refpolicy's
// interface(`name', `body') where Xen's tree writes define(`name', `body'), so each definition is
// written so; the variadic ones (declare_domain: shift($@)), which neither offers, are left out.
//   npx tsx scripts/gen-sepolgen-interfaces-fixture.ts [OUT]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { macroDefinitions } from "../src/build/macros.js";

const modules = "examples/xen-flask/modules";
const fixture = process.argv[2] ?? "test/fixtures/analysis/sepolgen-interfaces.txt";
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
  writeFileSync(fixture, readFileSync(out, "utf8"));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
