// The analysis commands (search, info, flow, why, allow, diff, test) and check on a policy tree directory:
// the output is the output for the policy.conf `xsm build DIR --conf` writes, apart from the
// locations, which name the .te/.if/.spt line m4 wrote each rule from (src/build/locate.ts); a bad
// tree is a located error with a non-zero exit. Golden files: test/fixtures/tree/*.txt (after an
// intended change: UPDATE_GOLDEN=1 npx vitest run test/cli/tree-input.test.ts).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";
import { hasM4 } from "../tools.js";

const TREE = "examples/xen-flask";
const FLASK = ["--flask-dir", "examples/xen-flask/flask"];
const LOCKED = ["-D", "prot_doms_locked_conf=true"];
const LOG = "test/fixtures/tree/xen-flask.log";
const TESTS = "test/fixtures/tree/xen-flask.tests.json";
const MACRO_TESTS = "test/fixtures/tree/macro-failure.tests.json";
const GOLDEN = "test/fixtures/tree";

let tmp: string;
let conf: string;
let lockedConf: string;
let mlsConf: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "xsm-tree-input-"));
  if (!hasM4) return;
  conf = join(tmp, "policy.conf");
  lockedConf = join(tmp, "locked.conf");
  mlsConf = join(tmp, "mls.conf");
  // the policy.conf files the tree stands for, as `xsm build DIR --conf` writes them
  for (const [out, extra] of [[conf, []], [lockedConf, LOCKED], [mlsConf, ["--mls"]]] as const) {
    const r = await xsm("build", TREE, ...FLASK, ...extra, "--conf", out);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A location as the reports print it: file:line[:col], and a tree's "(in expansion of ...)". */
const LOCATION = /(?:[\w.-]+\/)*[\w.-]+:\d+(?::\d+)?(?: \(in expansion of `[^`]+` at [^)]+\))?/g;

/** Text with the locations and the policy's own name taken out. */
function unlocated(text: string, policy: string): string {
  return text.split(resolve(policy)).join("POLICY").split(policy).join("POLICY").replace(LOCATION, "LOC");
}

/** A JSON document with its location fields taken out ({file, line, col, expansion}, "at"). */
function unlocatedJson(value: unknown, policy: string): unknown {
  if (typeof value === "string") return unlocated(value, policy);
  if (Array.isArray(value)) return value.map((v) => unlocatedJson(v, policy));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (["file", "line", "col", "expansion"].includes(k) && "text" in value) continue;
      out[k] = unlocatedJson(v, policy);
    }
    return out;
  }
  return value;
}

function documents(stdout: string): unknown[] {
  // one document, or JSON Lines (why --json)
  try {
    return [JSON.parse(stdout)];
  } catch {
    return stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown);
  }
}

/** argv for the tree and for its policy.conf: `at(policy)` puts the policy where it goes. */
const CASES: Record<string, { at: (policy: string) => string[]; locked?: boolean; mls?: boolean; json?: boolean }> = {
  "search -A --origins": { at: (p) => ["search", p, "-A", "-s", "dom0_t", "--origins"] },
  "search every kind --origins --json": { at: (p) => ["search", p, "--allow", "--auditallow", "--dontaudit", "--neverallow", "-T", "--origins", "--json"], json: true },
  "search --effective (constraints)": { at: (p) => ["search", p, "--effective", "-s", "domU_t", "-c", "grant,event"] },
  "info": { at: (p) => ["info", p] },
  "info -x (types, constraints, ocontexts)": { at: (p) => ["info", p, "-x", "-t", "--constrain", "--pcidevicecon", "--initialsid"] },
  "info --mls -x (the MLS build)": { at: (p) => ["info", p, "--mls", "-x", "--constrain", "--sensitivity", "--initialsid"], mls: true },
  "search --mls --origins": { at: (p) => ["search", p, "--mls", "-A", "-s", "dom0_t", "-t", "domU_t", "--origins"], mls: true },
  "info --json -b": { at: (p) => ["info", p, "-b", "--json"], locked: true, json: true },
  "flow --origins": { at: (p) => ["flow", p, "-s", "domU_t", "--origins", "-l", "5"] },
  "flow -S --json": { at: (p) => ["flow", p, "-s", "domU_t", "-t", "dom0_t", "-S", "--json"], json: true },
  "why": { at: (p) => ["why", p, LOG], locked: true },
  "why --json": { at: (p) => ["why", p, LOG, "--json"], locked: true, json: true },
  "allow --module": { at: (p) => ["allow", p, LOG, "--module", "local"], locked: true },
  "diff": { at: (p) => ["diff", p, "CONF"], locked: true },
  "diff --access": { at: (p) => ["diff", "CONF", p, "--access"], locked: true },
  "check (a macro's rule)": { at: (p) => ["check", p, "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:domU_t", "--class", "grant", "--perm", "map_read"] },
  "check --json, two permissions, a constraint": { at: (p) => ["check", p, "--scontext", "u1:vm_r:domU_t", "--tcontext", "u2:vm_r:domU_t", "--class", "grant", "--perm", "map_read", "--perm", "unmap", "--json"], json: true },
  "check --bool (the locked build)": { at: (p) => ["check", p, "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:prot_domU_t", "--class", "domain", "--perm", "create", "--bool", "prot_doms_locked=0"], locked: true },
  "test --coverage": { at: (p) => ["test", p, "--coverage"] },
  "test --json --coverage": { at: (p) => ["test", p, "--json", "--coverage"], json: true },
};

/** A copy of the policy tests naming `policy` (resolved beside the copy). */
function testsFor(policy: string, name: string): string {
  const doc = JSON.parse(readFileSync(TESTS, "utf8")) as Record<string, unknown>;
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify({ ...doc, policy: resolve(policy) }));
  return file;
}

describe.skipIf(!hasM4)("analysis commands on a policy tree (needs GNU m4)", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: as on the tree's policy.conf, apart from locations`, async () => {
      const treeOpts = [...FLASK, ...(c.locked ? LOCKED : [])];
      const confPath = c.locked ? lockedConf : c.mls ? mlsConf : conf;
      const argv = (policy: string, testsName: string) =>
        c.at(name.startsWith("test") ? testsFor(policy, testsName) : policy).map((a) => (a === "CONF" ? conf : a));
      const onTree = await xsm(...argv(TREE, "tree.tests.json"), ...treeOpts);
      const onConf = await xsm(...argv(confPath, "conf.tests.json"));
      expect(onTree.stderr).not.toMatch(STACK_LINE);
      expect(onTree.code, onTree.stderr).toBe(onConf.code);
      expect(onTree.stdout).not.toBe("");
      const names = (s: string) => s.split(join(tmp, "tree.tests.json")).join("TESTS").split(join(tmp, "conf.tests.json")).join("TESTS");
      if (c.json) {
        expect(documents(names(onTree.stdout)).map((d) => unlocatedJson(d, TREE))).toEqual(documents(names(onConf.stdout)).map((d) => unlocatedJson(d, confPath)));
      } else {
        expect(unlocated(names(onTree.stdout), TREE)).toBe(unlocated(names(onConf.stdout), confPath));
      }
      expect(unlocated(names(onTree.stderr), TREE)).toBe(unlocated(names(onConf.stderr), confPath));
      // and the tree's locations are its own files, never m4's output
      expect(onTree.stdout).not.toContain("policy.conf");
    });
  }

  it("the tree options with a file are refused, not ignored; diff gives them to the tree", async () => {
    const onFile = await xsm("search", conf, "--flask-dir", "examples/xen-flask/flask", "-A");
    expect(onFile.code).toBe(1);
    expect(onFile.stderr).toBe(`xsm: error: ${conf}: --flask-dir applies only to a policy tree (a directory), and this is a file\n`);
    const twoFiles = await xsm("diff", conf, conf, "-D", "x=1");
    expect(twoFiles.code).toBe(2);
    expect(twoFiles.stderr).toMatch(/-D\/--define applies only to a policy tree/);
    const mixed = await xsm("diff", TREE, conf, "-D", "x=1");
    expect(mixed.code, mixed.stderr).toBe(0);
  });

  it("finds the tree's own flask/ without --flask-dir", async () => {
    const r = await xsm("info", TREE, "-c");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe((await xsm("info", conf, "-c")).stdout);
  });

  it("locations name the macro body line and the .te line that called it", async () => {
    const r = await xsm("search", TREE, ...FLASK, "-A", "-s", "dom0_t", "-t", "device_t", "-c", "resource", "--origins", "--json");
    expect(r.code).toBe(0);
    const [hit] = JSON.parse(r.stdout) as { origins: { file: string; line: number; expansion?: string }[] }[];
    const lines = readFileSync(`${TREE}/modules/xen.if`, "utf8").split("\n");
    for (const o of hit!.origins) {
      expect(o.file).toBe("modules/xen.if");
      expect(lines[o.line - 1]).toMatch(/^\tallow \$1 \$2:resource/);
      expect(o.expansion).toBe("in expansion of `admin_device` at modules/dom0.te:64");
    }
  });

  it("xsm test's JUnit failures name the macro call too", async () => {
    const junit = join(tmp, "macro.junit.xml");
    const r = await xsm("test", MACRO_TESTS, "--junit", junit);
    expect(r.code).toBe(1);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain("granted by modules/xen.if:64 (in expansion of `create_domain` at modules/domU.te:7): allow dom0_t domU_t:domain");
    expect(xml).toContain("modules/xen.if:64 (in expansion of `create_domain` at modules/prot_domU.te:9): allow dom0_t prot_domU_t:domain");
  });

  it("-D reaches m4 (a boolean's default), --mls builds the MLS variant", async () => {
    const on = await xsm("info", TREE, ...FLASK, "-b", "prot_doms_locked", "-x");
    const locked = await xsm("info", TREE, ...FLASK, ...LOCKED, "-b", "prot_doms_locked", "-x");
    expect(on.stdout).toContain("bool prot_doms_locked false;");
    expect(locked.stdout).toContain("bool prot_doms_locked true;");
    const mls = await xsm("info", TREE, ...FLASK, "--mls");
    expect(mls.code).toBe(0);
    expect(mls.stdout).toContain("Policy Version:             30 (MLS enabled)");
    expect(on.stdout).not.toContain("MLS enabled");
  });
});

