// The studio on a tree in Xen 4.3-4.7's layout (one Makefile, policy/modules.conf, modules under
// policy/modules/LAYER/), found as `xsm build` finds a tree (src/build/tree.ts): xsm studio DIR
// serves it with its files, on and off, and the server rebuilds it from the page's texts.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import type { RebuildResponse } from "../../src/studio/manifest.js";
import { serveSite, type StudioServer } from "../../src/studio/server.js";
import { buildSite, type Site } from "../../src/studio/site.js";
import { hasM4 } from "../tools.js";
import { pagePost, scratchWithPage } from "./support.js";

const { tmp, pageDir } = scratchWithPage("xsm-studio-old-");
const dir = join(tmp, "xen-4.3");
cpSync("test/fixtures/build/xen-4.3-sids", dir, { recursive: true });
mkdirSync(join(dir, "policy/modules/aux"));
writeFileSync(join(dir, "policy/modules.conf"), "xen = on\nold = off\n");
for (const f of ["old.te", "old.if"]) writeFileSync(join(dir, "policy/modules/aux", f), "# old\n");

describe.skipIf(!hasM4)("xsm studio on a tree laid out as before Xen 4.8 (needs GNU m4)", () => {
  let site: Site;
  let server: StudioServer;
  beforeAll(async () => {
    site = buildSite(dir, pageDir, await treeReader(), { rebuild: true });
    server = await serveSite(site);
  });
  afterAll(() => server?.close());

  it("serves the tree as its policy: m4's sections, policy/modules.conf and every module's files", () => {
    const f = site.manifest.files.find((x) => x.tree)!;
    expect([f.name, f.kind, f.tree!.diagnostics]).toEqual([".", "policy", undefined]);
    const names = f.tree!.files.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["flask/initial_sids", "policy/modules.conf", "policy/modules/xen/xen.te", "policy/modules/xen/xen.if", "policy/modules/aux/old.te", "policy/constraints", "Makefile"]));
    expect(f.tree!.sections).toContain("policy/modules/xen/xen.te");
    expect(f.tree!.sections).not.toContain("policy/modules/aux/old.te");
  });

  it("rebuilds it from the page's texts (m4 over them; the page compiles), the module's lines named from the tree", async () => {
    const f = site.manifest.files.find((x) => x.tree)!;
    const te = `${readFileSync(join(dir, "policy/modules/xen/xen.te"), "utf8")}allow xen_t nosuch_t:xen settime;\n`;
    const r = await pagePost(server, site, f.tree!.rebuild!, { files: { "policy/modules/xen/xen.te": te } });
    expect(r.status).toBe(200);
    const answer = JSON.parse(r.body) as RebuildResponse;
    expect(answer.diagnostics).toEqual([]);
    expect(answer.text).toContain('#line 1 "policy/modules/xen/xen.te"');
    expect(answer.text).toContain("allow xen_t nosuch_t:xen settime;");
    // switching the module on in the page's policy/modules.conf builds it
    const on = await pagePost(server, site, f.tree!.rebuild!, { files: { "policy/modules.conf": "xen = on\nold = on\n" } });
    expect((JSON.parse(on.body) as RebuildResponse).text).toContain('#line 1 "policy/modules/aux/old.te"');
  });
});
