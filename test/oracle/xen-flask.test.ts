// Live: the Xen-style policy tree of examples/xen-flask, expanded with m4 as Xen's build does,
// against checkpolicy and setools.  Checks that the committed policy.conf and fixtures are what the
// tools produce today (so a stale one fails here, not silently in npm test), and that our compiler
// agrees with checkpolicy on the committed policy and on variants only m4 can make: booleans
// overridden at build time, a module switched on, a neverallow broken inside a module.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTree, runM4 } from "../../src/build/index.js";
import { decisionJson, parseQueries } from "../../src/cli/check.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { compileBinary } from "../../src/binary/compile.js";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { assertOracleAvailable, boolArgs, explainMismatch, repoRoot, runTool, type ToolResult } from "./harness.js";

const tree = join(repoRoot, "examples/xen-flask");
const fixtures = join(repoRoot, "test/fixtures/xen-flask");
const committedConf = join(tree, "policy.conf");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");

let work: string;

function run(cmd: string, args: string[]): Promise<ToolResult> {
  return new Promise((done) => {
    execFile(cmd, args, { maxBuffer: 1 << 28, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      done({ code, stdout, stderr: err && typeof err.code !== "number" ? `${stderr}${err.message}` : stderr });
    });
  });
}

/** Expands the tree at `dir` with m4 as `xsm build` does (Makefile.common's order and flags),
 *  with extra m4 definitions; returns the policy text. */
async function expand(dir: string, defines: string[] = [], mls = false): Promise<string> {
  const { text, diagnostics } = runM4(readTree(dir, { flaskDir: join(dir, "flask"), defines, mls }));
  if (diagnostics.length > 0) throw new Error(`m4 complained: ${JSON.stringify(diagnostics)}`);
  return text;
}

