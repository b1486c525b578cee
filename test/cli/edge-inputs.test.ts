// Three bad inputs a policy author meets: an output where nothing can be written (`-o /sys/x`), a
// procfs or sysfs file (its size says 0, its content is made as it is read), and an empty file
// argument (`xsm compile ''`). Each must be one clear message with the CLI's exit status, and no
// file written, half or whole, anywhere.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { plainCompile } from "../../src/cli/main.js";
import { InputError, MAX_POLICY_BYTES, readBoundedFile } from "../../src/io/read.js";
import { STACK_LINE, xsm } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-edge-inputs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const small = "test/fixtures/cli/small.conf"; // compiles with two warnings
const linux = existsSync("/proc/version") && existsSync("/sys/kernel");
const root = process.getuid?.() === 0;

/** A fresh empty directory under the test's own. */
function freshDir(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  return dir;
}

describe.runIf(linux)("procfs and sysfs files (size 0, content made when read) are read as regular files", () => {
  it("readBoundedFile reads /proc/version to its end; the size bound still holds; an empty file is still empty", () => {
    const text = readBoundedFile("/proc/version", "policy", MAX_POLICY_BYTES).toString("utf8");
    expect(text).toMatch(/^Linux version /);
    expect(() => readBoundedFile("/proc/version", "policy", 8)).toThrow(/^\/proc\/version: file is too large /);
    const empty = join(tmp, "empty.conf");
    writeFileSync(empty, "");
    expect(() => readBoundedFile(empty, "policy", MAX_POLICY_BYTES)).toThrow(new InputError(`${empty}: file is empty, expected a policy file`));
  });

  it("xsm fmt /proc/version: its text, as for the same bytes in a regular file", async () => {
    const copy = join(tmp, "version.conf");
    writeFileSync(copy, readFileSync("/proc/version"));
    const r = await xsm("fmt", "/proc/version");
    const regular = await xsm("fmt", copy);
    expect(r.code, r.stderr).toBe(regular.code);
    expect(r.stdout).toBe(regular.stdout);
    expect(r.stdout).toMatch(/^Linux version /);
    expect(r.stderr).toBe("");
  });

  for (const command of ["compile", "lint"]) {
    it(`xsm ${command} /proc/version: a located syntax error, not "file is empty"`, async () => {
      const r = await xsm(command, "/proc/version");
      expect(r.code).toBe(1);
      // (lint's findings go to stdout, compile's errors to stderr)
      const out = `${r.stdout}${r.stderr}`;
      expect(out).toMatch(/^\/proc\/version:1:1: error: expected a statement, found 'Linux'\n/);
      expect(out).not.toContain("empty");
      expect(out).not.toMatch(STACK_LINE);
    });
  }

  it("a sysfs file whose size says 4096 reads as its content", async () => {
    const file = "/sys/kernel/mm/transparent_hugepage/enabled";
    if (!existsSync(file)) return;
    const r = await xsm("compile", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${file}:1:\\d+: error: `));
  });

  it("a truly empty file keeps its message", async () => {
    const empty = join(tmp, "empty2.conf");
    writeFileSync(empty, "");
    const r = await xsm("compile", empty);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xsm: error: ${empty}: file is empty, expected a policy file\n`);
  });
});

describe("an empty file argument is a usage error, exit 2, naming the argument", () => {
  const policyOrTree = "a file or directory name";
  const ROWS: [string[], string, string][] = [
    [["compile", ""], "<policy>", "a file name"],
    [["compile", "", "-o", join(tmp, "never.bin")], "<policy>", "a file name"],
    [["compile", "-o", join(tmp, "never.bin"), ""], "<policy>", "a file name"],
    [["check", "", "--scontext", "a:b:c", "--tcontext", "a:b:c", "--class", "x", "--perm", "p"], "<policy>", policyOrTree],
    [["fmt", small, ""], "<files...>", "a file name"],
    [["lint", ""], "[policy]", policyOrTree],
    [["build", ""], "<dir>", "a directory name"],
    [["simulate", ""], "<scenario>", "a file name"],
    [["init", ""], "[file]", "a file name"],
    [["scaffold", ""], "<policy>", "a file name"],
    [["search", "", "-A"], "<policy>", policyOrTree],
    [["info", ""], "[policy]", policyOrTree],
    [["why", small, ""], "[log]", "a file name"],
    [["allow", "", "x.log"], "<policy>", policyOrTree],
    [["flow", small, "-s", "dom0_t", ""], "[exclude...]", "a type name"],
    [["diff", small, ""], "<new>", policyOrTree],
    [["test", ""], "<files...>", "a file name"],
    [["studio", "", "--export", join(tmp, "never-site")], "[target]", policyOrTree],
  ];
  for (const [argv, arg, noun] of ROWS) {
    it(`xsm ${argv.map((a) => (a === "" ? "''" : a)).join(" ")}`, async () => {
      const r = await xsm(...argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`xsm: error: argument '${arg}' is invalid. expected ${noun}, got an empty string.\n(run 'npx xsm ${argv[0]} --help' for usage)\n`);
    });
  }

  it("nothing was written by the refused commands", () => {
    expect(existsSync(join(tmp, "never.bin"))).toBe(false);
    expect(existsSync(join(tmp, "never-site"))).toBe(false);
  });

  it("the plain compile fast path leaves an empty FILE to commander's parse", () => {
    expect(plainCompile(["compile", ""])).toBeUndefined();
    expect(plainCompile(["compile", "", "-o", "x.bin"])).toBeUndefined();
    expect(plainCompile(["compile", "-o", "x.bin", ""])).toBeUndefined();
  });
});
