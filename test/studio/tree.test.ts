// The studio on a policy tree (examples/xen-flask's layout): the site serves m4's output with the
// tree's files, the server runs m4 again over the page's texts of them (and only for its own page),
// and the page's model names every location in the tree's files through the Locator `xsm build`
// and `xsm simulate` use. The browser side is test/browser/studio.test.ts.
import { cpSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import { compile } from "../../src/policy/index.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { type RebuildResponse, type StudioFile } from "../../src/studio/manifest.js";
import { indexPolicy } from "../../src/studio/page/symbols.js";
import { indexInTree, TREE_CONF, TreeBuild } from "../../src/studio/page/tree.js";
import { joinPath, Workspace } from "../../src/studio/page/workspace.js";
import { rebuildTree } from "../../src/studio/rebuild.js";
import { startServer, type StudioServer } from "../../src/studio/server.js";
import { buildSite, type Site } from "../../src/studio/site.js";
import { hasM4 } from "../tools.js";
import { http, scratchWithPage } from "./support.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/xen-flask");
const { tmp, pageDir } = scratchWithPage("xsm-studio-tree-");

const tree = join(tmp, "xen-flask");
cpSync(EXAMPLE, tree, { recursive: true });
const conf = readFileSync(join(EXAMPLE, "policy.conf"), "utf8");

/** The workspace the page loads from the site (every file and each tree file by its name). */
function workspaceOf(site: Site): Workspace {
  const content = (url: string) => site.entries.find((e) => e.path === `/${url}`)!.content ?? readFileSync(site.entries.find((e) => e.path === `/${url}`)!.file!, "utf8");
  const texts = new Map<string, string>();
  for (const f of site.manifest.files) {
    texts.set(f.name, content(f.url));
    for (const t of f.tree?.files ?? []) texts.set(joinPath(f.name, t.name), content(t.url));
  }
  return new Workspace(site.manifest, texts);
}

/** The line number of a text's last line (the one an edit appended). */
const lastLine = (text: string) => text.trimEnd().split("\n").length;
const treeFile = (site: Site): StudioFile => site.manifest.files.find((f) => f.tree)!;
const served = (site: Site) => [...site.rebuilds.values()][0]!;

