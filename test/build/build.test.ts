// `xsm build` without m4: the sections and flags Makefile.common hands m4 (checked against the
// #line directives of the committed m4 output), and diagnostics of a committed m4 output of a tree
// with planted errors, pointed into the .te/.if files with "in expansion of" notes.
// UPDATE_GOLDEN=1 npx vitest run test/build rewrites the rendered golden.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileExpanded, enabledModules, readTree, treeMacros, treeSources, TreeError } from "../../src/build/index.js";
import { moduleOff } from "../../src/build/tree.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";
import { noteText } from "../../src/diagnostics/diagnostic.js";
import { compile } from "../../src/policy/index.js";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const example = join(repoRoot, "examples/xen-flask");
const flask = join(example, "flask");

/** A copy of examples/xen-flask without its flask/ (a tree outside xen.git with no class files). */
function treeWithoutFlask(): string {
  const dir = mkdtempSync(join(tmpdir(), "xsm-build-bare-"));
  cpSync(example, dir, { recursive: true, filter: (src) => src !== flask });
  return dir;
}
const fixtures = join(repoRoot, "test/fixtures/build");

/** Files in the order m4 -s entered them: its `#line 1 "file"` directives. */
function enteredFiles(conf: string): string[] {
  return [...conf.matchAll(/^#line 1 "([^"]+)"$/gm)].map((m) => m[1]!);
}

describe("the tree as Makefile.common reads it", () => {
  it("lists the sections in POLICY_SECTIONS order, as m4 entered them for the committed policy.conf", () => {
    const tree = readTree(example, { flaskDir: flask });
    expect(tree.sections).toEqual(enteredFiles(readFileSync(join(example, "policy.conf"), "utf8")));
    expect(tree.m4Params).toEqual(["-D", "self_contained_policy", "-s", "-D", "mls_num_sens=16", "-D", "mls_num_cats=256"]);
    expect(tree.enabled).not.toContain("debug_guest");
  });

  it("adds -D enable_mls for --mls and extra definitions after Makefile.common's", () => {
    const tree = readTree(example, { flaskDir: flask, mls: true, defines: ["prot_doms_locked_conf=true"] });
    expect(tree.m4Params).toEqual(["-D", "self_contained_policy", "-s", "-D", "enable_mls", "-D", "mls_num_sens=16", "-D", "mls_num_cats=256", "-D", "prot_doms_locked_conf=true"]);
  });

  it("takes modules as awk does: a line starting with a lower-case letter whose third field is on", () => {
    const conf = ["# comment = on", "a = on", "  b\t=\ton  trailing", "c = off", "D = on", "e=on", "f = on # note", "", "g = onx"].join("\n");
    expect(enabledModules(conf)).toEqual(["a", "b", "f"]);
  });

  it("finds Xen's flask directory where a xen.git checkout has it, and the tree's own classes after Xen's", () => {
    const root = mkdtempSync(join(tmpdir(), "xsm-build-"));
    try {
      const dir = join(root, "tools/flask/policy");
      cpSync(example, dir, { recursive: true });
      cpSync(flask, join(root, "xen/xsm/flask/policy"), { recursive: true });
      writeFileSync(join(dir, "policy/security_classes"), "class local\n");
      writeFileSync(join(dir, "policy/access_vectors"), "class local { poke }\n");
      const tree = readTree(dir);
      expect(tree.sections.slice(0, 6)).toEqual([
        "../../../xen/xsm/flask/policy/security_classes",
        "policy/security_classes",
        "../../../xen/xsm/flask/policy/initial_sids",
        "../../../xen/xsm/flask/policy/access_vectors",
        "policy/access_vectors",
        "policy/support/misc_macros.spt",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("finds Xen's class files where Makefile.common looks, else in the tree's own flask/", () => {
    expect(readTree(example).sections[0]).toBe("flask/security_classes");
  });

  it("refuses a tree it cannot build, naming the file", () => {
    const bare = treeWithoutFlask();
    try {
      expect(() => readTree(bare)).toThrow(/cannot find Xen's flask policy: neither .*xen\/xsm\/flask\/policy\/security_classes .* nor .*flask\/security_classes exists; pass --flask-dir DIR/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
    expect(() => readTree(join(example, "modules"), { flaskDir: flask })).toThrow(TreeError);
    const dir = mkdtempSync(join(tmpdir(), "xsm-build-"));
    try {
      cpSync(example, dir, { recursive: true });
      unlinkSync(join(dir, "modules/xenstore.te"));
      expect(() => readTree(dir, { flaskDir: join(dir, "flask") })).toThrow(/modules\/xenstore\.te: missing \(module xenstore is on/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a tree laid out as before Xen 4.8 (one Makefile, policy/modules/LAYER/)", () => {
  // Xen 4.3-4.7's tools/flask/policy/Makefile: POLICY_SECTIONS from policy/modules.conf, the
  // layers' modules in sorted order, policy/constraints, DEV_OCONS from 4.6
  function oldTree(makefile: string, files: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), "xsm-build-old-"));
    const all: Record<string, string> = {
      Makefile: makefile,
      "policy/modules.conf": "# comment = on\nxen = on\nzeta = on\nAlpha = on\noff_one = off\n",
      "policy/modules/xen/xen.te": "", "policy/modules/xen/xen.if": "",
      "policy/modules/aux/zeta.te": "", "policy/modules/aux/zeta.if": "",
      "policy/modules/aux/off_one.te": "", "policy/modules/aux/off_one.if": "",
      "policy/support/misc_macros.spt": "", "policy/support/loadable_module.spt": "",
      "policy/mls": "", "policy/global_tunables": "", "policy/users": "", "policy/constraints": "",
      "policy/initial_sids": "", "policy/device_contexts": "", "policy/access_vectors": "",
      ...files,
    };
    for (const [f, text] of Object.entries(all)) {
      mkdirSync(join(dir, f, ".."), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    return dir;
  }

  it("lists what its Makefile hands m4, in its order", () => {
    const tree = readTree(oldTree("DEV_OCONS := $(POLDIR)/device_contexts\n"), { flaskDir: flask, defines: ["prot_doms_locked_conf=true"] });
    const f = (name: string) => tree.sections.find((s) => s.endsWith(`flask/${name}`));
    expect(tree.sections).toEqual([
      f("security_classes"), f("initial_sids"), f("access_vectors"), "policy/access_vectors",
      "policy/support/loadable_module.spt", "policy/support/misc_macros.spt", "policy/mls",
      "policy/modules/aux/zeta.if", "policy/modules/xen/xen.if", "policy/global_tunables",
      "policy/modules/aux/zeta.te", "policy/modules/xen/xen.te",
      "policy/users", "policy/constraints", "policy/initial_sids", "policy/device_contexts",
    ]);
    expect(tree.enabled).toEqual(["zeta", "xen"]);
    expect(tree.m4Params.slice(-2)).toEqual(["-D", "prot_doms_locked_conf=true"]);
  });

  it("before 4.6 (no DEV_OCONS) has no device_contexts; a module on without its .if is refused", () => {
    expect(readTree(oldTree("POLICY_SECTIONS += $(USERS) $(CONSTRAINTS) $(ISID_DEFS)\n"), { flaskDir: flask }).sections.at(-1)).toBe("policy/initial_sids");
    const dir = oldTree("", { "policy/modules/aux/zeta.if": "" });
    unlinkSync(join(dir, "policy/modules/aux/zeta.if"));
    expect(() => readTree(dir, { flaskDir: flask })).toThrow(/policy\/modules\/aux\/zeta\.if: missing \(the Makefile's ALL_INTERFACES: module zeta is on in policy\/modules\.conf\)/);
  });

  it("4.3-4.5's Makefile reads a modules.conf line starting with any letter, 4.6-4.7's only a lowercase one", () => {
    // (RELEASE-4.5.0: awk '/^[[:blank:]]*[[:alpha:]]/', RELEASE-4.6.0: awk '/^[ \t]*[a-z]/'; both
    // find the module's .te case-blind)
    const alpha = { "policy/modules/aux/alpha.te": "", "policy/modules/aux/alpha.if": "" };
    const awk = (pattern: string) => `ENABLED_MODS := $(foreach mod,$(shell awk '${pattern}{ if ($$3 == "$(MODENABLED)") print $$1 }' $(MOD_CONF) 2> /dev/null),x)\n`;
    const old = oldTree(awk("/^[[:blank:]]*[[:alpha:]]/"), alpha);
    expect(readTree(old, { flaskDir: flask }).enabled).toEqual(["alpha", "zeta", "xen"]);
    expect(moduleOff(join(old, "policy/modules/aux/alpha.te"))).toBeUndefined();
    const newer = oldTree(awk("/^[ \\t]*[a-z]/"), alpha);
    expect(readTree(newer, { flaskDir: flask }).enabled).toEqual(["zeta", "xen"]);
    expect(moduleOff(join(newer, "policy/modules/aux/alpha.te"))).toBe("alpha");
  });

  it("a directory with neither modules.conf is refused, naming both", () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-build-none-"));
    expect(() => readTree(dir, { flaskDir: flask })).toThrow(/no modules\/modules\.conf \(nor policy\/modules\.conf, as before Xen 4\.8\)/);
  });
});

describe("diagnostics of a built tree point into its files", () => {
  // the tree of examples/xen-flask with modules/nic_dev.te replaced by nic_dev-broken.te, and
  // m4's output for it (test/oracle/build.test.ts checks that it is m4's output today)
  const tree = readTree(example, { flaskDir: flask });
  const broken = readFileSync(join(fixtures, "nic_dev-broken.te"), "utf8");
  const base = treeSources(tree);
  const sources = (file: string) => (file === "modules/nic_dev.te" ? broken : base(file));
  const conf = readFileSync(join(fixtures, "nic_dev-broken.conf"), "utf8");
  const { diagnostics, policy } = compileExpanded(tree, conf, sources);
  const at = (d: { span?: { file: string; line: number; col: number } }) => `${d.span?.file}:${d.span?.line}:${d.span?.col}`;

  it("fails to compile", () => {
    expect(policy).toBeUndefined();
  });

  it("a rule written in the module keeps its line and column there", () => {
    const d = diagnostics.find((x) => x.message === "unknown type nothere_t")!;
    expect(at(d)).toBe("modules/nic_dev.te:13:14");
    expect(d.notes ?? []).toEqual([]);
  });

  it("an error inside a macro points at the body line in xen.if and names the call", () => {
    const d = diagnostics.find((x) => x.message === "unknown type nosuch_t")!;
    expect(at(d)).toBe("modules/xen.if:200:11");
    // the call's place is the note's span, data; its renderings say it (noteText)
    expect(d.notes?.map((n) => [n.message, n.macro, at(n)])).toEqual([["in expansion of `use_device_iommu`", "use_device_iommu", "modules/nic_dev.te:14:1"]]);
    expect(d.notes?.map(noteText)).toEqual(["in expansion of `use_device_iommu` at modules/nic_dev.te:14"]);
  });

  it("nested macros give one note per level, innermost first", () => {
    const d = diagnostics.find((x) => x.message === "unknown type nochan_t")!;
    expect(at(d)).toBe("modules/xen.if:139:11");
    expect(d.notes?.map(noteText)).toEqual([
      "in expansion of `create_channel` at modules/xen.if:145",
      "in expansion of `domain_event_comms` at modules/xen.if:153",
      "in expansion of `domain_comms` at modules/nic_dev.te:15",
    ]);
  });

  it("text written by m4 builtins points at the argument on the calling line", () => {
    const d = diagnostics.find((x) => x.message === "unknown attribute nosuch_attr")!;
    expect(at(d)).toBe("modules/nic_dev.te:16:25");
    expect(d.notes?.map(noteText)).toEqual(["in expansion of `declare_domain` at modules/nic_dev.te:16"]);
  });

  it("every column fits the line shown (golden rendering)", () => {
    const rendered = renderDiagnostics(diagnostics, sources, "tree");
    for (const d of diagnostics) {
      for (const span of [d.span, ...(d.notes ?? []).map((n) => n.span)]) {
        const line = sources(span!.file)!.split("\n")[span!.line - 1];
        expect(span!.col, `${at({ span })}`).toBeLessThanOrEqual(line!.length);
        expect(line!.slice(span!.col - 1, span!.col - 1 + span!.length).trim(), at({ span })).not.toBe("");
      }
    }
    const golden = join(fixtures, "nic_dev-broken.txt");
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, rendered);
    expect(existsSync(golden), `${golden} missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
  });

  it("macros are read from the tree's .if and .spt files", () => {
    const macros = treeMacros(tree, sources);
    expect(macros.get("use_device_iommu")?.file).toBe("modules/xen.if");
    expect(macros.get("gen_context")?.file).toBe("policy/support/misc_macros.spt");
  });
});

describe("a module m4 enters past its first line: xsm build and xsm compile name the same lines", () => {
  // nic_dev-dnl.te starts with dnl lines, so m4 -s writes `#line 4 "modules/nic_dev.te"`, not
  // `#line 1 ...` (test/oracle/build.test.ts checks nic_dev-dnl.conf is m4's output today).
  // checkpolicy 3.4 reads that sync line as a comment and names modules/nomigrate.te:9, the file
  // before; both xsm paths read it as m4 means it (src/policy/lines.ts).
  const tree = readTree(example, { flaskDir: flask });
  const module = readFileSync(join(fixtures, "nic_dev-dnl.te"), "utf8");
  const base = treeSources(tree);
  const sources = (file: string) => (file === "modules/nic_dev.te" ? module : base(file));
  const conf = readFileSync(join(fixtures, "nic_dev-dnl.conf"), "utf8");
  const where = (d: { span?: { file: string; line: number } }) => `${d.span?.file}:${d.span?.line}`;

  it("m4 entered the module at line 4", () => {
    expect(conf).toContain('\n#line 4 "modules/nic_dev.te"\n');
  });

  it("xsm compile of m4's policy.conf names the module's lines", () => {
    const run = compile(conf, { file: "policy.conf" });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.error.map(where)).toEqual(["modules/nic_dev.te:9", "modules/nic_dev.te:10"]);
  });

  it("xsm build names the same lines, a macro's body line with the call's line as its note", () => {
    const run = compile(conf, { file: "policy.conf" });
    const { diagnostics } = compileExpanded(tree, conf, sources);
    expect(diagnostics.map((d) => `${where(d)}:${d.span?.col}`)).toEqual(["modules/nic_dev.te:9:14", "modules/xen.if:200:11"]);
    // the outermost place each names is where the compiler puts it
    const outermost = diagnostics.map((d) => where(d.notes?.at(-1) ?? d));
    expect(outermost).toEqual(run.ok ? [] : run.error.map(where));
  });
});

describe("xsm build on the command line", () => {
  it("a tree it cannot read is one clear line, exit 1", async () => {
    const { xsm, STACK_LINE } = await import("../cli/run.js");
    const bare = treeWithoutFlask();
    try {
      const r = await xsm("build", bare);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^xsm: error: cannot find Xen's flask policy: .*--flask-dir DIR\n$/);
      expect(r.stderr).not.toMatch(STACK_LINE);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
    const missing = await xsm("build", join(example, "nowhere"));
    expect(missing.stderr).toBe(`xsm: error: ${join(example, "nowhere")}: no such directory\n`);
  });

  it("says how to get m4 when it is missing", async () => {
    const { xsm } = await import("../cli/run.js");
    const saved = process.env.M4;
    process.env.M4 = "/nonexistent/m4";
    try {
      const r = await xsm("build", example, "--flask-dir", flask);
      expect(r.code).toBe(1);
      // (named with the tree it was to build, as every command that reads a tree names it)
      expect(r.stderr).toBe(`xsm: error: ${example}: /nonexistent/m4 not found: xsm build runs GNU m4 over the tree as Xen's Makefile.common does (Debian: apt-get install m4)\n`);
    } finally {
      if (saved === undefined) delete process.env.M4;
      else process.env.M4 = saved;
    }
  });
});

describe("xsm build --mls -o: the MLS tree's binary", () => {
  // m4's MLS output for examples/xen-flask (Makefile.common with CONFIG_MLS=y, checked against m4
  // by test/oracle/build.test.ts) and `checkpolicy -M -t Xen -c 30` of it
  const tree = readTree(example, { flaskDir: flask, mls: true });
  const conf = readFileSync(join(fixtures, "xen-flask-mls.conf"), "utf8");

  it("is an MLS policy.conf, with the policy/mls constraints and users' ranges", () => {
    expect(tree.sections).toEqual(enteredFiles(conf));
    expect(conf).toMatch(/^mlsconstrain /m);
    expect(conf).toMatch(/^user system_u roles \{[^}]*\} level \S+ range /m);
  });

  it("compiles to checkpolicy -M's bytes, the summary counting its warnings", () => {
    const { diagnostics, bytes, policy } = compileExpanded(tree, conf, treeSources(tree), { mls: true, binary: { version: 30 } });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(policy?.stats.constraints).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(bytes!), readFileSync(join(fixtures, "xen-flask-mls.bin")))).toBe(0);
  });

  it("an error inside policy/mls's ifdef points at its own line, not the ifdef's", () => {
    // m4 names every line of ifdef(`enable_mls', ...) by the ifdef's line; Xen's own policy/mls
    // (4.6 .. 4.21) names permissions its access_vectors dropped, so `xsm build -M` stops there
    const bad = (text: string) => text.replace("mlsconstrain grant { map_read map_write copy }", "mlsconstrain grant { map_read map_write nosuchperm }");
    const sources = (file: string) => (file === "policy/mls" ? bad(treeSources(tree)(file)!) : treeSources(tree)(file));
    const { diagnostics } = compileExpanded(tree, bad(conf), sources, { mls: true });
    const errors = diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => [d.message, `${d.span?.file}:${d.span?.line}:${d.span?.col}:${d.span?.length}`])).toEqual([
      ["permission nosuchperm is not defined for class grant", "policy/mls:24:41:10"],
    ]);
  });

  it("without -M the same policy.conf is one error saying to use it", () => {
    const { diagnostics, bytes } = compileExpanded(tree, conf, treeSources(tree), { binary: { version: 30 } });
    expect(bytes).toBeUndefined();
    expect(diagnostics.filter((d) => d.severity === "error")).toHaveLength(1);
    expect(diagnostics[0]!.message).toMatch(/-M/);
  });
});
