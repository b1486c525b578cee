// Live: role attributes as checkpolicy expands them. oracle-matrix on the edge cases with role
// attributes prints what is committed beside them (test/binary/roleattr.test.ts compares our
// matrix with it), and checkpolicy's binary is the committed one. Also the one place xsm refuses what
// checkpolicy takes (a role attribute as a context's role: setools cannot open the binary), and
// audit2why's order of a constraint's roles when role attributes grow the role table.
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

/** A command's exit code and output (never rejects). */
function run(cmd: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(cmd, args, { encoding: "utf8" }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

describe("role attributes where xsm departs from checkpolicy or follows audit2why", () => {
  it("a role attribute as a context's role: checkpolicy writes the committed binary, which setools cannot open", async () => {
    const fx = join(repoRoot, "test/fixtures/binary/roleattr-context");
    const bin = join(work, "roleattr-context.bin");
    expect((await run("checkpolicy", ["-t", "Xen", "-c", "30", join(fx, "policy.conf"), "-o", bin])).code).toBe(0);
    expect(Buffer.compare(readFileSync(bin), readFileSync(join(fx, "policy.bin")))).toBe(0);
    const seinfo = await run("seinfo", [bin]);
    expect(seinfo.code).not.toBe(0);
    expect(seinfo.stderr + seinfo.stdout).toMatch(/Invalid policy/);
  });

  it("audit2why lists a constraint's roles in the committed order when role attributes grow the role table", async () => {
    const f = join(repoRoot, "test/fixtures/analysis/why-roleattr");
    const bin = join(work, "why-roleattr.bin");
    expect((await run("checkpolicy", ["-t", "Xen", "-c", "30", `${f}.conf`, "-o", bin])).code).toBe(0);
    const why = await run("/usr/bin/python3", ["/usr/bin/audit2why", "-p", bin], readFileSync(`${f}.log`, "utf8"));
    expect(why.stdout).toBe(readFileSync(`${f}.audit2why.txt`, "utf8"));
  });
});