describe.skipIf(!hasM4)("the studio's site for a policy tree (needs GNU m4)", () => {
  it("a DIR that is a tree: its policy is the tree, served as m4's output with the files it was built from", async () => {
    const site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
    const f = treeFile(site);
    expect([f.name, f.kind]).toEqual([".", "policy"]);
    expect(site.manifest.open).toEqual({ policy: "." });
    // the scenarios beside it are still listed, and the policy.conf m4 once wrote there
    expect(site.manifest.files.map((x) => x.name)).toContain("policy.conf");
    expect(site.manifest.files.map((x) => x.name)).toContain("split-drivers.json");
    expect(site.entries.find((e) => e.path === `/${f.url}`)!.content).toBe(conf);
    const names = f.tree!.files.map((t) => t.name);
    expect(f.tree!.sections).toEqual(names.slice(0, f.tree!.sections.length));
    expect(names).toEqual(expect.arrayContaining(["flask/security_classes", "modules/xen.if", "modules/domU.te", "modules/modules.conf", "modules/debug_guest.te", "policy/device_contexts"]));
    expect(f.tree!.sections).not.toContain("modules/debug_guest.te"); // (off in modules.conf)
    for (const t of f.tree!.files) expect(site.entries.find((e) => e.path === `/${t.url}`)!.content).toBe(readFileSync(join(tree, t.name), "utf8"));
    expect(f.tree!.rebuild).toBe(`rebuild/${site.manifest.files.indexOf(f)}`);
    expect(f.tree!.token).toBe(site.token);
    expect([...site.rebuilds.keys()]).toEqual([`/${f.tree!.rebuild}`]);
  });

  it("an export cannot rebuild: no rebuild path or token in files.json", async () => {
    const site = buildSite(tree, pageDir, await treeReader());
    expect(treeFile(site).tree!.rebuild).toBeUndefined();
    expect(treeFile(site).tree!.token).toBeUndefined();
    expect(site.rebuilds.size).toBe(0);
    expect(site.entries.find((e) => e.path === "/files.json")!.content).not.toContain(site.token);
  });

  it("a scenario naming the tree brings its files too", async () => {
    const doc = JSON.parse(readFileSync(join(tree, "split-drivers.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(tree, "on-tree.json"), JSON.stringify({ ...doc, policy: "." }));
    const site = buildSite(join(tree, "on-tree.json"), pageDir, await treeReader(), { rebuild: true });
    expect(site.manifest.files.map((f) => [f.name, f.kind, f.tree !== undefined])).toEqual([["on-tree.json", "scenario", false], [".", "policy", true]]);
  });
});

describe.skipIf(!hasM4)("rebuilding a tree from the page's texts (needs GNU m4)", () => {
  let site: Site;
  beforeAll(async () => {
    site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
  });
  const text = (name: string) => readFileSync(join(tree, name), "utf8");

  it("the files as they are: m4's output is xsm build's", () => {
    const r = rebuildTree(served(site), {});
    expect(r.text).toBe(conf);
    expect(r.diagnostics).toEqual([]);
  });

  it("an edited module: m4 reads the edit, named as the tree names the file; the tree on disk is untouched", () => {
    const te = `${text("modules/domU.te")}allow domU_t dom0_t:event send;\n`;
    const r = rebuildTree(served(site), { "modules/domU.te": te });
    expect(r.text).toContain("\nallow domU_t dom0_t:event send;\n");
    expect(r.text).not.toBe(conf);
    expect(text("modules/domU.te")).not.toContain("allow domU_t dom0_t:event send;");
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith("xsm-studio-build-"))).toEqual([]);
  });

  it("a module switched on in modules.conf is built; one without a .te is refused, named in the tree", () => {
    const on = text("modules/modules.conf").replace(/^debug_guest = off/m, "debug_guest = on");
    expect(on).not.toBe(text("modules/modules.conf"));
    const r = rebuildTree(served(site), { "modules/modules.conf": on });
    expect(r.sections).toContain("modules/debug_guest.te");
    expect(r.text).toContain('"modules/debug_guest.te"');
    const missing = rebuildTree(served(site), { "modules/modules.conf": `${on}nosuch = on\n` });
    expect(missing.text).toBeUndefined();
    expect(missing.diagnostics.map((d) => d.message)).toEqual(["cannot build the policy tree: modules/nosuch.te: missing (module nosuch is on in modules/modules.conf; a module must have a .te file)"]);
  });

  it("m4's error: no text, located in the edited file", () => {
    const te = `${text("modules/domU.te")}define(\`broken\n`;
    const r = rebuildTree(served(site), { "modules/domU.te": te });
    expect(r.text).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.severity, d.span?.file, d.span?.line, d.message])).toEqual([["error", "modules/domU.te", lastLine(te), "m4: end of file in string"]]);
  });

  it("refuses a name that is not one of the tree's files", () => {
    expect(() => rebuildTree(served(site), { "../../etc/passwd": "x" })).toThrow(/not a file of this tree: \.\.\/\.\.\/etc\/passwd/);
  });

  it("a tree in xen.git's layout: Xen's flask files outside the tree keep their names", async () => {
    const xen = join(tmp, "xen");
    const policy = join(xen, "tools", "flask", "policy");
    mkdirSync(join(xen, "xen", "xsm", "flask"), { recursive: true });
    cpSync(EXAMPLE, policy, { recursive: true });
    renameSync(join(policy, "flask"), join(xen, "xen", "xsm", "flask", "policy"));
    const s = buildSite(policy, pageDir, await treeReader(), { rebuild: true });
    expect(treeFile(s).tree!.sections[0]).toBe("../../../xen/xsm/flask/policy/security_classes");
    const r = rebuildTree(served(s), { "modules/domU.te": `${readFileSync(join(policy, "modules/domU.te"), "utf8")}# edited\n` });
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toContain('#line 1 "../../../xen/xsm/flask/policy/security_classes"');
  });
});

