// Standard output that cannot be written: `>/dev/full` (ENOSPC on every write, as a full disk
// gives) is one `xsm: error:` line and exit 1, for the compile bundle (fs.writeSync), the whole
// command line (process.stdout's stream) and the sources under tsx; no command leaves a file behind
// when it fails so. (A closed pipe is no failure: test/cli/closed-pipe.test.ts.)
// These ran into node's stack trace (exit 1) or an "internal error" (exit 70) before.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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

  // all or nothing: what a command prints about its files goes out before they are renamed into
  // place, so a standard output that fails leaves none of them (an existing one as it was)
  const WRITERS: [string, (out: string) => string[], string][] = [
    ["compile -o FILE (the summary)", (out) => ["compile", POLICY, "-o", out], "policy.bin"],
    ["compile -o FILE --emit-matrix - (the matrix)", (out) => ["compile", POLICY, "-o", out, "--emit-matrix", "-"], "policy.bin"],
    ["compile -o FILE --format json (the document)", (out) => ["compile", POLICY, "-o", out, "--format", "json"], "policy.bin"],
    ["compile --emit-matrix FILE (the summary, printed before)", (out) => ["compile", POLICY, "--emit-matrix", out], "matrix.json"],
    ["init FILE", (out) => ["init", out], "policy.conf"],
    ["test --junit FILE (the results)", (out) => ["test", "test/fixtures/policytest/small.tests.json", "--junit", out], "results.xml"],
    ["simulate --dot FILE (the trace, printed before)", (out) => ["simulate", "examples/svp/nested-trust.json", "--dot", out], "state.dot"],
    ["studio --export DIR", (out) => ["studio", "examples/svp/nested-trust.json", "--export", out], "site"],
  ];
  for (const [what, argv, name] of WRITERS) {
    it(`${what}: exit 1, nothing written, nothing left beside it`, () => {
      const sub = mkdtempSync(join(dir, "w-"));
      const out = join(sub, name);
      const r = toFull(["bin/xsm.cjs"], argv(out));
      expect(r.code).toBe(1);
      expect(r.stderr.endsWith(FULL), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      expect(readdirSync(sub)).toEqual([]);
    });
  }

  it("fmt --write: the file keeps its text", () => {
    const file = join(mkdtempSync(join(dir, "fmt-")), "p.conf");
    writeFileSync(file, "type  a_t;\n");
    const r = toFull(["bin/xsm.cjs"], ["fmt", "--write", file]);
    expect(r).toEqual({ code: 1, stderr: FULL });
    expect(readFileSync(file, "utf8")).toBe("type  a_t;\n");
    expect(readdirSync(dirname(file))).toEqual(["p.conf"]);
  });

  it("compile -o FILE over an existing file: it keeps its bytes", () => {
    const out = join(mkdtempSync(join(dir, "old-")), "policy.bin");
    writeFileSync(out, "old");
    expect(toFull(["bin/xsm.cjs"], ["compile", POLICY, "-o", out]).code).toBe(1);
    expect(readFileSync(out, "utf8")).toBe("old");
  });

  it("a failing standard error drops what was meant for it: the exit status is the run's", () => {
    const r = spawnSync("/bin/sh", ["-c", '"$@" 2>/dev/full', "sh", process.execPath, "bin/xsm.cjs", "compile", "test/fixtures/cli/errors.conf"], { ...SPAWN_LIMIT, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
  });
});
