// A scenario whose policy is a policy tree directory (examples/xen-flask), built as `xsm build`
// builds it by the CLI edge (src/cli/scenario-input.ts): the run is the run on the tree's
// policy.conf, apart from where the reasons say a rule is (the tree's .te/.if line and the macro
// call, as the analysis commands name it); a tree that cannot be built is one located line per
// problem at the scenario's JSON path, and nothing runs. Goldens: test/fixtures/sim/golden/
// (UPDATE_GOLDEN=1 rewrites them).
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";
import { golden, scratchDir } from "./support.js";

const TREE = "examples/xen-flask";
const GOLDEN = "test/fixtures/sim/golden";
/** The examples of the tree with a golden trace (lifecycle.json has none: compared live). */
const WITH_GOLDEN = ["split-drivers", "evtchn-pirq", "interrupts", "msix", "passthrough"];
const ALL = [...WITH_GOLDEN, "lifecycle"];

/** A rule's location as a trace prints it: file:line, and a tree's "(in expansion of ...)". */
const LOCATION = /(?:[\w.-]+\/)*[\w.-]+:\d+(?::\d+)?(?: \(in expansion of `[^`]+` at [^)]+\))?/g;
const unlocated = (text: string) => text.replace(LOCATION, "LOC");

/** A JSON document with the rule locations taken out. */
function unlocatedJson(value: unknown): unknown {
  if (typeof value === "string") return unlocated(value);
  if (Array.isArray(value)) return value.map(unlocatedJson);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!(["file", "line", "col", "expansion"].includes(k) && "text" in value)) out[k] = unlocatedJson(v);
    return out;
  }
  return value;
}

const tmp = scratchDir("xsm-tree-scenario-");
const tree = join(tmp, "xen-flask");

/** The example rewritten to name `policy` (written into the copy of the tree). */
function naming(example: string, policy: string, edit: (doc: Record<string, unknown>) => void = () => {}): string {
  const doc = JSON.parse(readFileSync(join(TREE, `${example}.json`), "utf8")) as Record<string, unknown>;
  doc.policy = policy;
  edit(doc);
  const file = join(tree, `${example}.tree.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

describe.skipIf(!hasM4)("a scenario naming a policy tree (needs GNU m4)", () => {
  beforeAll(() => cpSync(TREE, tree, { recursive: true }));

  for (const example of ALL) {
    it(`${example}: the trace is the policy.conf's, apart from rule locations`, async () => {
      const onTree = await xsm("simulate", naming(example, "."));
      expect(onTree.stderr).toBe("");
      expect(onTree.code).toBe(0);
      const onConf = WITH_GOLDEN.includes(example) ? readFileSync(join(GOLDEN, `${example}.trace.txt`), "utf8") : (await xsm("simulate", join(TREE, `${example}.json`))).stdout;
      expect(unlocated(onTree.stdout)).toBe(unlocated(onConf));
      expect(onTree.stdout).not.toContain("policy.conf");
    });
  }

  it("names a macro's rule at its body line with the call, in the trace and in --json", async () => {
    const file = naming("split-drivers", ".");
    const r = await xsm("simulate", file);
    expect(r.stdout).toContain("why   granted by modules/xen.if:139 (in expansion of `domain_comms` at modules/domU.te:10): allow domU_t_channel domU_t:event bind;");
    golden("split-drivers.tree.trace.txt", r.stdout);
    const onTree = JSON.parse((await xsm("simulate", file, "--json")).stdout) as { steps: { decisions: { reasons?: { rule?: Record<string, unknown> }[] }[] }[] };
    const onConf = JSON.parse((await xsm("simulate", join(TREE, "split-drivers.json"), "--json")).stdout) as unknown;
    expect(unlocatedJson(onTree)).toEqual(unlocatedJson(onConf));
    const rules = onTree.steps.flatMap((s) => s.decisions.flatMap((d) => (d.reasons ?? []).flatMap((x) => (x.rule ? [x.rule] : []))));
    expect(rules).toContainEqual({ text: "allow domU_t_channel domU_t:event bind;", file: "modules/xen.if", line: 139, col: 2, expansion: "in expansion of `domain_comms` at modules/domU.te:10" });
  });

  it("a tree path relative to the scenario, a load_policy step naming the tree, -D reaching m4", async () => {
    // the scenario beside the tree (not in it), and a reload of the same tree
    const doc = JSON.parse(readFileSync(join(TREE, "split-drivers.json"), "utf8")) as { policy: string; steps: unknown[] };
    doc.policy = "xen-flask";
    doc.steps = [...doc.steps.slice(0, 3), { op: "load_policy", as: "dom0", policy: "xen-flask", expect: { rc: 0 } }];
    const file = join(tmp, "beside.json");
    writeFileSync(file, JSON.stringify(doc));
    const r = await xsm("simulate", file);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("flask: policy xen-flask loaded");
    // -D reaches m4: renaming the guests' type leaves the scenario's contexts naming a type the
    // built policy does not have
    const renamed = await xsm("simulate", file, "-D", "domU_t=guest_t");
    expect(renamed.code).toBe(1);
    expect(renamed.stderr).toMatch(/beside\.json: \/domains\/\d+\/context: invalid context "user_1:vm_r:domU_t" for this policy/);
    const onConf = await xsm("simulate", join(TREE, "split-drivers.json"), "-D", "x=1");
    expect(onConf.code).toBe(1);
    expect(onConf.stderr).toBe(`xsm: error: ${join(TREE, "split-drivers.json")}: -D/--define applies only to a policy tree (a directory), and this scenario names none\n`);
  });

  it("xsm test: the same expectations pass, and coverage counts the policy.conf's sites", async () => {
    const onTree = await xsm("test", naming("split-drivers", "."), naming("passthrough", "."), "--coverage", "--json");
    const onConf = await xsm("test", join(TREE, "split-drivers.json"), join(TREE, "passthrough.json"), "--coverage", "--json");
    expect(onTree.code, onTree.stderr).toBe(onConf.code);
    const cov = (out: string) => (JSON.parse(out) as { coverage: { total: number; covered: number; uncovered: unknown[] }[] }).coverage[0]!;
    const [t, c] = [cov(onTree.stdout), cov(onConf.stdout)];
    expect([t.total, t.covered]).toEqual([c.total, c.covered]);
    expect(unlocatedJson(t.uncovered)).toEqual(unlocatedJson(c.uncovered));
    expect(t.covered).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasM4)("a scenario naming a bad tree: one located line per problem, nothing runs (needs GNU m4)", () => {
  const bad = join(tmp, "bad");
  beforeAll(() => cpSync(TREE, bad, { recursive: true }));

  const scenario = (policy: string, name = "s.json") => {
    const doc = JSON.parse(readFileSync(join(TREE, "split-drivers.json"), "utf8")) as Record<string, unknown>;
    doc.policy = policy;
    const file = join(bad, name);
    writeFileSync(file, JSON.stringify(doc, null, 2));
    return file;
  };

  it("golden: not a tree, an m4 error, a compile error inside a macro, a missing flask directory", async () => {
    const te = join(bad, "modules", "domU.te");
    const text = readFileSync(te, "utf8");
    const runs: string[] = [];
    const run = async (what: string, ...argv: string[]) => {
      const r = await xsm(...argv);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stdout).toBe("");
      expect(r.code).toBe(1);
      runs.push(`# ${what}\n$ xsm ${argv.join(" ")}\nexit ${r.code}\n${r.stderr}`);
    };
    try {
      await run("a directory that is not a tree", "simulate", scenario(resolve("examples"), "not-a-tree.json"));
      writeFileSync(te, `${text}define(\`broken\n`);
      await run("an m4 error", "simulate", scenario("."));
      writeFileSync(te, `${text}create_domain(dom0_t, nosuch_t)\n`);
      await run("a compile error inside a macro: the body line and the call", "simulate", scenario("."));
      await run("xsm test reports it too", "test", scenario("."));
      writeFileSync(te, text);
      await run("--flask-dir that is not one", "simulate", scenario("."), "--flask-dir", join(tmp, "nowhere"));
    } finally {
      writeFileSync(te, text);
    }
    golden("bad-tree.txt", runs.join("\n").split(tmp).join("TMP").split(resolve(".")).join("REPO"));
  });
});
