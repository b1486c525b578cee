// A class named twice in constrain: checkpolicy writes two nodes, the permissions on the newer
// only (define_constraint; test/fixtures/accept-set/cons-dup-class.conf, whose binary is checked
// byte for byte by test/binary/accept-set.test.ts). setools cannot read that binary (libsepol's
// validator refuses a node with no permissions), so there is no seinfo text to match: xsm info
// lists both nodes from the source and from checkpolicy's binary alike, the empty one as `{ }`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { xsm } from "../cli/run.js";

const conf = "test/fixtures/accept-set/cons-dup-class.conf";

it("lists the permissionless node as { }, from source and binary alike", async () => {
  const want = [
    "",
    "Constraints: 2",
    "   constrain xen { a b } (u1 == u2); ",
    "   constrain xen { } (u1 == u2); ",
    "",
    "Validatetrans: 2",
    "   validatetrans xen (t1 == t2);",
    "   validatetrans xen (t1 == t2);",
    "",
  ].join("\n");
  const fromSource = await xsm("info", conf, "--constrain", "--validatetrans");
  expect(fromSource.stdout).toBe(want);
  const bin = join(mkdtempSync(join(tmpdir(), "xsm-cons-dup-")), "p.bin");
  writeFileSync(bin, compileBinary(readFileSync(conf, "utf8"), { file: conf }).bytes);
  const fromBinary = await xsm("info", bin, "--constrain", "--validatetrans");
  expect(fromBinary.stdout).toBe(want);
});
