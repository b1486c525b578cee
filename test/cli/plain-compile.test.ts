// `xsm compile FILE [-o OUT]` runs the compile action without commander (src/cli/main.ts
// plainCompile): it must answer exactly as commander's parse of the same command does. The same
// command with `--format text` added (its default) goes through commander, so each case is run both
// ways and compared: exit status, stdout, stderr and the binary written.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { plainCompile } from "../../src/cli/main.js";
import { xsm } from "./run.js";

describe("plainCompile", () => {
  it("takes only `compile FILE`, `compile FILE -o OUT` and `compile -o OUT FILE` (or --output)", () => {
    expect(plainCompile(["compile", "a.conf"])).toEqual({ file: "a.conf" });
    expect(plainCompile(["compile", "a.conf", "-o", "b.bin"])).toEqual({ file: "a.conf", output: "b.bin" });
    expect(plainCompile(["compile", "-o", "b.bin", "a.conf"])).toEqual({ file: "a.conf", output: "b.bin" });
    expect(plainCompile(["compile", "a.conf", "--output", "b.bin"])).toEqual({ file: "a.conf", output: "b.bin" });
    expect(plainCompile(["compile", "--output", "b.bin", "a.conf"])).toEqual({ file: "a.conf", output: "b.bin" });
    for (const argv of [
      [],
      ["compile"],
      ["compile", "-"],
      ["compile", "--help"],
      ["compile", "a.conf", "--strict"],
      ["compile", "a.conf", "b.conf"],
      ["compile", "a.conf", "-o"],
      ["compile", "a.conf", "-o", "-"],
      ["compile", "a.conf", "-o", "-o"],
      ["compile", "-o", "b.bin", "-"],
      ["compile", "a.conf", "-ob.bin"],
      ["compile", "a.conf", "--output=b.bin"],
      ["compile", "a.conf", "-M", "x"],
      ["compile", "a.conf", "b.bin", "-o"],
      ["compile", "a.conf", "x", "y"],
      ["help", "compile"],
      ["info", "a.conf"],
    ]) {
      expect(plainCompile(argv), argv.join(" ")).toBeUndefined();
    }
  });
});

describe("xsm compile without commander", () => {
  const dir = mkdtempSync(join(tmpdir(), "xsm-plain-"));
  const missing = join(dir, "no", "such", "dir", "p.bin");
  const cases: string[][] = [
    ["compile", "test/fixtures/cli/small.conf"],
    ["compile", "examples/xen-flask/policy.conf"],
    ["compile", "test/fixtures/cli/errors.conf"],
    ["compile", "test/fixtures/cli/neverallow.conf"],
    ["compile", join(dir, "absent.conf")],
    ["compile", dir],
    ["compile", "test/fixtures/cli/small.conf", "-o", missing],
    ["compile", "test/fixtures/cli/small.conf", "-o", "test/fixtures/cli/small.conf"],
    ["compile", "test/fixtures/cli/errors.conf", "-o", join(dir, "never.bin")],
  ];
  it.each(cases.map((argv) => [argv.join(" "), argv] as const))("xsm %s: as through commander", async (_, argv) => {
    expect(plainCompile(argv)).toBeDefined();
    const plain = await xsm(...argv);
    const viaCommander = await xsm(...argv, "--format", "text");
    expect(plainCompile([...argv, "--format", "text"])).toBeUndefined();
    expect(plain).toEqual(viaCommander);
    // (the failing cases fail with a message, not silently)
    if (plain.code !== 0) expect(plain.stderr).not.toBe("");
  });

  it("writes the same binary as through commander, -o before or after the file", async () => {
    const out = join(dir, "policy.bin");
    const runs: { run: Awaited<ReturnType<typeof xsm>>; bytes: Buffer }[] = [];
    for (const argv of [
      ["compile", "examples/xen-flask/policy.conf", "-o", out],
      ["compile", "-o", out, "examples/xen-flask/policy.conf"],
      ["compile", "examples/xen-flask/policy.conf", "--output", out],
      ["compile", "examples/xen-flask/policy.conf", "-o", out, "--format", "text"],
    ]) {
      rmSync(out, { force: true });
      const run = await xsm(...argv);
      expect(existsSync(out)).toBe(true);
      runs.push({ run, bytes: readFileSync(out) });
    }
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
    expect(runs[0]!.run.code).toBe(0);
  });
});
