// Live: Debian's sepolgen-ifgen reads examples/xen-flask's interfaces as
// test/fixtures/analysis/sepolgen-interfaces.txt records (what test/cli/allow-interfaces.test.ts
// compares src/build/interfaces.ts's reading with under npm test).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = mkdtempSync(join(tmpdir(), "xsm-sepolgen-if-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("examples/xen-flask's interfaces as sepolgen-ifgen reads them", () => {
  it("are the fixture's, live", () => {
    const out = join(tmp, "interface_info");
    const r = spawnSync("npx", ["tsx", "scripts/gen-sepolgen-interfaces-fixture.ts", out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync("test/fixtures/analysis/sepolgen-interfaces.txt", "utf8"));
  });
});
