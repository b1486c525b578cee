// Live: xsm fmt keeps the meaning of m4 policy trees and of every committed gen-policy seed. The
// example tree and Xen's real tree ($XSM_XEN_SRC), every source file formatted, build with m4 to
// the same binary as before; all 300 committed seeds compile to the same binary after fmt.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { buildTree } from "../../src/build/index.js";
import { formatSource, kindOf } from "../../src/fmt/format.js";
import { repoRoot } from "./harness.js";

let work: string;
beforeAll(() => {
  if (spawnSync("m4", ["--version"]).status !== 0) throw new Error("m4 is not installed: apt-get install -y m4");
  work = mkdtempSync(join(tmpdir(), "xsm-fmt-oracle-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Formats every policy source of the tree in place; returns how many changed. */
function formatTree(dir: string): number {
  let changed = 0;
  for (const path of files(dir)) {
    if (path.endsWith(".md") || path.endsWith(".sh") || path.endsWith("Makefile") || path.endsWith("Makefile.common") || path.endsWith("policy.conf")) continue;
    const text = readFileSync(path, "utf8");
    const out = formatSource(text, kindOf(path));
    if (out !== text) {
      writeFileSync(path, out);
      changed++;
    }
  }
  return changed;
}

function binaryOf(dir: string, flaskDir?: string): Buffer {
  const built = buildTree(dir, { flaskDir, compile: { binary: { version: 30 } } });
  expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return Buffer.from(built.bytes!);
}

describe("formatted m4 trees build to the same binary", () => {
  it("examples/xen-flask", () => {
    const dir = join(work, "example");
    cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
    const before = binaryOf(dir, join(dir, "flask"));
    expect(formatTree(dir)).toBeGreaterThan(0);
    expect(binaryOf(dir, join(dir, "flask")).equals(before)).toBe(true);
  });

  it.skipIf(!process.env.XSM_XEN_SRC)("Xen's real tools/flask/policy and xen/xsm/flask/policy", () => {
    const root = join(work, "xen");
    for (const part of ["tools/flask/policy", "xen/xsm/flask/policy"]) cpSync(join(process.env.XSM_XEN_SRC!, part), join(root, part), { recursive: true });
    const dir = join(root, "tools/flask/policy");
    const before = binaryOf(dir);
    expect(formatTree(root)).toBeGreaterThan(0);
    expect(binaryOf(dir).equals(before)).toBe(true);
  });
});

describe("every committed gen-policy seed", () => {
  it("compiles to the same binary after fmt", () => {
    const dir = join(repoRoot, "test/fixtures/oracle");
    const seeds = readdirSync(dir).filter((f) => /^seed-\d+\.conf$/.test(f));
    expect(seeds.length).toBe(300);
    for (const seed of seeds) {
      const text = readFileSync(join(dir, seed), "utf8");
      const formatted = formatSource(text, "conf");
      expect(formatSource(formatted, "conf"), seed).toBe(formatted);
      const a = compileBinary(text, { file: seed }).bytes;
      const b = compileBinary(formatted, { file: seed }).bytes;
      expect(Buffer.from(a).equals(Buffer.from(b)), seed).toBe(true);
    }
  }, 600_000);
});
