// Live: Debian's sepolgen-ifgen reads examples/xen-flask's interfaces, and audit2allow -R answers
// test/fixtures/tree/interfaces-roles.log and interfaces-events.log with them, as
// test/fixtures/analysis's sepolgen-interfaces.txt, audit2allow-R.txt and audit2allow-R-events.txt
// record (what test/cli/allow-interfaces.test.ts compares xsm allow -R with under npm test).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = mkdtempSync(join(tmpdir(), "xsm-sepolgen-if-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("examples/xen-flask's interfaces as sepolgen reads them", () => {
  it("are the fixtures', live", () => {
    const r = spawnSync("npx", ["tsx", "scripts/gen-sepolgen-interfaces-fixture.ts", tmp], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["sepolgen-interfaces.txt", "audit2allow-R.txt", "audit2allow-R-events.txt"]) expect(readFileSync(join(tmp, f), "utf8"), f).toBe(readFileSync(join("test/fixtures/analysis", f), "utf8"));
  });
});
