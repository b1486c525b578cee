// The page reads back a file the studio opened (a save conflict's "Reload from disk" and
// "Compare") and asks, in one request, which of its files changed on disk (when it regains
// focus): with the save's proof (token, this origin, JSON, loopback Host) and by slot only, never
// a path from the request. The browser side: test/browser/.
import { cpSync, existsSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import { diskUrl, DISK_STATE, type DiskStateResponse, type DiskTextResponse } from "../../src/studio/manifest.js";
import { digestOf } from "../../src/studio/save.js";
import { serveSite, type StudioServer } from "../../src/studio/server.js";
import { buildSite, type Site } from "../../src/studio/site.js";
import { hasM4 } from "../tools.js";
import { fileOf, http, pagePost, scratchWithPage } from "./support.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const { tmp, pageDir } = scratchWithPage("xsm-studio-disk-");

describe("reading a file back and checking the files on disk", () => {
  const dir = join(tmp, "svp");
  cpSync(join(EXAMPLES, "svp"), dir, { recursive: true });
  const policy = join(dir, "svp.conf");
  const original = readFileSync(policy, "utf8");
  let site: Site;
  let server: StudioServer;
  beforeAll(async () => {
    site = buildSite(dir, pageDir, undefined, { rebuild: true, save: true });
    server = await serveSite(site);
  });
  afterAll(() => server?.close());
  afterEach(() => writeFileSync(policy, original));

  it("disk/ + a slot answers the file's text and digest on disk now", async () => {
    const f = fileOf(site, "svp.conf");
    expect(diskUrl(f.save!)).toBe("disk/0");
    writeFileSync(policy, `# from elsewhere\n${original}`);
    const r = await pagePost(server, site, diskUrl(f.save!), {});
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ text: `# from elsewhere\n${original}`, digest: digestOf(`# from elsewhere\n${original}`) } satisfies DiskTextResponse);
  });

  it("disk-state answers each named file's digest, no text; one removed says why", async () => {
    const names = site.manifest.files.map((f) => f.save!);
    writeFileSync(policy, "changed\n");
    const scenario = join(dir, "nested-trust.json");
    const scenarioText = readFileSync(scenario, "utf8");
    unlinkSync(scenario);
    try {
      const r = await pagePost(server, site, DISK_STATE, { files: names });
      expect(r.status, r.body).toBe(200);
      const answer = JSON.parse(r.body) as DiskStateResponse;
      expect(Object.keys(answer.files)).toEqual(names);
      expect(answer.files[fileOf(site, "svp.conf").save!]).toEqual({ digest: digestOf("changed\n") });
      expect(answer.files[fileOf(site, "nested-trust.json").save!]).toEqual({ error: "nested-trust.json on disk: no such file" });
      expect(r.body).not.toContain("changed\\n");
    } finally {
      writeFileSync(scenario, scenarioText);
    }
  });

  it("refuses another page, as a save does: no token, a wrong one, a foreign origin, not JSON, another Host, GET", async () => {
    const url = diskUrl(fileOf(site, "svp.conf").save!);
    for (const path of [url, DISK_STATE]) {
      const body = path === DISK_STATE ? { files: ["save/0"] } : {};
      expect((await pagePost(server, site, path, body, { "x-xsm-studio": "nope" })).status).toBe(403);
      expect((await http(server, `/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).status).toBe(403);
      const foreign = await pagePost(server, site, path, body, { origin: "http://evil.example" });
      expect(foreign.status).toBe(403);
      expect(foreign.body).toMatch(/^forbidden: .* is asked for by the studio's own page only\n$/);
      expect((await pagePost(server, site, path, body, { "content-type": "text/plain" })).status).toBe(415);
      expect((await pagePost(server, site, path, body, { host: "evil.example" })).status).toBe(421);
      expect((await http(server, `/${path}`)).status).toBe(404);
    }
  });

  it("names slots only: a path, or a slot the server never made, is not read", async () => {
    // (no such path takes a POST: refused as any other)
    for (const path of ["disk/../../etc/passwd", "disk/99", `disk/${encodeURIComponent(policy)}`, "disk/"]) expect((await pagePost(server, site, path, {})).status).toBe(405);
    const unknown = await pagePost(server, site, DISK_STATE, { files: ["save/0", "/etc/passwd", "files/0/svp.conf"] });
    expect([unknown.status, unknown.body]).toEqual([400, "bad disk-state request: not a file xsm studio may write: /etc/passwd, files/0/svp.conf\n"]);
    expect((await pagePost(server, site, DISK_STATE, { files: "save/0" })).status).toBe(400);
    expect((await pagePost(server, site, DISK_STATE, { files: [0] })).status).toBe(400);
  });

  it("a file removed, made a link elsewhere, or not UTF-8: why it is not read", async () => {
    const url = diskUrl(fileOf(site, "svp.conf").save!);
    unlinkSync(policy);
    expect(await pagePost(server, site, url, {})).toMatchObject({ status: 404, body: JSON.stringify({ error: "svp.conf on disk: no such file" }) });
    const elsewhere = join(tmp, "elsewhere.conf");
    writeFileSync(elsewhere, "secret\n");
    writeFileSync(policy, original);
    renameSync(policy, `${policy}.away`);
    symlinkSync(elsewhere, policy);
    try {
      const r = await pagePost(server, site, url, {});
      expect([r.status, JSON.parse(r.body)]).toEqual([403, { error: `svp.conf is now a link to ${elsewhere}, not the file xsm studio opened; it is not read` }]);
      const state = JSON.parse((await pagePost(server, site, DISK_STATE, { files: ["save/0"] })).body) as DiskStateResponse;
      expect(state.files["save/0"]).toEqual({ error: `svp.conf is now a link to ${elsewhere}, not the file xsm studio opened` });
    } finally {
      unlinkSync(policy);
      renameSync(`${policy}.away`, policy);
    }
    writeFileSync(policy, Buffer.concat([Buffer.from("# caf"), Buffer.of(0xe9), Buffer.from("\n")]));
    const latin1 = await pagePost(server, site, url, {});
    expect(latin1.status).toBe(422);
    expect((JSON.parse(latin1.body) as { error: string }).error).toMatch(/^svp\.conf is not UTF-8 text on disk/);
  });

  it("a studio that does not write has neither", async () => {
    const ro = buildSite(dir, pageDir, undefined, { rebuild: true });
    const s = await serveSite(ro);
    try {
      expect((await pagePost(s, ro, "disk/0", {})).status).toBe(405);
      expect((await pagePost(s, ro, DISK_STATE, { files: [] })).status).toBe(405);
    } finally {
      await s.close();
    }
  });
});

describe.skipIf(!hasM4)("a policy tree's file read back (needs GNU m4)", () => {
  const dir = join(tmp, "xen-flask");
  cpSync(join(EXAMPLES, "xen-flask"), dir, { recursive: true });
  const te = join(dir, "modules/domU.te");
  const original = readFileSync(te, "utf8");
  let site: Site;
  let server: StudioServer;
  beforeAll(async () => {
    site = buildSite(dir, pageDir, await treeReader(), { rebuild: true, save: true });
    server = await serveSite(site);
  });
  afterAll(() => server?.close());

  it("changed by another program: read back, and what the server serves follows the disk, m4's output too", async () => {
    const tree = fileOf(site, ".");
    const f = tree.tree!.files.find((t) => t.name === "modules/domU.te")!;
    const text = `${original}allow domU_t dom0_t:event send;\n`;
    writeFileSync(te, text);
    const state = JSON.parse((await pagePost(server, site, DISK_STATE, { files: [f.save!] })).body) as DiskStateResponse;
    expect(state.files[f.save!]).toEqual({ digest: digestOf(text) });
    const r = await pagePost(server, site, diskUrl(f.save!), {});
    expect([r.status, JSON.parse(r.body)]).toEqual([200, { text, digest: digestOf(text) }]);
    expect((await http(server, `/${f.url}`)).body).toBe(text);
    expect((await http(server, `/${tree.url}`)).body).toContain("\nallow domU_t dom0_t:event send;\n");
    writeFileSync(te, original);
  });

  it("files read back together: m4 runs once for them, when the tree is next served, not once for each", async () => {
    // (m4 as $M4 names it: a script that counts its runs, then runs m4)
    const log = join(tmp, "m4-runs.log");
    const counting = join(tmp, "counting-m4");
    writeFileSync(counting, `#!/bin/sh\necho run >> '${log}'\nexec m4 "$@"\n`, { mode: 0o755 });
    const runs = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0);
    const m4 = process.env.M4;
    process.env.M4 = counting;
    const dom0 = join(dir, "modules/dom0.te");
    const dom0Text = readFileSync(dom0, "utf8");
    try {
      const tree = fileOf(site, ".");
      const slot = (name: string) => tree.tree!.files.find((t) => t.name === name)!.save!;
      writeFileSync(te, `${original}allow domU_t dom0_t:event send;\n`);
      writeFileSync(dom0, `${dom0Text}allow dom0_t domU_t:event send;\n`);
      for (const name of ["modules/domU.te", "modules/dom0.te"]) expect((await pagePost(server, site, diskUrl(slot(name)), {})).status).toBe(200);
      expect(runs()).toBe(0);
      const built = (await http(server, `/${tree.url}`)).body;
      expect(built).toContain("\nallow domU_t dom0_t:event send;\n");
      expect(built).toContain("\nallow dom0_t domU_t:event send;\n");
      expect(runs()).toBe(1);
      // served again, files.json too: nothing changed since, m4 is not run again
      expect((await http(server, "/files.json")).status).toBe(200);
      expect((await http(server, `/${tree.url}`)).body).toBe(built);
      expect(runs()).toBe(1);
      // a file read back, then files.json asked for first: one run, and it says what m4 made
      writeFileSync(te, original);
      expect((await pagePost(server, site, diskUrl(slot("modules/domU.te")), {})).status).toBe(200);
      expect((await http(server, "/files.json")).status).toBe(200);
      expect((await http(server, `/${tree.url}`)).body).not.toContain("\nallow domU_t dom0_t:event send;\n");
      expect(runs()).toBe(2);
    } finally {
      if (m4 === undefined) delete process.env.M4;
      else process.env.M4 = m4;
      writeFileSync(te, original);
      writeFileSync(dom0, dom0Text);
    }
  });
});