describe.skipIf(!hasM4)("the page's model of a tree: locations in the tree's files (needs GNU m4)", () => {
  let site: Site;
  let ws: Workspace;
  let build: TreeBuild;
  beforeAll(async () => {
    site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
    ws = workspaceOf(site);
    build = new TreeBuild(".", treeFile(site).tree!, ws);
  });

  it("a decision's rule at its .if line with the macro call, as xsm simulate names it", () => {
    const compiled = compile(build.conf, { file: TREE_CONF });
    if (!compiled.ok) throw new Error("the example compiles");
    const d = compiled.value.policy.explain("system_u:object_r:domU_t_channel", "system_u:object_r:domU_t", "event", "bind");
    const rule = d.reasons.find((r) => r.kind === "granted-by")!;
    if (rule.kind !== "granted-by") throw new Error("granted");
    expect(build.rule(rule.rule.span)).toMatchObject({ span: { file: "modules/xen.if", line: 139, col: 2 }, expansion: "in expansion of `domain_comms` at modules/domU.te:10" });
  });

  it("names at their declarations in the tree's files (hover, F12, the outline)", () => {
    const index = indexInTree(indexPolicy(parsePolicy(build.conf, TREE_CONF).ast), (s) => build.locate(s));
    const at = (name: string) => {
      const s = index.symbols.get(name)!.span;
      return [s.file, s.line, ws.text(build.key(s.file))!.slice(s.offset, s.offset + s.length)];
    };
    expect(at("dom0_t")).toEqual(["modules/xen.te", expect.any(Number), "dom0_t"]);
    // a type a macro declares: at the macro's body, where $1 stands
    expect(at("domU_t_channel")[0]).toBe("modules/xen.if");
    const types = index.outline.find((g) => g.title === "Types")!;
    expect(types.items.find((i) => i.name === "dom0_t")!.span.file).toBe("modules/xen.te");
  });

  it("an edit rebuilt: diagnostics at the macro's body line with a note at the edited call", () => {
    const te = `${ws.text("modules/domU.te")}create_domain(dom0_t, nosuch_t)\n`;
    ws.setText("modules/domU.te", te);
    const texts = Object.fromEntries(build.files.map((f) => [f, ws.text(build.key(f))!]));
    build.apply(rebuildTree(served(site), texts), texts);
    expect(build.m4Diagnostics).toEqual([]);
    const run = compile(build.conf, { file: TREE_CONF });
    expect(run.ok).toBe(false);
    const first = build.diagnostic(run.ok ? [][0]! : run.error[0]!);
    expect([first.span?.file, first.span?.line, first.message]).toEqual(["modules/xen.if", 64, "unknown type nosuch_t"]);
    const line = lastLine(te);
    expect(first.notes?.at(-1)).toMatchObject({ message: "in expansion of `create_domain`", macro: "create_domain", span: { file: "modules/domU.te", line } });
    // the span is an offset into the file the page holds, so the editor can underline it
    const at = first.notes!.at(-1)!.span!;
    expect(te.slice(at.offset, at.offset + at.length)).toBe("create_domain");
  });

  it("m4's error keeps the last good output and is located by offset in the text sent", () => {
    const before = build.conf;
    const te = `${ws.text("modules/domU.te")}define(\`broken\n`;
    const texts = { ...Object.fromEntries(build.files.map((f) => [f, ws.text(build.key(f))!])), "modules/domU.te": te };
    build.apply(rebuildTree(served(site), texts), texts);
    expect(build.conf).toBe(before);
    const [d] = build.m4Diagnostics;
    expect(d!.span).toMatchObject({ file: "modules/domU.te", line: lastLine(te) });
    expect(te.slice(d!.span!.offset, d!.span!.offset + d!.span!.length)).toBe("define(`broken");
  });

  it("the simulator reads the tree as xsm simulate does: reasons at the tree's lines", () => {
    const fresh = new TreeBuild(".", treeFile(site).tree!, workspaceOf(site));
    const scenario = JSON.parse(readFileSync(join(tree, "split-drivers.json"), "utf8")) as Scenario;
    const prepared = prepare({ scenario: { ...scenario, policy: "." }, file: "s.json", dir: "", readPolicy: () => fresh.source() });
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.error));
    const run = runPrepared(prepared.value, { explain: "all" });
    const rules = run.steps.flatMap((s) => s.decisions.flatMap((d) => (d.reasons ?? []).flatMap((r) => (r.rule ? [r.rule] : []))));
    expect(rules).toContainEqual({ text: "allow domU_t_channel domU_t:event bind;", file: "modules/xen.if", line: 139, col: 2, expansion: "in expansion of `domain_comms` at modules/domU.te:10" });
  });
});

