// Live: xsm fmt keeps the meaning of m4 policy trees and of every committed gen-policy seed. The
// example tree, Xen's real tree ($XSM_XEN_SRC) and Xen's tree at HEAD and every release 4.3.0 ..
// 4.20.0 ($XSM_XEN_GIT), every source file formatted: m4's trace of every macro call is the same
// byte for byte, its output the same but for blanks at the start and end of a line, before a
// comment, and empty lines (docs/fmt.md says why it cannot be byte-identical), and checkpolicy and xsm write the same binary
// as before; all 300 committed seeds compile to the same binary after fmt. What fmt
// refuses in an m4 source, the build with m4 refuses too, with the same error, and checkpolicy
// refuses m4's output; what it keeps there is whatever checkpolicy makes of m4's output.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { buildTree, moduleOff, readTree, runM4 } from "../../src/build/index.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { FormatError, formatSource, kindOf } from "../../src/fmt/format.js";
import { recorded, runCheckpolicy } from "../policy/checkpolicy-runs.js";
import { repoRoot } from "./harness.js";
import { checkoutPolicy, m4Command, runM4Traced, XEN_REFS, type M4Command } from "./xen-trees.js";

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

/** m4's output but for what fmt's layout of Xen's trees changes in top-level text, which m4 copies
 *  as it is (so the output cannot stay byte-identical: docs/fmt.md): each line without its leading
 *  and trailing blanks, and one blank before a comment; the other blanks inside it kept; `#line`
 *  directives and empty lines apart (fmt removes runs of blank lines, which moves m4's `#line`s). */
function words(out: string): string {
  return out
    .split("\n")
    .filter((l) => !l.startsWith("#line "))
    .map((l) => l.replace(/^[ \t\f]+|[ \t\f]+$/g, "").replace(/[ \t\f]+#/, " #"))
    .filter((l) => l !== "")
    .join("\n");
}

/** The first line where two texts differ, with a few lines of each from there: a readable failure
 *  for texts of thousands of lines. */
function firstDifference(a: string, b: string): string | undefined {
  const x = a.split("\n");
  const y = b.split("\n");
  const i = x.findIndex((l, n) => l !== y[n]);
  const at = i === -1 ? (x.length === y.length ? -1 : Math.min(x.length, y.length)) : i;
  return at === -1 ? undefined : `line ${at + 1}:\n- ${x.slice(at, at + 4).join("\n- ")}\n+ ${y.slice(at, at + 4).join("\n+ ")}`;
}

/** The binary checkpolicy writes from `conf` (Xen's build: checkpolicy -t Xen -c 30). */
function checkpolicyBinary(conf: string, dir: string): Buffer {
  writeFileSync(join(dir, "policy.conf"), conf);
  const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(dir, "xenpolicy"), join(dir, "policy.conf")], { encoding: "utf8" });
  if (r.error) throw new Error(`checkpolicy could not run (apt-get install -y checkpolicy): ${r.error.message}`);
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(join(dir, "xenpolicy"));
}

/** Formats every source of the tree under `root` (formatTree: every .te, .if, .spt, .cons and
 *  .conf, policy/*, Xen's flask classes and vectors) and checks that m4 makes the same of it: every
 *  macro call, define's among them, collects the same arguments and expands to the same text (m4's
 *  trace, byte for byte), m4's output has the same words on each line, and checkpolicy and xsm
 *  compile it to the same binary as before. A second fmt changes nothing. */
function expectFmtKeepsM4(root: string, command: () => M4Command, scratch: string): void {
  mkdirSync(scratch, { recursive: true });
  const before = runM4Traced(command(), join(scratch, "before.trace"));
  expect(formatTree(root)).toBeGreaterThan(0);
  expect(formatTree(root), "a second fmt changes nothing").toBe(0);
  const after = runM4Traced(command(), join(scratch, "after.trace"));
  expect(firstDifference(before.trace, after.trace), "m4's trace of every macro call").toBeUndefined();
  expect(firstDifference(words(before.out), words(after.out)), "m4's output, each line's text from its first word to its last (or its comment)").toBeUndefined();
  const ours = (conf: string) => Buffer.from(compileBinary(conf, { file: "policy.conf", version: 30 }).bytes);
  expect(ours(after.out).equals(ours(before.out)), "xsm compile's binary").toBe(true);
  expect(checkpolicyBinary(after.out, scratch).equals(checkpolicyBinary(before.out, scratch)), "checkpolicy's binary").toBe(true);
}

