// role_transition at version 24 (no class in the record before 26), as checkpolicy 3.4 writes it:
// compiled from source, none is written (role_trans_write keeps the process class's rules, and
// only policydb_read names that class), with a located warning; a binary read and rewritten at 24
// (`checkpolicy -b -c 24`) keeps those on `domain`, Xen's process class. Fixtures:
// scripts/gen-binary-fixtures.sh (v24/edge-roletrans.bin, rebucket-v24/roletrans.bin).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary, rewriteBinary } from "../../src/binary/compile.js";
import { avtabAllocMask } from "../../src/policy/hashtab.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";

const dir = join(import.meta.dirname, "../fixtures/binary");
const bytes = (p: string) => new Uint8Array(readFileSync(join(dir, p)));
const conf = readFileSync(join(dir, "edge/roletrans.conf"), "utf8");

it("compiled at 24: no role_transition, and a warning at the first one", () => {
  const { bytes: ours, warnings } = compileBinary(conf, { file: "roletrans.conf", version: 24 });
  expect(Buffer.from(ours).equals(bytes("v24/edge-roletrans.bin"))).toBe(true);
  const w = warnings.find((d) => d.code === "version-dropped" && /role_transition/.test(d.message));
  expect(w?.span?.line).toBe(conf.split("\n").findIndex((l) => l.startsWith("role_transition")) + 1);
});

it("read at 30 and written at 24: the rules on domain stay, as checkpolicy -b -c 24 writes them", () => {
  const { policy } = readPolicy(bytes("edge/roletrans.bin"));
  policy.version = 24;
  const want = bytes("rebucket-v24/roletrans.bin");
  expect(Buffer.from(writePolicy(policy, { avtabMask: avtabAllocMask(policy.avtab.length) })).equals(want)).toBe(true);
  // that file reads back with its rules on domain, and rewrites to itself
  const back = readPolicy(want).policy;
  expect(back.roleTrans.length).toBe(7);
  expect(Buffer.from(writePolicy(back)).equals(want)).toBe(true);
  // the CLI's rewrite says what it leaves out
  const { warnings } = rewriteBinary(bytes("edge/roletrans.bin"), "roletrans.bin", { version: 24 });
  expect(warnings.map((d) => d.message).join("\n")).toMatch(/role_transition rules? (is|are) left out/);
});
