// Paths the system refuses before any file is opened: a symbolic link loop (ELOOP) and a name
// longer than the system takes (ENAMETOOLONG). bin/xsm.cjs stat'ed `xsm compile`'s words to size the
// run and threw node's stack trace on them; each is now the command's own one-line error, exit 1.
import { spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "xsm-paths-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = "test/fixtures/cli/small.conf";

function run(argv: string[]) {
  const r = spawnSync(process.execPath, ["bin/xsm.cjs", ...argv], { timeout: 30_000, killSignal: "SIGKILL", encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(process.platform === "win32")("paths the system refuses", () => {
  const loop = join(dir, "loop");
  symlinkSync(loop, loop);
  const long = join(dir, "x".repeat(5000));

  it("compile of a link loop, or of a name too long: one error line", () => {
    expect(run(["compile", loop])).toEqual({ code: 1, stdout: "", stderr: `xsm: error: ${loop}: too many levels of symbolic links\n` });
    expect(run(["compile", long])).toEqual({ code: 1, stdout: "", stderr: `xsm: error: ${long}: file name too long\n` });
  });

  it("-o and --emit-matrix with a name too long: refused at the option before the compile, nothing written", () => {
    expect(run(["compile", POLICY, "-o", long])).toEqual({ code: 1, stdout: "", stderr: `xsm: error: -o ${long}: cannot write the binary policy: file name too long\n` });
    expect(run(["compile", POLICY, "--emit-matrix", long])).toEqual({ code: 1, stdout: "", stderr: `xsm: error: --emit-matrix ${long}: cannot write the matrix: file name too long\n` });
    expect(readdirSync(dir)).toEqual(["loop"]);
  });

  it("-o through a link to a file not there yet makes that file, as checkpolicy's fopen does; the link stays a link", () => {
    const sub = mkdtempSync(join(dir, "dangling-"));
    symlinkSync("made.bin", join(sub, "policy.bin"));
    expect(run(["compile", POLICY, "-o", join(sub, "policy.bin")]).code).toBe(0);
    expect(lstatSync(join(sub, "policy.bin")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(sub, "made.bin")).subarray(0, 4)).toEqual(Buffer.from([0x8c, 0xff, 0x7c, 0xf9]));
    expect(readdirSync(sub).sort()).toEqual(["made.bin", "policy.bin"]);
  });

  it("-o through a link loop, or a link into a missing directory: refused, the link left as it was", () => {
    const sub = mkdtempSync(join(dir, "refused-"));
    symlinkSync(join(sub, "loop.bin"), join(sub, "loop.bin"));
    symlinkSync(join(sub, "gone", "x.bin"), join(sub, "away.bin"));
    const out = join(sub, "loop.bin");
    expect(run(["compile", POLICY, "-o", out])).toEqual({ code: 1, stdout: "", stderr: `xsm: error: -o ${out}: cannot write the binary policy: too many levels of symbolic links\n` });
    const away = join(sub, "away.bin");
    expect(run(["compile", POLICY, "-o", away])).toEqual({ code: 1, stdout: "", stderr: `xsm: error: -o ${away}: cannot write the binary policy: no directory '${join(sub, "gone")}'\n` });
    expect(readdirSync(sub).sort()).toEqual(["away.bin", "loop.bin"]);
    expect(lstatSync(out).isSymbolicLink() && lstatSync(away).isSymbolicLink()).toBe(true);
  });
});