// (malformed bodies too: the rebuild request is taken apart here)
const post = (server: StudioServer, path: string, body: string, headers: Record<string, string>, method = "POST") => http(server, path, { method, body, headers });

describe.skipIf(!hasM4)("the rebuild request: the studio's own page only (needs GNU m4)", () => {
  let server: StudioServer;
  let site: Site;
  let path: string;
  beforeAll(async () => {
    site = buildSite(tree, pageDir, await treeReader(), { rebuild: true });
    server = await startServer(site.entries, 0, { trees: site.rebuilds, token: site.token });
    path = `/${treeFile(site).tree!.rebuild}`;
  });
  afterAll(() => server?.close());
  const json = (token: string, extra: Record<string, string> = {}) => ({ "content-type": "application/json", "x-xsm-studio": token, ...extra });
  const body = JSON.stringify({ files: {} });

  it("answers the page with m4's output", async () => {
    const r = await post(server, path, body, json(site.token, { origin: `http://127.0.0.1:${server.port}` }));
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as RebuildResponse).text).toBe(conf);
  });

  it("refuses a request without the token, from another origin, not JSON, or naming another file", async () => {
    expect((await post(server, path, body, json("nope"))).status).toBe(403);
    expect((await post(server, path, body, { "content-type": "application/json" })).status).toBe(403);
    expect((await post(server, path, body, json(site.token, { origin: "http://evil.example" }))).status).toBe(403);
    expect((await post(server, path, body, json(site.token, { "content-type": "text/plain" }))).status).toBe(415);
    expect((await post(server, path, "{", json(site.token))).status).toBe(400);
    const other = await post(server, path, JSON.stringify({ files: { "../x": "y" } }), json(site.token));
    expect([other.status, other.body]).toEqual([400, "bad rebuild request: not a file of this tree: ../x\n"]);
    // (a Host that is not its own, as every request)
    expect((await post(server, path, body, json(site.token, { host: "evil.example" }))).status).toBe(421);
  });

  it("POST only there: elsewhere, and any other method there, as before", async () => {
    expect((await post(server, "/files.json", body, json(site.token))).status).toBe(405);
    expect((await post(server, path, "", {}, "GET")).status).toBe(404);
    expect((await post(server, path, "", {}, "OPTIONS")).status).toBe(405);
  });
});

