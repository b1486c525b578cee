// Live: `xsm build` against Xen's own build. On Xen's real tools/flask/policy (a xen.git checkout
// named by $XSM_XEN_SRC; .ci/run fetches one) the policy.conf we write must be byte-identical to
// the one `make -f Makefile.common` writes, with and without MLS, and compile to checkpolicy's
// matrix; examples/xen-flask run through Xen's own Makefile.common gives our bytes too. The m4
// output committed for test/build is checked against m4 today.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTree, readTree, runM4 } from "../../src/build/index.js";
import { noteText } from "../../src/diagnostics/diagnostic.js";
import { runCheckpolicy } from "../policy/checkpolicy-runs.js";
import { assertOracleAvailable, explainMismatch, repoRoot, runTool } from "./harness.js";

const xenSrc = process.env.XSM_XEN_SRC;
const example = join(repoRoot, "examples/xen-flask");
let work: string;

beforeAll(async () => {
  await assertOracleAvailable();
  if (spawnSync("m4", ["--version"]).status !== 0) throw new Error("m4 is not installed: apt-get install -y m4");
  work = mkdtempSync(join(tmpdir(), "xsm-build-oracle-"));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs Xen's Makefile.common (as tools/flask/policy/Makefile includes it) in `dir`; policy.conf. */
function makeConf(dir: string, makefile: string, vars: string[] = []): string {
  const out = mkdtempSync(join(work, "make-"));
  execFileSync("make", ["-s", "-f", makefile, `FLASK_BUILD_DIR=${out}`, ...vars, `${out}/policy.conf`], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  return readFileSync(join(out, "policy.conf"), "utf8");
}

function same(ours: string, theirs: string, what: string): void {
  if (ours !== theirs) expect.fail(`${what}: ${explainMismatch(ours, theirs)}`);
}

describe("committed m4 output", () => {
  it("test/fixtures/build/nic_dev-broken.conf is m4's output for the tree with nic_dev-broken.te", () => {
    const dir = join(work, "broken");
    cpSync(example, dir, { recursive: true });
    cpSync(join(repoRoot, "test/fixtures/build/nic_dev-broken.te"), join(dir, "modules/nic_dev.te"));
    const { text } = runM4(readTree(dir, { flaskDir: join(dir, "flask") }));
    same(text, readFileSync(join(repoRoot, "test/fixtures/build/nic_dev-broken.conf"), "utf8"), "nic_dev-broken.conf is stale");
  });

  it("test/fixtures/build/nic_dev-dnl.conf is m4's output for the tree with nic_dev-dnl.te, which checkpolicy 3.4 places in the file before", () => {
    const dir = join(work, "dnl");
    cpSync(example, dir, { recursive: true });
    cpSync(join(repoRoot, "test/fixtures/build/nic_dev-dnl.te"), join(dir, "modules/nic_dev.te"));
    const { text } = runM4(readTree(dir, { flaskDir: join(dir, "flask") }));
    same(text, readFileSync(join(repoRoot, "test/fixtures/build/nic_dev-dnl.conf"), "utf8"), "nic_dev-dnl.conf is stale");
    // 3.4 reads m4's `#line 4 "modules/nic_dev.te"` as a comment; test/build/build.test.ts holds
    // xsm compile and xsm build to modules/nic_dev.te:9, the line m4 wrote it from (3.10 too)
    const r = runCheckpolicy(join(repoRoot, "test/fixtures/build"), "nic_dev-dnl.conf");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^modules\/nomigrate\.te:9:ERROR 'unknown type nothere_t' at token ';' on line \d+:\nallow dom0_t nothere_t:resource use;\n/);
  });
});

describe("xsm build --mls -o on examples/xen-flask (m4 live)", () => {
  it("writes the committed MLS policy.conf and checkpolicy -M's binary of it, byte for byte", () => {
    const built = buildTree(example, { flaskDir: join(example, "flask"), mls: true, compile: { binary: { version: 30 } } });
    expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    same(built.conf, readFileSync(join(repoRoot, "test/fixtures/build/xen-flask-mls.conf"), "utf8"), "xen-flask-mls.conf is stale");
    const conf = join(work, "xen-flask-mls.conf");
    const theirs = join(work, "xen-flask-mls.bin");
    writeFileSync(conf, built.conf);
    execFileSync("checkpolicy", ["-M", "-t", "Xen", "-c", "30", conf, "-o", theirs], { stdio: "ignore" });
    expect(Buffer.compare(Buffer.from(built.bytes!), readFileSync(theirs)), "binary differs (bindump --diff)").toBe(0);
    expect(Buffer.compare(readFileSync(theirs), readFileSync(join(repoRoot, "test/fixtures/build/xen-flask-mls.bin")))).toBe(0);
  });
});

describe.skipIf(!xenSrc)("Xen's real policy tree ($XSM_XEN_SRC)", () => {
  let policyDir: string;

  beforeAll(() => {
    // a copy, so make's output and our edits never touch the checkout
    const root = join(work, "xen");
    for (const part of ["tools/flask/policy", "xen/xsm/flask/policy"]) {
      if (!existsSync(join(xenSrc!, part))) throw new Error(`XSM_XEN_SRC=${xenSrc} has no ${part}`);
      cpSync(join(xenSrc!, part), join(root, part), { recursive: true });
    }
    policyDir = join(root, "tools/flask/policy");
  });

  it("policy.conf is byte-identical to Makefile.common's", () => {
    const theirs = makeConf(policyDir, "Makefile.common");
    const ours = buildTree(policyDir);
    expect(ours.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    same(ours.conf, theirs, "xsm build vs make");
  });

  it("-o writes checkpolicy's binary of Makefile.common's policy.conf, byte for byte", () => {
    const conf = join(work, "make-policy.conf");
    writeFileSync(conf, makeConf(policyDir, "Makefile.common"));
    const theirs = join(work, "xenpolicy-checkpolicy");
    execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", theirs], { stdio: "ignore" });
    const ours = buildTree(policyDir, { compile: { binary: { version: 30 } } });
    expect(ours.bytes).toBeDefined();
    expect(Buffer.compare(Buffer.from(ours.bytes!), readFileSync(theirs)), "binary differs (test/oracle/tools/bindump --diff)").toBe(0);
  });

  it("the MLS policy.conf (CONFIG_MLS=y) is byte-identical too, and -o refuses it as checkpolicy -M does, or writes its bytes", () => {
    const theirs = makeConf(policyDir, "Makefile.common", ["CONFIG_MLS=y"]);
    same(runM4(readTree(policyDir, { mls: true })).text, theirs, "xsm build --mls vs make CONFIG_MLS=y");
    // xen.git's policy/mls has named permissions access_vectors no longer defines
    // (setextvcpucontext): checkpolicy -M refuses the tree; so must we
    const conf = join(work, "make-mls-policy.conf");
    const bin = join(work, "xenpolicy-mls-checkpolicy");
    writeFileSync(conf, theirs);
    const cp = spawnSync("checkpolicy", ["-M", "-t", "Xen", "-c", "30", conf, "-o", bin]);
    const ours = buildTree(policyDir, { mls: true, compile: { binary: { version: 30 } } });
    if (cp.status !== 0) {
      expect(ours.bytes).toBeUndefined();
      expect(ours.diagnostics.some((d) => d.severity === "error")).toBe(true);
    } else expect(Buffer.compare(Buffer.from(ours.bytes!), readFileSync(bin))).toBe(0);
  });

  it("compiles to checkpolicy's matrix", async () => {
    const built = buildTree(policyDir);
    const conf = join(work, "xen-policy.conf");
    writeFileSync(conf, built.conf);
    const r = await runTool("oracle-matrix", [conf]);
    expect(r.code, r.stderr).toBe(0);
    const json = built.policy!.matrixJson();
    same(json.endsWith("\n") ? json : `${json}\n`, r.stdout, "matrix of Xen's policy");
  });

  it("an error inside a macro of the real xen.if names the macro and the calling line", () => {
    const te = join(policyDir, "modules/nic_dev.te");
    const lines = readFileSync(te, "utf8").split("\n");
    const n = lines.findIndex((l) => l.startsWith("use_device_noiommu("));
    expect(n).toBeGreaterThanOrEqual(0);
    const original = lines.join("\n");
    lines[n] = "use_device_noiommu(domU_t, nosuch_t)";
    writeFileSync(te, lines.join("\n"));
    try {
      const { diagnostics } = buildTree(policyDir);
      const d = diagnostics.find((x) => x.message === "unknown type nosuch_t");
      expect(d?.span?.file).toBe("modules/xen.if");
      const body = readFileSync(join(policyDir, "modules/xen.if"), "utf8").split("\n")[d!.span!.line - 1];
      expect(body!.slice(d!.span!.col - 1, d!.span!.col + 1)).toBe("$2");
      expect(noteText(d!.notes!.at(-1)!)).toBe(`in expansion of \`use_device_noiommu\` at modules/nic_dev.te:${n + 1}`);
    } finally {
      writeFileSync(te, original);
    }
  });

  it("examples/xen-flask through Xen's own Makefile.common gives our bytes and the committed policy.conf", () => {
    const dir = join(work, "example");
    cpSync(example, dir, { recursive: true });
    // the example has no classes of its own: Makefile.common's lists, overridden as make allows
    const vars = ["SECCLASS=flask/security_classes", "ISID_DECLS=flask/initial_sids", "AVS=flask/access_vectors"];
    const theirs = makeConf(dir, join(policyDir, "Makefile.common"), vars);
    same(buildTree(dir, { flaskDir: join(dir, "flask") }).conf, theirs, "xsm build vs make on examples/xen-flask");
    const theirsMls = makeConf(dir, join(policyDir, "Makefile.common"), [...vars, "CONFIG_MLS=y"]);
    same(readFileSync(join(repoRoot, "test/fixtures/build/xen-flask-mls.conf"), "utf8"), theirsMls, "xen-flask-mls.conf vs make CONFIG_MLS=y on examples/xen-flask");
    same(theirs, readFileSync(join(example, "policy.conf"), "utf8"), "committed examples/xen-flask/policy.conf");
  });
});
