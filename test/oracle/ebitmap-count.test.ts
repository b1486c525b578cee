// Live: checkpolicy -b and seinfo read an empty ebitmap whatever its count says (libsepol's
// ebitmap_read stops at a high bit of 0, as Xen's does), which test/binary/read.test.ts holds
// xsm's reader to.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "./harness.js";

it.each([["policycaps", 40], ["permissive_map", 52]])("checkpolicy -b and seinfo load t1.bin with its %s count set to 3670016", (_what, countAt) => {
  const b = new Uint8Array(readFileSync(join(repoRoot, "test/fixtures/binary/edge/t1.bin")));
  new DataView(b.buffer).setUint32(countAt, 3670016, true);
  const work = mkdtempSync(join(tmpdir(), "xsm-ebitmap-count-"));
  const bin = join(work, "t1.bin");
  writeFileSync(bin, b);
  expect(() => execFileSync("checkpolicy", ["-b", "-t", "Xen", "-c", "30", bin, "-o", join(work, "out.bin")], { stdio: "ignore" })).not.toThrow();
  expect(() => execFileSync("seinfo", [bin], { stdio: "ignore" })).not.toThrow();
});
