// expandTree, the one way every reader of a policy tree runs m4 over it (src/build/expand.ts): on
// the tree as it is on disk, and with an editor's or page's unsaved texts in place of its files,
// built in a scratch copy whose names and errors are the tree's own.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { expandTree, readTree, runM4, TreeError, treeFiles } from "../../src/build/index.js";
import { hasM4 } from "../tools.js";

const example = "examples/xen-flask";
const flask = join(example, "flask");
const committed = readFileSync(join(example, "policy.conf"), "utf8");
const nicDev = readFileSync(join(example, "modules/nic_dev.te"), "utf8");
const modulesConf = readFileSync(join(example, "modules/modules.conf"), "utf8");

describe("the files a build of a tree may read", () => {
  it("lists Xen's flask files by their place from the tree, the policy/ files, modules.conf and every module, on or off", () => {
    const files = treeFiles(example);
    expect(files.slice(0, 3)).toEqual(["flask/security_classes", "flask/initial_sids", "flask/access_vectors"]);
    expect(files).toContain("modules/modules.conf");
    expect(files).toContain("policy/device_contexts");
    // every section readTree hands m4 is one of them
    for (const section of readTree(example).sections) expect(files).toContain(section);
    // (a module that is off too: modules.conf may switch it on)
    expect(files.filter((f) => f.startsWith("modules/")).length).toBeGreaterThan(readTree(example).enabled.length);
  });

  it("names a --flask-dir elsewhere by its place from the tree", () => {
    const files = treeFiles(example, "test/fixtures/build/../../../examples/xen-flask/flask");
    expect(files[0]).toBe("flask/security_classes");
  });
});

describe.skipIf(!hasM4)("expandTree (needs GNU m4)", () => {
  it("on disk: m4's output is the committed policy.conf, with the tree's macros and one locator, made once", () => {
    const expanded = expandTree(example, { flaskDir: flask });
    expect(expanded.failed).toBe(false);
    expect(expanded.conf).toBe(committed);
    expect(expanded.tree.dir).toBe(join(process.cwd(), example));
    expect(expanded.macros.get("declare_domain")?.file).toBe("modules/xen.if");
    expect(expanded.locator).toBe(expanded.locator);
  });

  it("with unsaved texts: m4 reads them in place of the files, names them as the tree's, and reads the rest from disk", () => {
    const edited = `${nicDev}\n# an editor's unsaved line\n`;
    const expanded = expandTree(example, {}, new Map([["modules/nic_dev.te", edited]]));
    expect(expanded.failed).toBe(false);
    expect(expanded.conf).toContain("# an editor's unsaved line");
    expect(expanded.conf).toContain('#line 1 "modules/nic_dev.te"');
    expect(expanded.sources("modules/nic_dev.te")).toBe(edited);
    expect(expanded.sources("modules/xen.te")).toBe(readFileSync(join(example, "modules/xen.te"), "utf8"));
    // the tree is the real one, its sections those m4 was given
    expect(expanded.tree.dir).toBe(join(process.cwd(), example));
    expect(expanded.tree.sections).toEqual(readTree(example).sections);
    // and the same texts as on disk give the same output as no overlay
    expect(expandTree(example, {}, new Map([["modules/nic_dev.te", nicDev]])).conf).toBe(committed);
  });

  it("an unsaved modules.conf switches modules as the Makefile would", () => {
    const off = modulesConf.replace(/^(nic_dev\s*=\s*)on/m, "$1off");
    expect(off).not.toBe(modulesConf);
    const expanded = expandTree(example, {}, new Map([["modules/modules.conf", off]]));
    expect(expanded.tree.sections).not.toContain("modules/nic_dev.te");
    expect(expanded.tree.enabled).not.toContain("nic_dev");
  });

  it("a tree the unsaved texts break is refused in the tree's words, naming its own path", () => {
    const on = `${modulesConf}\nno_such_module = on\n`;
    let caught: unknown;
    try {
      expandTree(example, {}, new Map([["modules/modules.conf", on]]));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TreeError);
    expect((caught as TreeError).message).toBe(`${example}/modules/no_such_module.te: missing (module no_such_module is on in modules/modules.conf; a module must have a .te file)`);
    // as reading such a tree on disk words it, from the working directory
    expect((caught as TreeError).message).not.toMatch(/xsm-tree-/);
  });

  it("refuses a text for a file that is not the tree's, writing nothing", () => {
    expect(() => expandTree(example, {}, new Map([["../../package.json", "{}"]]))).toThrow(new TreeError(`${example}: not a file of this policy tree: ../../package.json`));
  });

  it("m4 that cannot run is named with the tree it was to build, and the error holds the tree", () => {
    const saved = process.env.M4;
    process.env.M4 = "/nonexistent/m4";
    try {
      expect(() => expandTree(example)).toThrow(/^examples\/xen-flask: \/nonexistent\/m4 not found/);
      try {
        expandTree(example);
      } catch (err) {
        expect((err as TreeError).m4Missing).toBe(true);
        expect((err as TreeError).tree?.sections).toEqual(readTree(example).sections);
      }
    } finally {
      if (saved === undefined) delete process.env.M4;
      else process.env.M4 = saved;
    }
  });

  it("m4's own errors are diagnostics of the tree's files, the same with or without a copy", () => {
    const broken = `${nicDev}\nifdef(\`unterminated\n`;
    const expanded = expandTree(example, {}, new Map([["modules/nic_dev.te", broken]]));
    expect(expanded.failed).toBe(true);
    const onDisk = runM4(readTree(example));
    expect(onDisk.diagnostics).toEqual([]);
    expect(expanded.diagnostics.every((d) => d.span === undefined || !relative(".", d.span.file).includes("xsm-tree-"))).toBe(true);
    expect(expanded.diagnostics.some((d) => d.span?.file === "modules/nic_dev.te")).toBe(true);
  });
});
