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

describe("an output that cannot be written is refused at its option, before the compile", () => {
  it.runIf(linux)("compile -o /sys/x: one error at -o, no warnings first, exit 1", async () => {
    const r = await xsm("compile", small, "-o", "/sys/xsm-edge.bin");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    // (sysfs refuses new files: EACCES even for root; a read-only /sys in a container: EROFS)
    expect(r.stderr).toMatch(/^xsm: error: -o \/sys\/xsm-edge\.bin: cannot write the binary policy: (permission denied|read-only file system)\n$/);
    expect(existsSync("/sys/xsm-edge.bin")).toBe(false);
  });

  it.runIf(linux)("--output /proc/x and --format json: the same error, located at the option", async () => {
    const r = await xsm("compile", small, "--output", "/proc/xsm-edge.bin");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: -o /proc/xsm-edge.bin: cannot write the binary policy: '/proc' does not take new files\n");
    const j = await xsm("compile", small, "-o", "/proc/xsm-edge.bin", "--format", "json");
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout) as { ok: boolean; diagnostics: { message: string }[] };
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics.map((d) => d.message)).toEqual(["-o /proc/xsm-edge.bin: cannot write the binary policy: '/proc' does not take new files"]);
  });

  it.runIf(linux)("compile -o OK --emit-matrix /sys/m.json: neither is written, nothing left in OK's directory", async () => {
    const dir = freshDir("pair");
    const r = await xsm("compile", small, "-o", join(dir, "p.bin"), "--emit-matrix", "/sys/xsm-edge.json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xsm: error: --emit-matrix \/sys\/xsm-edge\.json: cannot write the matrix: /);
    expect(r.stderr).not.toContain("warning");
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(linux)("build -o /sys/x: refused before m4 runs", async () => {
    const r = await xsm("build", "examples/xen-flask", "-o", "/sys/xsm-edge.bin");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^xsm: error: -o \/sys\/xsm-edge\.bin: cannot write the binary policy: /);
  });

  it.skipIf(root || process.platform === "win32")("a read-only directory: refused before the compile, nothing left in it", async () => {
    const dir = freshDir("readonly");
    chmodSync(dir, 0o555);
    try {
      const r = await xsm("compile", small, "-o", join(dir, "p.bin"));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`xsm: error: -o ${join(dir, "p.bin")}: cannot write the binary policy: permission denied\n`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it("a good write leaves the output alone in its directory: no probe, no temporary file", async () => {
    const dir = freshDir("good");
    const r = await xsm("compile", small, "-o", join(dir, "p.bin"), "--emit-matrix", join(dir, "m.json"));
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["m.json", "p.bin"]);
  });

  it("a link planted at the temporary or probe name is replaced, never written through", async () => {
    const dir = freshDir("planted");
    const victim = join(tmp, "victim.txt");
    writeFileSync(victim, "keep me\n");
    const out = join(dir, "p.bin");
    // the names output.ts stages under (this process's id: the CLI runs in-process here)
    symlinkSync(victim, `${out}.xsm-${process.pid}-0.tmp`);
    symlinkSync(victim, `${out}.xsm-${process.pid}-probe.tmp`);
    const r = await xsm("compile", small, "-o", out);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe("keep me\n");
    expect(readdirSync(dir)).toEqual(["p.bin"]);
    expect(readFileSync(out).subarray(0, 4)).toEqual(Buffer.from([0x8c, 0xff, 0x7c, 0xf9]));
  });
});

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
    // (no .conf: both are read as m4 source, which a kernel's banner may be; as a policy.conf it
    // does not parse, and fmt refuses it as compile does)
    const copy = join(tmp, "version");
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