describe.skipIf(!hasM4)("build and lint register the same tree options (needs GNU m4)", () => {
  it("xsm build -M is --mls; xsm lint takes -D", async () => {
    const mls = await xsm("build", TREE, ...FLASK, "-M", "--conf", "-");
    expect(mls.code).toBe(0);
    expect(mls.stdout).toBe(readFileSync(mlsConf, "utf8"));
    // a definition m4 then expands: the type is renamed everywhere, and lint names the new one
    const lint = await xsm("lint", TREE, ...FLASK, "-D", "mls_priv=renamed_priv", "--format", "json");
    expect(lint.stdout).toContain("attribute renamed_priv is named by no rule");
  });
});

describe.skipIf(!hasM4)("xsm build DIR and xsm compile of its policy.conf name the module's lines (needs GNU m4)", () => {
  // a module whose dnl header m4 drops: it writes `#line 4 "modules/nic_dev.te"`, which
  // checkpolicy 3.4 reads as a comment (it names modules/nomigrate.te:9); both commands follow it
  it("the same file and line for each error; build adds the column and the macro body", async () => {
    const dir = join(tmp, "dnl-tree");
    cpSync(TREE, dir, { recursive: true });
    cpSync("test/fixtures/build/nic_dev-dnl.te", join(dir, "modules/nic_dev.te"));
    const built = await xsm("build", dir);
    const compiled = await xsm("compile", "test/fixtures/build/nic_dev-dnl.conf");
    expect([built.code, compiled.code]).toEqual([1, 1]);
    const places = (text: string, kind: string) => [...text.matchAll(new RegExp(`^([^\\s:]+:\\d+):\\d+: ${kind}:`, "gm"))].map((m) => m[1]);
    expect(places(compiled.stderr, "error")).toEqual(["modules/nic_dev.te:9", "modules/nic_dev.te:10"]);
    // (build names each file from where xsm ran: DIR joined to the tree's own name)
    const inDir = (place: string) => join(dir, place);
    expect(places(built.stderr, "error")).toEqual([inDir("modules/nic_dev.te:9"), inDir("modules/xen.if:200")]);
    expect(places(built.stderr, "note")).toEqual([inDir("modules/nic_dev.te:10")]);
  });
});