function writeConf(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

/** A copy of the source tree that a test may edit. */
function copyTree(name: string): string {
  const dir = join(work, name);
  cpSync(tree, dir, { recursive: true });
  return dir;
}

function decisions(policy: CompiledPolicy, queriesPath: string): string {
  const queries = parseQueries(JSON.parse(readFileSync(queriesPath, "utf8")), queriesPath);
  return `[${queries.map((q) => decisionJson(policy.check(q.scontext, q.tcontext, q.tclass, q.perm))).join(",")}]\n`;
}

function expectSame(ours: string, theirs: string, what: string): void {
  if (ours !== theirs) expect.fail(`${what}: ${explainMismatch(ours, theirs)}`);
}

async function oracleMatrix(conf: string): Promise<string> {
  const r = await runTool("oracle-matrix", [conf]);
  if (r.code !== 0) throw new Error(`oracle-matrix ${conf} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function oracleDecide(conf: string, bools: Record<string, boolean> = {}): Promise<string> {
  const r = await runTool("oracle-decide", [conf, join(fixtures, "queries.json"), ...boolArgs(bools)]);
  if (r.code !== 0) throw new Error(`oracle-decide ${conf} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function ourMatrix(text: string, file: string): string {
  const json = compilePolicy(text, { file }).matrixJson();
  return json.endsWith("\n") ? json : `${json}\n`;
}

beforeAll(async () => {
  await assertOracleAvailable();
  const m4 = await run("m4", ["--version"]);
  if (m4.code !== 0) throw new Error("m4 is not installed: apt-get install -y m4");
  work = mkdtempSync(join(tmpdir(), "xsm-xen-flask-"));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("examples/xen-flask as Xen's build makes it", () => {
  it("the committed policy.conf is exactly what m4 produces from the tree", async () => {
    const fresh = await expand(tree);
    expect(fresh.includes('#line 1 "modules/xen.te"'), "m4 -s emitted no #line directives").toBe(true);
    if (fresh !== readFileSync(committedConf, "utf8")) {
      expect.fail("examples/xen-flask/policy.conf is stale: run `npx xsm build examples/xen-flask --flask-dir examples/xen-flask/flask --conf examples/xen-flask/policy.conf` and commit it");
    }
  });

  it("compiles with checkpolicy -t Xen -c 30", async () => {
    const r = await run("checkpolicy", ["-t", "Xen", "-c", "30", committedConf, "-o", join(work, "xenpolicy")]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });

  it("the committed fixtures are the oracle's answers today", async () => {
    expectSame(await oracleMatrix(committedConf), fixture("matrix.json"), "matrix.json is stale (regenerate.sh)");
    expectSame(await oracleDecide(committedConf), fixture("decisions.json"), "decisions.json is stale (regenerate.sh)");
    const bools = JSON.parse(fixture("bools.json")) as Record<string, boolean>;
    expectSame(await oracleDecide(committedConf, bools), fixture("bool-decisions.json"), "bool-decisions.json is stale");
  });

  it("our compiler gives checkpolicy's matrix and decisions", async () => {
    const text = readFileSync(committedConf, "utf8");
    expectSame(ourMatrix(text, "policy.conf"), await oracleMatrix(committedConf), "matrix");
    const policy = compilePolicy(text, { file: "policy.conf" });
    const queries = join(fixtures, "queries.json");
    expectSame(decisions(policy, queries), await oracleDecide(committedConf), "decisions");
    const bools = JSON.parse(fixture("bools.json")) as Record<string, boolean>;
    expectSame(decisions(policy.withBooleans(bools), queries), await oracleDecide(committedConf, bools), "decisions with overridden booleans");
  });
});

describe("variants only m4 can make", () => {
  it("booleans overridden at build time (-D NAME_conf=...) change the defaults for both", async () => {
    const text = await expand(tree, ["prot_doms_locked_conf=true", "guest_writeconsole_conf=false"]);
    const conf = writeConf("locked.conf", text);
    const oracle = await oracleMatrix(conf);
    expect(JSON.parse(oracle).booleans).toMatchObject({ prot_doms_locked: true, guest_writeconsole: false });
    expectSame(ourMatrix(text, "locked.conf"), oracle, "matrix with build-time booleans");
    expectSame(decisions(compilePolicy(text, { file: "locked.conf" }), join(fixtures, "queries.json")), await oracleDecide(conf), "decisions with build-time booleans");
  });

  it("a module switched on in modules.conf is built into the policy", async () => {
    const dir = copyTree("with-debug-guest");
    const modulesConf = join(dir, "modules/modules.conf");
    writeFileSync(modulesConf, readFileSync(modulesConf, "utf8").replace("debug_guest = off", "debug_guest = on"));
    const text = await expand(dir);
    expect(text).toContain('#line 1 "modules/debug_guest.te"');
    const oracle = await oracleMatrix(writeConf("debug.conf", text));
    expect(JSON.parse(oracle).types).toContain("debug_domU_t");
    expectSame(ourMatrix(text, "debug.conf"), oracle, "matrix with debug_guest on");
  });

  it("a neverallow broken inside a module is rejected by both, ours at the module's line", async () => {
    const dir = copyTree("broken");
    const domU = join(dir, "modules/domU.te");
    const before = readFileSync(domU, "utf8");
    const badLine = before.split("\n").length; // the appended rule's line (the file ends with a newline)
    writeFileSync(domU, `${before}allow domU_t security_t:security setenforce;\n`);
    const text = await expand(dir);
    const conf = writeConf("broken.conf", text);

    const r = await run("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", join(work, "broken.bin")]);
    expect(r.code, "checkpolicy accepted a neverallow violation").not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/neverallow/);

    let diagnostics: PolicyError["diagnostics"] = [];
    try {
      compilePolicy(text, { file: "broken.conf" });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      diagnostics = err.diagnostics;
    }
    const hit = diagnostics.find((d) => d.code === "neverallow");
    expect(hit, JSON.stringify(diagnostics)).toBeDefined();
    expect(hit!.span?.file).toBe("modules/xen.te");
    const where = hit!.notes?.map((n) => `${n.span?.file}:${n.span?.line}`) ?? [];
    expect(where).toContain(`modules/domU.te:${badLine}`);
  });

  it("the MLS build (CONFIG_MLS=y) is accepted by checkpolicy -M and by us with mls, and needs -M at policy/mls without it", async () => {
    const out = writeConf("mls.conf", await expand(tree, [], true));
    const cp = await run("checkpolicy", ["-M", "-t", "Xen", "-c", "30", out, "-o", join(work, "mls.bin")]);
    expect(cp.code, cp.stderr + cp.stdout).toBe(0);

    let diagnostics: PolicyError["diagnostics"] = [];
    try {
      compilePolicy(readFileSync(out, "utf8"), { file: "mls.conf" });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      diagnostics = err.diagnostics;
    }
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: "mls-disabled" });
    expect(diagnostics[0]!.span?.file).toBe("policy/mls");
    expect(() => compilePolicy(readFileSync(out, "utf8"), { file: "mls.conf", mls: true })).not.toThrow();
    const ours = compileBinary(readFileSync(out, "utf8"), { file: "mls.conf", mls: true }).bytes;
    expect(Buffer.from(ours).equals(readFileSync(join(work, "mls.bin"))), "Xen's MLS policy: our binary differs from checkpolicy -M's").toBe(true);
  });
});