describe("formatted m4 trees: m4 makes the same of them, and they build to the same binary", () => {
  it("examples/xen-flask", () => {
    const dir = join(work, "example");
    cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
    const before = binaryOf(dir, join(dir, "flask"));
    const tree = () => {
      const t = readTree(dir, { flaskDir: join(dir, "flask") });
      return { cwd: t.dir, args: [...t.m4Params, ...t.sections] };
    };
    // the example is laid out as fmt lays it out: nothing to change, so one line is spoilt first
    const te = join(dir, "modules/xen.te");
    writeFileSync(te, readFileSync(te, "utf8").replace(/\n/, "\n\n\n   "));
    expectFmtKeepsM4(dir, tree, join(work, "example-m4"));
    expect(binaryOf(dir, join(dir, "flask")).equals(before)).toBe(true);
  });

  it.skipIf(!process.env.XSM_XEN_SRC)("Xen's real tools/flask/policy and xen/xsm/flask/policy ($XSM_XEN_SRC)", () => {
    const root = join(work, "xen");
    for (const part of ["tools/flask/policy", "xen/xsm/flask/policy"]) cpSync(join(process.env.XSM_XEN_SRC!, part), join(root, part), { recursive: true });
    const dir = join(root, "tools/flask/policy");
    const before = binaryOf(dir);
    expectFmtKeepsM4(root, () => m4Command(root), join(work, "xen-m4"));
    expect(binaryOf(dir).equals(before)).toBe(true);
  });
});

/** The C headers Xen's build makes from xen/xsm/flask/policy (xen/xsm/flask/Makefile: mkflask.sh
 *  over security_classes and initial_sids, mkaccess_vector.sh over access_vectors, with awk), by
 *  name: fmt's layout of those files must leave them as they were. A script that takes no output
 *  directory (older releases) writes include/ under the directory it runs in. */
function flaskHeaders(root: string, scratch: string): Map<string, string> {
  const dir = join(root, "xen/xsm/flask/policy");
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(scratch, "include"), { recursive: true });
  for (const [script, ...inputs] of [["mkflask.sh", "security_classes", "initial_sids"], ["mkaccess_vector.sh", "access_vectors"]]) {
    const path = join(dir, script!);
    const out = /^output_dir=\$1/m.test(readFileSync(path, "utf8")) ? [join(scratch, "include")] : [];
    const r = spawnSync("sh", [path, "awk", ...out, ...inputs.map((f) => join(dir, f))], { cwd: scratch, encoding: "utf8" });
    expect(r.status, `${script}: ${r.stderr}`).toBe(0);
  }
  const headers = join(scratch, "include");
  return new Map(readdirSync(headers).map((f) => [f, readFileSync(join(headers, f), "utf8")]));
}

// every release's tree from 4.3 (the oldest with Xen's own m4 policy tree in this shape) and HEAD,
// read from a xen.git repository ($XSM_XEN_GIT; .ci/run clones one without blobs); Xen's build
// also makes its flask headers from xen/xsm/flask/policy, which fmt lays out too

describe.skipIf(!process.env.XSM_XEN_GIT)("Xen's tree at HEAD and every RELEASE-4.3.0 .. RELEASE-4.20.0 ($XSM_XEN_GIT)", () => {
  for (const ref of XEN_REFS) {
    it(ref, () => {
      const root = join(work, `git-${ref}`);
      checkoutPolicy(process.env.XSM_XEN_GIT!, ref, root);
      const headers = flaskHeaders(root, join(work, `git-${ref}-h`));
      expect(headers.size).toBeGreaterThan(0);
      expectFmtKeepsM4(root, () => m4Command(root), join(work, `git-${ref}-m4`));
      expect(flaskHeaders(root, join(work, `git-${ref}-h`)), "Xen's flask headers").toEqual(headers);
    });
  }
});

describe("a #line comment fmt keeps a comment (test/fixtures/fmt/line-comment)", () => {
  it("checkpolicy prints what checkpolicy.json recorded, before and after fmt", () => {
    const dir = "test/fixtures/fmt/line-comment";
    expect(recorded(dir).length).toBeGreaterThanOrEqual(14);
    const changed = recorded(dir).filter((r) => JSON.stringify(runCheckpolicy(dir, r.file)) !== JSON.stringify(r));
    expect(changed.map((r) => r.file)).toEqual([]);
  });
});