describe("a bad tree is a located error, never a stack trace", () => {
  let bad: string;
  beforeAll(() => {
    bad = join(tmp, "bad");
    cpSync(TREE, bad, { recursive: true });
  });

  const run = async (...argv: string[]) => {
    const r = await xsm(...argv);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe("");
    return r;
  };

  it("a directory without modules/modules.conf", async () => {
    const r = await run("search", "examples", "-A");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: examples: no modules/modules.conf (nor policy/modules.conf, as before Xen 4.8); a policy tree is laid out like xen.git's tools/flask/policy\n");
  });

  it("no m4", async () => {
    const saved = process.env.M4;
    process.env.M4 = join(tmp, "no-such-m4");
    try {
      const r = await run("info", TREE, ...FLASK);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`xsm: error: ${TREE}: ${join(tmp, "no-such-m4")} not found: xsm build runs GNU m4 over the tree as Xen's Makefile.common does (Debian: apt-get install m4)\n`);
    } finally {
      if (saved === undefined) delete process.env.M4;
      else process.env.M4 = saved;
    }
  });

  it.skipIf(!hasM4)("an m4 error, where m4 says (needs GNU m4)", async () => {
    const te = join(bad, "modules", "domU.te");
    const text = readFileSync(te, "utf8");
    writeFileSync(te, `${text}define(\`broken\n`);
    try {
      const r = await run("why", bad, "--flask-dir", join(bad, "flask"), LOG);
      expect(r.code).toBe(1);
      // (named from where xsm ran: the tree's path as given, then the file in it)
      expect(r.stderr).toBe(`${bad}/modules/domU.te:${text.split("\n").length}:1: error: m4: end of file in string\n1 error\n`);
    } finally {
      writeFileSync(te, text);
    }
  });

  it.skipIf(!hasM4)("a compile error inside a macro: the body line, and the call behind it; diff's trouble is exit 2 (needs GNU m4)", async () => {
    const te = join(bad, "modules", "domU.te");
    const text = readFileSync(te, "utf8");
    writeFileSync(te, `${text}create_domain(dom0_t, nosuch_t)\n`);
    try {
      const r = await run("diff", bad, conf, "--flask-dir", join(bad, "flask"));
      expect(r.code).toBe(2);
      const call = text.split("\n").length;
      expect(r.stderr).toContain(`modules/xen.if:64:11: error: unknown type nosuch_t\n\tallow $1 $2:domain {`);
      expect(r.stderr).toContain(`${bad}/modules/domU.te:${call}:1: note: in expansion of \`create_domain\` at ${bad}/modules/domU.te:${call}\n`);
      const flow = await run("flow", bad, "--flask-dir", join(bad, "flask"), "-s", "dom0_t");
      expect(flow.code).toBe(1);
      expect(flow.stderr).toContain("modules/xen.if:64:11: error: unknown type nosuch_t");
      const q = ["--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:domU_t", "--class", "domain", "--perm", "create"];
      const check = await run("check", bad, "--flask-dir", join(bad, "flask"), ...q);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain("modules/xen.if:64:11: error: unknown type nosuch_t");
      const json = await xsm("check", bad, "--flask-dir", join(bad, "flask"), ...q, "--format", "json");
      expect(json.code).toBe(1);
      const doc = JSON.parse(json.stdout) as { diagnostics: { code: string; file: string; line: number }[] };
      expect(doc.diagnostics.find((d) => d.code === "undeclared")).toMatchObject({ file: join(resolve(bad), "modules/xen.if"), line: 64 });
    } finally {
      writeFileSync(te, text);
    }
  });

  it("a policy test naming a bad tree: nothing runs", async () => {
    const tests = join(tmp, "bad.tests.json");
    writeFileSync(tests, JSON.stringify({ policy: resolve("examples"), tests: [{ source: "a", target: "b", class: "c", perm: "d", expect: "allowed" }] }));
    const r = await run("test", tests);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${tests}: /policy: ${resolve("examples")}: no modules/modules.conf`);
  });
});

describe.skipIf(!hasM4)("golden output with tree locations (needs GNU m4)", () => {
  const GOLDEN_CASES: Record<string, string[]> = {
    "search-origins": ["search", TREE, ...FLASK, "-A", "-s", "dom0_t", "-t", "device_t", "--origins"],
    "why-locked": ["why", TREE, ...FLASK, ...LOCKED, LOG],
    "test-coverage": ["test", TESTS, ...FLASK, "--coverage"],
    // failures on macro-written rules: text and JSON name the call as search/why do
    "test-macro-failure": ["test", MACRO_TESTS],
    "test-macro-failure-json": ["test", MACRO_TESTS, "--json"],
  };
  for (const [name, argv] of Object.entries(GOLDEN_CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      const actual = `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
      const file = join(GOLDEN, `${name}.txt`);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
      if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/tree-input.test.ts`);
      expect(actual).toBe(readFileSync(file, "utf8"));
    });
  }
});