describe.skipIf(!hasM4)("a tree that does not build still opens, to be fixed in the page (needs GNU m4)", () => {
  /** A copy of the example with `change` made to its files on disk. */
  const broken = (name: string, change: (dir: string) => void): string => {
    const dir = join(tmp, name);
    cpSync(EXAMPLE, dir, { recursive: true });
    change(dir);
    return dir;
  };
  const append = (dir: string, file: string, text: string) => writeFileSync(join(dir, file), `${readFileSync(join(dir, file), "utf8")}${text}`);
  const textsOf = (build: TreeBuild, ws: Workspace) => Object.fromEntries(build.files.map((f) => [f, ws.text(build.key(f))!]));

  it("m4's error: the tree is served with its files and the error at its line, and rebuilds once fixed", async () => {
    const dir = broken("m4-error", (d) => append(d, "modules/domU.te", "define(`broken\n"));
    const te = readFileSync(join(dir, "modules/domU.te"), "utf8");
    const site = buildSite(dir, pageDir, await treeReader(), { rebuild: true });
    const f = treeFile(site);
    expect(site.manifest.open).toEqual({ policy: "." });
    expect(site.entries.find((e) => e.path === `/${f.url}`)!.content).toBe("");
    expect(f.tree!.diagnostics!.map((d) => [d.severity, d.span?.file, d.span?.line, d.message])).toEqual([["error", "modules/domU.te", lastLine(te), "m4: end of file in string"]]);
    expect(f.tree!.rebuild).toBeDefined();
    expect(f.tree!.readOnly).toBeUndefined();
    expect(site.warnings).toEqual([`xsm studio: warning: the policy tree ${dir} does not build (1 error); the page shows it in the tree's files, to be fixed there`]);
    // the page: the error located by offset in the file as served; fixed, it builds xsm build's text
    const ws = workspaceOf(site);
    const build = new TreeBuild(".", f.tree!, ws);
    const [d] = build.m4Diagnostics;
    expect(te.slice(d!.span!.offset, d!.span!.offset + d!.span!.length)).toBe("define(`broken");
    ws.setText("modules/domU.te", readFileSync(join(EXAMPLE, "modules/domU.te"), "utf8"));
    const texts = textsOf(build, ws);
    build.apply(rebuildTree(served(site), texts), texts);
    expect(build.m4Diagnostics).toEqual([]);
    expect(build.conf).toBe(conf);
  });

  it("a tree readTree refuses (a module on without its .te): served with the refusal, fixed in modules.conf", async () => {
    const dir = broken("no-te", (d) => append(d, "modules/modules.conf", "nosuch = on\n"));
    const site = buildSite(dir, pageDir, await treeReader(), { rebuild: true });
    const f = treeFile(site);
    expect(f.tree!.diagnostics!.map((d) => d.message)).toEqual([expect.stringMatching(/^cannot build the policy tree: .*modules\/nosuch\.te: missing \(module nosuch is on in modules\/modules\.conf; a module must have a \.te file\)$/)]);
    expect(f.tree!.files.map((t) => t.name)).toEqual(expect.arrayContaining(["flask/security_classes", "modules/modules.conf", "modules/domU.te", "modules/xen.if", "policy/users", "policy/support/misc_macros.spt"]));
    const ws = workspaceOf(site);
    const build = new TreeBuild(".", f.tree!, ws);
    ws.setText("modules/modules.conf", readFileSync(join(EXAMPLE, "modules/modules.conf"), "utf8"));
    const texts = textsOf(build, ws);
    build.apply(rebuildTree(served(site), texts), texts);
    expect(build.m4Diagnostics).toEqual([]);
    expect(build.conf).toBe(conf);
  });

  it("a scenario in the DIR naming the broken tree takes the same entry; the studio started on that scenario opens it the same way", async () => {
    const dir = broken("m4-error-scenario", (d) => {
      append(d, "modules/domU.te", "define(`broken\n");
      const doc = JSON.parse(readFileSync(join(d, "split-drivers.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(d, "on-tree.json"), JSON.stringify({ ...doc, policy: "." }));
    });
    const site = buildSite(dir, pageDir, await treeReader(), { rebuild: true });
    expect(site.manifest.files.filter((f) => f.tree).map((f) => f.name)).toEqual(["."]);
    const onScenario = buildSite(join(dir, "on-tree.json"), pageDir, await treeReader(), { rebuild: true });
    expect(onScenario.manifest.open).toEqual({ scenario: "on-tree.json", policy: "." });
    const f = treeFile(onScenario);
    expect(f.tree!.diagnostics!.map((d) => [d.severity, d.span?.file, d.message])).toEqual([["error", "modules/domU.te", "m4: end of file in string"]]);
    expect(f.tree!.rebuild).toBeDefined();
    expect(onScenario.warnings).toEqual([expect.stringMatching(/^xsm studio: warning: on-tree\.json: \/policy: the policy tree \. does not build \(1 error\)/)]);
    // the page's model: the scenario's policy error stands at /policy until the tree is fixed, then it builds
    const ws = workspaceOf(onScenario);
    const build = new TreeBuild(".", f.tree!, ws);
    ws.setText("modules/domU.te", readFileSync(join(EXAMPLE, "modules/domU.te"), "utf8"));
    const texts = textsOf(build, ws);
    build.apply(rebuildTree(served(onScenario), texts), texts);
    expect(build.conf).toBe(conf);
  });
});