describe("paths and quoted names fmt keeps as checkpolicy reads them (test/fixtures/fmt/names)", () => {
  it("checkpolicy writes the same binary before and after fmt", () => {
    const dir = join(repoRoot, "test/fixtures/fmt/names");
    const out = mkdtempSync(join(tmpdir(), "xsm-fmt-names-"));
    const binary = (file: string) => {
      const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(out, `${file}.bin`), join(dir, file)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(out, `${file}.bin`));
    };
    expect(formatSource(readFileSync(join(dir, "devicetree.conf"), "utf8"), "conf")).toBe(readFileSync(join(dir, "devicetree.fmt.conf"), "utf8"));
    expect(binary("devicetree.fmt.conf").equals(binary("devicetree.conf"))).toBe(true);
    rmSync(out, { recursive: true, force: true });
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

/** checkpolicy's verdict on m4's output for the tree (Xen's build: checkpolicy -t Xen). */
function checkpolicyAccepts(dir: string): boolean {
  const m4 = runM4(readTree(dir, { flaskDir: join(dir, "flask") }));
  const conf = join(dir, "policy.conf");
  writeFileSync(conf, m4.text);
  const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(dir, "xenpolicy"), conf], { cwd: dir, encoding: "utf8" });
  if (r.error) throw new Error(`checkpolicy could not run (apt-get install -y checkpolicy): ${r.error.message}`);
  return r.status === 0;
}

describe("what fmt refuses in an m4 source, m4 carries into policy.conf and the build refuses", () => {
  // each line appended to the example tree's modules/xen.te: fmt refuses it exactly when it is
  // certain the build fails on it, with the build's code and message at the same place (m4 and
  // the compiler, located back through #line), and checkpolicy agrees with the build; what fmt
  // accepts, it accepts whether the build does or not (a macro decides)
  const cases: { text: string; refused: boolean; builds: boolean }[] = [
    { text: "type caf\u00e9_t;", refused: true, builds: false },
    { text: "type cafe_t; \u00a0", refused: true, builds: false },
    { text: "\ufefftype cafe_t;", refused: true, builds: false },
    { text: "define(`ign', `')ign(x)\u00e9", refused: true, builds: false },
    { text: "# caf\u00e9", refused: false, builds: true },
    { text: "type cafe_t; dnl caf\u00e9", refused: false, builds: true },
    { text: "define(`unused', `type caf\u00e9_t;')", refused: false, builds: true },
    { text: "define(`used', `type caf\u00e9_t;')used", refused: false, builds: false },
    { text: "define(`ign', `')ign(caf\u00e9)", refused: false, builds: true },
    // a top-level quoted string: m4 copies what it holds, unless checkpolicy reads it as a comment
    { text: "`type caf\u00e9_t;'", refused: true, builds: false },
    { text: "`type quoted_t; # caf\u00e9' \u00a0", refused: false, builds: true },
    // a carriage return: where m4 copies it, and not where dnl discards it through the newline
    { text: "type cr_t;\r", refused: true, builds: false },
    { text: "`type cr_t;\r'", refused: true, builds: false },
    { text: "\r", refused: true, builds: false },
    { text: "type cr_t; dnl caf\u00e9 \r", refused: false, builds: true },
    { text: "dnl `a } ( caf\u00e9\r", refused: false, builds: true },
    { text: "type cr_t; # caf\u00e9\r", refused: false, builds: true },
    { text: "define(`unusedcr', `type cr_t;\r')", refused: false, builds: true },
    { text: "define(`usedcr', `type cr_t;\r')usedcr", refused: false, builds: false },
    { text: "define(`ign', `')ign(a\r)", refused: false, builds: true },
    { text: "define(`dnlbody', `type cr_t; dnl } caf\u00e9\r')dnlbody", refused: false, builds: true },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.text), () => {
      const dir = join(work, `m4-${cases.indexOf(c)}`);
      cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
      const te = join(dir, "modules/xen.te");
      const text = `${readFileSync(te, "utf8")}${c.text}\n`;
      writeFileSync(te, text);
      const built = buildTree(dir, { flaskDir: join(dir, "flask") });
      const errors = built.diagnostics.filter((d) => d.severity === "error");
      expect(errors.length === 0, JSON.stringify(errors)).toBe(c.builds);
      expect(checkpolicyAccepts(dir), "checkpolicy on m4's output").toBe(c.builds);
      let refusal: Diagnostic[] = [];
      try {
        formatSource(text, kindOf(te));
      } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        refusal = err.diagnostics("modules/xen.te", text);
      }
      expect(refusal.length > 0).toBe(c.refused);
      if (c.refused) {
        const at = (d: Diagnostic) => [d.code, d.message, d.span?.file, d.span?.line, d.span?.col];
        expect(errors.map(at)).toContainEqual(at(refusal[0]!));
      }
    });
  }
});

describe("a module modules.conf leaves off is never built: fmt lays it out with what the build would refuse", () => {
  // the example tree's debug_guest is off: m4 never reads it, so the tree builds and checkpolicy
  // accepts m4's output; switched on, the build, checkpolicy and fmt refuse it, at the same place
  it("debug_guest.te with a character checkpolicy rejects", () => {
    const dir = join(work, "off-module");
    cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
    const te = join(dir, "modules/debug_guest.te");
    const text = `${readFileSync(te, "utf8")}type  caf\u00e9_t;\r\n`;
    writeFileSync(te, text);
    const errors = () => buildTree(dir, { flaskDir: join(dir, "flask") }).diagnostics.filter((d) => d.severity === "error");
    expect(errors()).toEqual([]);
    expect(checkpolicyAccepts(dir)).toBe(true);
    expect(moduleOff(te)).toBe("debug_guest");
    expect(formatSource(text, kindOf(te), { unread: true })).toContain("\ntype caf\u00e9_t;\r\n");

    const conf = join(dir, "modules/modules.conf");
    writeFileSync(conf, readFileSync(conf, "utf8").replace("debug_guest = off", "debug_guest = on"));
    expect(moduleOff(te)).toBeUndefined();
    expect(checkpolicyAccepts(dir)).toBe(false);
    let refusal: Diagnostic[] = [];
    try {
      formatSource(text, kindOf(te), { unread: false });
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      refusal = err.diagnostics("modules/debug_guest.te", text);
    }
    const at = (d: Diagnostic) => [d.code, d.message, d.span?.file, d.span?.line, d.span?.col];
    expect(refusal.length).toBeGreaterThan(0);
    expect(errors().map(at)).toContainEqual(at(refusal[0]!));
  });
});
