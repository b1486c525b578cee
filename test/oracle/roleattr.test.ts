// Live: role attributes as checkpolicy expands them. oracle-matrix on the edge cases with role
// attributes prints what is committed beside them (test/binary/roleattr.test.ts compares our
// matrix with it), and checkpolicy's binary is the committed one.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { repoRoot, runTool } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/binary/edge");
const work = mkdtempSync(join(tmpdir(), "xsm-roleattr-"));

describe("role attributes, live against checkpolicy and setools", () => {
  it.each(["t13", "roleattr", "roletrans"])("%s", async (name) => {
    const conf = join(dir, `${name}.conf`);
    const matrix = await runTool("oracle-matrix", [conf]);
    expect(matrix.code).toBe(0);
    expect(matrix.stdout.trimEnd()).toBe(readFileSync(join(dir, `${name}.matrix.json`), "utf8").trimEnd());
    const bin = join(work, `${name}.bin`);
    await new Promise<void>((done, fail) => execFile("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", bin], (err) => (err ? fail(err) : done())));
    const ours = compileBinary(readFileSync(conf, "utf8"), { file: conf });
    expect(Buffer.compare(ours.bytes, readFileSync(bin))).toBe(0);
    expect(ours.policy.matrixJson()).toBe(matrix.stdout.trimEnd());
  });
});
