// A filename type transition at version 24: checkpolicy 3.4 leaves it out ("Discarding filename
// type transition rules"; the binary holds them from version 25), so Xen's loader, which refuses
// them at 30, loads the policy. A version-dropped warning, not a Xen refusal, and not an error under
// --strict; compiled from source and rewritten from a binary. Fixtures: scripts/gen-binary-fixtures.sh
// (v24/edge-t11.bin, rebucket-v24/t11.bin).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary, rewriteBinary } from "../../src/binary/compile.js";
import { avtabAllocMask } from "../../src/policy/hashtab.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";
import { PolicyError } from "../../src/policy/index.js";

const dir = join(import.meta.dirname, "../fixtures/binary");
const bytes = (p: string) => new Uint8Array(readFileSync(join(dir, p)));
const conf = readFileSync(join(dir, "edge/t11.conf"), "utf8");
const line = conf.split("\n").findIndex((l) => /^type_transition .* "foo";/.test(l)) + 1;
const codes = (ds: readonly { code: string; severity: string }[]) => ds.map((d) => `${d.severity} ${d.code}`);

it("compiled at 24: checkpolicy's bytes, a version-dropped warning at the rule, --strict writes it", () => {
  const { bytes: ours, warnings } = compileBinary(conf, { file: "t11.conf", version: 24, strict: true });
  expect(Buffer.from(ours).equals(bytes("v24/edge-t11.bin"))).toBe(true);
  expect(codes(warnings)).not.toContain("error xen-filename-trans");
  const w = warnings.find((d) => d.code === "version-dropped" && /filename/.test(d.message));
  expect(w?.severity).toBe("warning");
  expect(w?.span?.line).toBe(line);
});

it("compiled at 30: Xen refuses it (an error under --strict)", () => {
  expect(codes(compileBinary(conf, { file: "t11.conf" }).warnings)).toContain("warning xen-filename-trans");
  expect(() => compileBinary(conf, { file: "t11.conf", strict: true })).toThrow(PolicyError);
});

it("read at 30 and rewritten at 24: left out with a warning, as checkpolicy -b -c 24 writes it", () => {
  const { warnings, bytes: ours } = rewriteBinary(bytes("edge/t11.bin"), "t11.bin", { version: 24, strict: true });
  expect(codes(warnings)).not.toContain("error xen-filename-trans");
  expect(warnings.some((d) => d.code === "version-dropped" && /1 filename type transition is left out/.test(d.message))).toBe(true);
  const { policy } = readPolicy(ours);
  expect(Buffer.from(writePolicy(policy, { avtabMask: avtabAllocMask(policy.avtab.length), ownTypeBits: true })).equals(bytes("rebucket-v24/t11.bin"))).toBe(true);
  // read at 30 and kept at 30, Xen still refuses it
  expect(() => rewriteBinary(bytes("edge/t11.bin"), "t11.bin", { strict: true })).toThrow(PolicyError);
});
