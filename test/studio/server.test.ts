// The studio's server hands out the page and the files it was started on, and nothing else:
// loopback only, fixed paths, GET/HEAD, its own Host. Node-only (the browser tests are
// test/browser/, npm run test:browser).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/io.js";
import { exportSite, ExportRefused } from "../../src/studio/export.js";
import { type StudioManifest } from "../../src/studio/manifest.js";
import { startServer, type StudioServer } from "../../src/studio/server.js";
import { buildSite } from "../../src/studio/site.js";
import { Workspace } from "../../src/studio/page/workspace.js";
import { hasM4 } from "../tools.js";
import { http, scratchWithPage } from "./support.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const { tmp, pageDir } = scratchWithPage("xsm-studio-test-");

describe("studio site", () => {
  it("a scenario brings the policy it names; names are relative to the scenario", () => {
    const { manifest } = buildSite(join(examples, "nested-trust.json"), pageDir);
    expect(manifest.files.map((f) => [f.name, f.kind])).toEqual([["nested-trust.json", "scenario"], ["svp.conf", "policy"]]);
    expect(manifest.open).toEqual({ scenario: "nested-trust.json", policy: "svp.conf" });
  });

  it("a policy named by an absolute path: the manifest lists that path so the page finds the file", () => {
    const dir = join(tmp, "absolute");
    mkdirSync(dir);
    const doc = JSON.parse(readFileSync(join(examples, "nested-trust.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "s.json"), JSON.stringify({ ...doc, policy: join(examples, "svp.conf") }));
    const { manifest } = buildSite(join(dir, "s.json"), pageDir);
    expect(manifest.files.map((f) => [f.name, f.kind, f.absolute])).toEqual([["s.json", "scenario", undefined], [relative(dir, join(examples, "svp.conf")), "policy", [join(examples, "svp.conf")]]]);
    const ws = new Workspace(manifest, new Map());
    expect(ws.resolve("", join(examples, "svp.conf"))).toBe(manifest.files[1]!.name);
    expect(ws.resolve("", "../x/svp.conf")).toBe("../x/svp.conf");
  });

  it("a directory brings its policies and scenarios, not other JSON", () => {
    const dir = join(tmp, "dir");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.conf"), "class xen\n");
    writeFileSync(join(dir, "package.json"), '{"name":"x"}');
    writeFileSync(join(dir, "s.json"), JSON.stringify({ name: "s", xsm: "dummy", domains: [], steps: [] }));
    writeFileSync(join(dir, "notes.txt"), "secret");
    const { manifest } = buildSite(dir, pageDir);
    expect(manifest.files.map((f) => f.name)).toEqual(["a.conf", "s.json"]);
  });

  it.skipIf(!hasM4)("a scenario naming a policy tree brings m4's output for it, named as the scenario names it (needs GNU m4)", async () => {
    const { treeReader } = await import("../../src/cli/scenario-input.js");
    const tree = join(tmp, "tree");
    cpSync(join(import.meta.dirname, "../../examples/xen-flask"), tree, { recursive: true });
    const doc = JSON.parse(readFileSync(join(tree, "split-drivers.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(tree, "on-tree.json"), JSON.stringify({ ...doc, policy: "." }));
    const site = buildSite(join(tree, "on-tree.json"), pageDir, await treeReader());
    expect(site.manifest.files.map((f) => [f.name, f.kind])).toEqual([["on-tree.json", "scenario"], [".", "policy"]]);
    const served = site.entries.find((e) => e.path === `/${site.manifest.files[1]!.url}`)!;
    expect(served.content).toBe(readFileSync(join(tree, "policy.conf"), "utf8"));
    // a tree that cannot be built opens all the same, its error in the tree's file, one warning
    // line naming the scenario's JSON path
    writeFileSync(join(tree, "modules", "domU.te"), `${readFileSync(join(tree, "modules", "domU.te"), "utf8")}define(\`broken\n`);
    expect(() => buildSite(join(tree, "on-tree.json"), pageDir, undefined)).not.toThrow();
    const broken = buildSite(join(tree, "on-tree.json"), pageDir, await treeReader());
    expect(broken.manifest.files[1]!.tree!.diagnostics!.map((d) => [d.span?.file, d.message])).toEqual([["modules/domU.te", "m4: end of file in string"]]);
    expect(broken.warnings).toEqual(["xsm studio: warning: on-tree.json: /policy: the policy tree . does not build (1 error); the page shows it in the tree's files, to be fixed there"]);
  });

  it("refuses what it cannot serve with one clear error", () => {
    expect(() => buildSite(join(tmp, "nope.conf"), pageDir)).toThrow(CliError);
    expect(() => buildSite(join(tmp, "nope.conf"), pageDir)).toThrow(/nope\.conf: no such file$/);
    writeFileSync(join(tmp, "not-a-scenario.json"), "[1,2]");
    expect(() => buildSite(join(tmp, "not-a-scenario.json"), pageDir)).toThrow(/not a scenario/);
    expect(() => buildSite(examples, join(tmp, "no-page"))).toThrow(/not built.*npm run build/);
  });
});

describe("studio server", () => {
  let server: StudioServer;
  let manifest: StudioManifest;
  beforeAll(async () => {
    const site = buildSite(examples, pageDir);
    manifest = site.manifest;
    server = await startServer(site.entries);
  });
  afterAll(() => server.close());

  it("listens on loopback only", () => {
    expect(server.server.address()).toMatchObject({ address: "127.0.0.1" });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it("serves the page, files.json and each file it was started on", async () => {
    expect((await http(server, "/")).body).toBe("/* index.html */");
    expect((await http(server, "/studio.js")).headers["content-type"]).toMatch(/javascript/);
    const files = JSON.parse((await http(server, "/files.json")).body) as StudioManifest;
    expect(files).toEqual(manifest);
    const policy = files.files.find((f) => f.name === "svp.conf")!;
    const res = await http(server, `/${policy.url}`);
    expect(res.status).toBe(200);
    expect(res.body).toBe(readFileSync(join(examples, "svp.conf"), "utf8"));
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    expect((await http(server, "/files.json?x=1")).status).toBe(200);
  });

  it.each([
    "/package.json",
    "/../package.json",
    "/files/0/../../package.json",
    "/files/0/%2e%2e/%2e%2e/package.json",
    "/files/99/svp.conf",
    "/files/0/README.md",
    "/src/cli/main.ts",
    "//etc/passwd",
    "/files/",
  ])("answers 404 for %s", async (path) => {
    const res = await http(server, path);
    expect(res.status).toBe(404);
    expect(res.body).toBe("not found\n");
  });

  it("answers only GET and HEAD", async () => {
    expect((await http(server, "/", { method: "POST" })).status).toBe(405);
    expect((await http(server, "/files.json", { method: "PUT" })).status).toBe(405);
    const head = await http(server, "/", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("refuses a Host that is not its own (DNS rebinding)", async () => {
    expect((await http(server, "/", { host: "evil.example:80" })).status).toBe(421);
    expect((await http(server, "/", { host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await http(server, "/", { host: `localhost:${server.port}` })).status).toBe(200);
  });
});

describe("studio --export", () => {
  it("writes exactly what the server serves, at the same relative paths", async () => {
    const out = join(tmp, "site");
    const site = buildSite(join(examples, "nested-trust.json"), pageDir);
    await exportSite(site.entries, out);
    expect(readdirSync(out).sort()).toEqual(["files", "files.json", "index.html", "studio.css", "studio.js"]);
    const manifest = JSON.parse(readFileSync(join(out, "files.json"), "utf8")) as StudioManifest;
    for (const f of manifest.files) expect(readFileSync(join(out, f.url), "utf8")).toBe(readFileSync(join(examples, f.name), "utf8"));
  });
});

describe("studio --export is all or nothing", () => {
  const site = () => buildSite(join(examples, "nested-trust.json"), pageDir);
  const siblings = (dir: string) => readdirSync(dirname(dir)).filter((n) => n.startsWith(`.${basename(dir)}.xsm-export-`));

  it("a failure part way leaves the previous export as it was, and no staging directory", async () => {
    const out = join(tmp, "atomic");
    await exportSite(site().entries, out);
    const before = readFileSync(join(out, "files.json"), "utf8");
    // the last file cannot be copied: every file before it was written, in the staging directory
    const broken = [...site().entries, { path: "/late.txt", file: join(tmp, "no-such-file"), type: "text/plain" }];
    await expect(exportSite(broken, out)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(out).sort()).toEqual(["files", "files.json", "index.html", "studio.css", "studio.js"]);
    expect(readFileSync(join(out, "files.json"), "utf8")).toBe(before);
    expect(siblings(out)).toEqual([]);
    // nor is a new directory left half written
    await expect(exportSite(broken, join(tmp, "fresh"))).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(tmp, "fresh"))).toBe(false);
  });

  it("replaces an earlier export (a file where the site needs a directory included); refuses a directory holding anything else", async () => {
    const out = join(tmp, "again");
    mkdirSync(out);
    writeFileSync(join(out, "files"), "a file where files/ goes");
    await exportSite(site().entries, out);
    expect(readdirSync(join(out, "files")).length).toBeGreaterThan(0);
    writeFileSync(join(out, "notes.txt"), "mine");
    await expect(exportSite(site().entries, out)).rejects.toThrow(ExportRefused);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine");
    expect(siblings(out)).toEqual([]);
  });

  // A process of its own exports a site whose second file sends it the signal while it is written:
  // the staging directory goes, the earlier export stays, and the process ends by the signal.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`a ${signal} part way leaves the previous export as it was and no staging directory`, async () => {
      const out = join(tmp, `signalled-${signal}`);
      await exportSite(site().entries, out);
      const before = readFileSync(join(out, "files.json"), "utf8");
      const script = join(tmp, `export-${signal}.mts`);
      writeFileSync(
        script,
        [
          `import { exportSite } from ${JSON.stringify(join(import.meta.dirname, "../../src/studio/export.ts"))};`,
          "const entries = [",
          "  { path: '/files.json', content: '{}', type: 'application/json' },",
          `  { path: '/index.html', get content() { process.kill(process.pid, ${JSON.stringify(signal)}); return 'page'; }, type: 'text/html' },`,
          "  { path: '/studio.js', content: '', type: 'text/javascript' },",
          "  { path: '/studio.css', content: '', type: 'text/css' },",
          "  { path: '/files/0/x.conf', content: '', type: 'text/plain' },",
          "];",
          `await exportSite(entries, ${JSON.stringify(out)});`,
          "console.log('exported');",
          "",
        ].join("\n"),
      );
      const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
      expect({ signal: r.signal, stdout: r.stdout }, r.stderr).toEqual({ signal, stdout: "" });
      expect(readFileSync(join(out, "files.json"), "utf8")).toBe(before);
      expect(readdirSync(out).sort()).toEqual(["files", "files.json", "index.html", "studio.css", "studio.js"]);
      expect(siblings(out)).toEqual([]);
    });
  }
});
