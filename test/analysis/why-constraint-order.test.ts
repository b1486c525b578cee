// audit2why lists the failing constraints of a class in libsepol's list order (the later statement
// first); xsm why from a binary, whose tables hold that list as read, reversed it once more and
// printed them the other way round. test/fixtures/analysis/why-constraint-order.audit2why.txt is
// audit2why -p on checkpolicy's binary of the .conf (byte-identical to ours).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { xsm } from "../cli/run.js";

const dir = "test/fixtures/analysis";
const conf = join(dir, "why-constraint-order.conf");
const log = join(dir, "why-constraint-order.log");
const want = readFileSync(join(dir, "why-constraint-order.audit2why.txt"), "utf8");

it("lists two failing constraints in audit2why's order, from source and binary", async () => {
  const bin = join(mkdtempSync(join(tmpdir(), "xsm-why-order-")), "p.bin");
  writeFileSync(bin, compileBinary(readFileSync(conf, "utf8"), { file: conf }).bytes);
  for (const input of [conf, bin]) expect((await xsm("why", input, log, "--plain")).stdout).toBe(want);
});
