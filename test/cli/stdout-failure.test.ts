// Standard output that cannot be written: `>/dev/full` (ENOSPC on every write, as a full disk
// gives) is one `xsm: error:` line and exit 1, for the compile bundle (fs.writeSync), the whole
// command line (process.stdout's stream) and the sources under tsx; a closed pipe stays quiet.
// These ran into node's stack trace (exit 1) or an "internal error" (exit 70) before.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SPAWN_LIMIT = { timeout: 60_000, killSignal: "SIGKILL" } as const;
const dir = mkdtempSync(join(tmpdir(), "xsm-stdout-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node ENTRY ARGV...` with its standard output on /dev/full. */
function toFull(entry: string[], argv: string[]) {
  const script = '"$@" >/dev/full';
  const r = spawnSync("/bin/sh", ["-c", script, "sh", process.execPath, ...entry, ...argv], { ...SPAWN_LIMIT, encoding: "utf8" });
  return { code: r.status, stderr: r.stderr };
}

const FULL = "xsm: error: cannot write standard output: no space left on the device\n";
const POLICY = "test/fixtures/cli/small.conf";

describe.skipIf(process.platform !== "linux" || !existsSync("/dev/full"))("standard output on a full device", () => {
  const cases: [string, string[]][] = [
    ["compile (the compile bundle's summary)", ["compile", POLICY]],
    ["compile --emit-matrix - (the compile bundle)", ["compile", POLICY, "--emit-matrix", "-"]],
    ["info -t (the whole command line's stream)", ["info", POLICY, "-t"]],
    ["search -A", ["search", POLICY, "-A"]],
    ["fmt", ["fmt", POLICY]],
  ];
  for (const [what, argv] of cases) {
    it(`${what}: one error line, exit 1`, () => {
      expect(toFull(["bin/xsm.cjs"], argv)).toEqual({ code: 1, stderr: FULL });
    });
  }

  it("the sources under tsx answer the same", () => {
    expect(toFull(["--import", "tsx", "src/cli/main.ts"], ["info", POLICY, "-t"])).toEqual({ code: 1, stderr: FULL });
  }, 120_000);

  it("compile -o FILE --emit-matrix -: the binary is whole, the failed matrix is the error, no temporary file is left", () => {
    const out = join(dir, "policy.bin");
    const r = toFull(["bin/xsm.cjs"], ["compile", POLICY, "-o", out, "--emit-matrix", "-"]);
    expect(r.code).toBe(1);
    // (the binary is renamed into place before the matrix is written, the summary after it)
    expect(r.stderr.endsWith(`\n${FULL}`)).toBe(true);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(readdirSync(dir)).toEqual(["policy.bin"]);
    const ref = join(dir, "..", `${dir.split("/").pop()}-ref.bin`);
    const built = spawnSync(process.execPath, ["bin/xsm.cjs", "compile", POLICY, "-o", ref], SPAWN_LIMIT);
    expect(built.status).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(ref));
    rmSync(ref);
  });

  it("a failing standard error drops what was meant for it: the exit status is the run's", () => {
    const r = spawnSync("/bin/sh", ["-c", '"$@" 2>/dev/full', "sh", process.execPath, "bin/xsm.cjs", "compile", "test/fixtures/cli/errors.conf"], { ...SPAWN_LIMIT, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
  });
});
