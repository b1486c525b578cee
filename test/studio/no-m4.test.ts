// The studio on a policy tree where GNU m4 is not installed (a PATH without it, made here, so this
// runs with or without m4): the studio still opens, serving the policy.conf committed beside the
// tree as it did before it served trees, says that m4 is missing (the page's notice, one stderr
// line, the tree's error), and serves the tree's files read only, with no rebuild.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import { PAGE_FILES, type StudioFile } from "../../src/studio/manifest.js";
import { TreeBuild } from "../../src/studio/page/tree.js";
import { joinPath, Workspace } from "../../src/studio/page/workspace.js";
import { buildSite, type Site } from "../../src/studio/site.js";
import { xsm } from "../cli/run.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/xen-flask");
const tmp = mkdtempSync(join(tmpdir(), "xsm-studio-no-m4-"));
const pageDir = join(tmp, "page");
mkdirSync(pageDir);
for (const f of PAGE_FILES) writeFileSync(join(pageDir, f), `/* ${f} */`);
const tree = join(tmp, "xen-flask");
cpSync(EXAMPLE, tree, { recursive: true });
// (an empty directory: /bin/sh finds no m4 on it, as on a machine with only Node)
const noM4 = join(tmp, "bin");
mkdirSync(noM4);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const saved = { PATH: process.env.PATH, M4: process.env.M4 };
beforeEach(() => {
  process.env.PATH = noM4;
  delete process.env.M4;
});
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.M4 === undefined) delete process.env.M4;
  else process.env.M4 = saved.M4;
});

const treeFile = (site: Site): StudioFile => site.manifest.files.find((f) => f.tree)!;
const content = (site: Site, url: string) => {
  const e = site.entries.find((x) => x.path === `/${url}`)!;
  return e.content ?? readFileSync(e.file!, "utf8");
};

describe("xsm studio on a policy tree without m4", () => {
  it("opens the policy.conf committed beside the tree and a scenario, as before it served trees", async () => {
    const site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
    expect(site.manifest.open).toEqual({ policy: "policy.conf", scenario: "dying.json" });
    expect(content(site, site.manifest.files.find((f) => f.name === "policy.conf")!.url)).toBe(readFileSync(join(EXAMPLE, "policy.conf"), "utf8"));
    expect(site.manifest.notice).toMatch(/^m4 is not installed where xsm studio runs, so the policy tree's files are shown read only and edits to them cannot be rebuilt \(Debian: apt-get install m4, then start xsm studio again\); policy\.conf is the build committed beside it\.$/);
    expect(site.warnings).toEqual([`xsm studio: warning: ${site.manifest.notice}`]);
  });

  it("lists the tree with its files, read only, with m4's absence as its error and no rebuild", async () => {
    const site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
    const f = treeFile(site);
    expect([f.name, f.kind]).toEqual([".", "policy"]);
    expect(content(site, f.url)).toBe("");
    expect(f.tree!.readOnly).toMatch(/^m4 is not installed/);
    expect(f.tree!.diagnostics!.map((d) => [d.severity, d.message])).toEqual([["error", "cannot build the policy tree: m4 not found: xsm build runs GNU m4 over the tree as Xen's Makefile.common does (Debian: apt-get install m4)"]]);
    expect(f.tree!.rebuild).toBeUndefined();
    expect(f.tree!.token).toBeUndefined();
    expect(site.rebuilds.size).toBe(0);
    // (nor a save: the files are read only in the page)
    expect(f.tree!.files.filter((t) => t.save !== undefined)).toEqual([]);
    expect(f.tree!.files.map((t) => t.name)).toEqual(expect.arrayContaining(["flask/security_classes", "modules/xen.if", "modules/domU.te", "modules/modules.conf", "policy/device_contexts"]));
    for (const t of f.tree!.files) expect(content(site, t.url)).toBe(readFileSync(join(tree, t.name), "utf8"));
  });

  it("the page's model: read only with the reason, the error standing, nothing to rebuild", async () => {
    const site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
    const texts = new Map<string, string>();
    for (const f of site.manifest.files) {
      texts.set(f.name, content(site, f.url));
      for (const t of f.tree?.files ?? []) texts.set(joinPath(f.name, t.name), content(site, t.url));
    }
    const build = new TreeBuild(".", treeFile(site).tree!, new Workspace(site.manifest, texts));
    expect(build.canRebuild).toBe(false);
    expect(build.readOnly).toMatch(/^m4 is not installed/);
    expect(build.conf).toBe("");
    expect(build.m4Diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^cannot build the policy tree: m4 not found/)]);
  });

  it("a scenario naming the tree opens on the tree, read only, with the notice, one warning line at its JSON path, and its own files still saved", async () => {
    const doc = JSON.parse(readFileSync(join(tree, "split-drivers.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(tree, "on-tree.json"), JSON.stringify({ ...doc, policy: "." }));
    const site = buildSite(join(tree, "on-tree.json"), pageDir, await treeReader(), { rebuild: true, save: true });
    expect(site.manifest.open).toEqual({ scenario: "on-tree.json", policy: "." });
    expect(site.manifest.notice).toMatch(/^m4 is not installed where xsm studio runs, so the policy tree's files are shown read only and edits to them cannot be rebuilt \(Debian: apt-get install m4, then start xsm studio again\)\.$/);
    expect(site.warnings).toEqual([expect.stringMatching(/^xsm studio: warning: on-tree\.json: \/policy: m4 is not installed where xsm studio runs/)]);
    const f = treeFile(site);
    expect(f.tree!.readOnly).toMatch(/^m4 is not installed/);
    expect(f.tree!.files.filter((t) => t.save !== undefined)).toEqual([]);
    expect(site.manifest.files.find((x) => x.name === "on-tree.json")!.save).toBe("save/0");
  });

  it("a tree with no policy.conf beside it opens the tree itself, read only", async () => {
    const bare = join(tmp, "bare");
    cpSync(EXAMPLE, bare, { recursive: true });
    rmSync(join(bare, "policy.conf"));
    const site = buildSite(bare, pageDir, await treeReader(), { rebuild: true });
    expect(site.manifest.open).toEqual({ policy: "." });
    expect(site.manifest.notice).toMatch(/edits to them cannot be rebuilt \(Debian: apt-get install m4, then start xsm studio again\)\.$/);
  });

  it("xsm studio --export: one warning line on stderr, and the site is written", async () => {
    const out = join(tmp, "site");
    const r = await xsm("studio", tree, "--export", out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([expect.stringMatching(/^xsm studio: warning: m4 is not installed where xsm studio runs/)]);
    const manifest = JSON.parse(readFileSync(join(out, "files.json"), "utf8")) as Site["manifest"];
    expect(manifest.open.policy).toBe("policy.conf");
    expect(manifest.files.find((f) => f.name === ".")!.tree!.readOnly).toMatch(/^m4 is not installed/);
  });

  it("the other commands are as they were: a tree needs m4, the committed policy.conf does not", async () => {
    const onTree = await xsm("check", tree, "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:domU_t", "--class", "domain", "--perm", "create");
    expect(onTree.code).toBe(1);
    expect(onTree.stderr).toMatch(/m4 not found/);
    const onConf = await xsm("simulate", join(tree, "dying.json"));
    expect(onConf.stderr).toBe("");
  });
});
