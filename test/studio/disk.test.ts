// The page reads back a file the studio opened (a save conflict's "Reload from disk" and
// "Compare") and asks, in one request, which of its files changed on disk (when it regains
// focus): with the save's proof (token, this origin, JSON, loopback Host) and by slot only, never
// a path from the request. The browser side: test/browser/.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import { diskUrl, DISK_STATE, PAGE_FILES, type DiskStateResponse, type DiskTextResponse } from "../../src/studio/manifest.js";
import { digestOf } from "../../src/studio/save.js";
import { startServer, type StudioServer } from "../../src/studio/server.js";
import { buildSite, type Site } from "../../src/studio/site.js";
import { hasM4 } from "../tools.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const tmp = mkdtempSync(join(tmpdir(), "xsm-studio-disk-"));
const pageDir = join(tmp, "page");
mkdirSync(pageDir);
for (const f of PAGE_FILES) writeFileSync(join(pageDir, f), `/* ${f} */`);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function http(server: StudioServer, path: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method: opts.method ?? "GET", headers: { host: `127.0.0.1:${server.port}`, ...opts.headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The page's own request: its token, JSON, from its origin. */
function post(server: StudioServer, site: Site, url: string, body: unknown, headers: Record<string, string> = {}) {
  return http(server, `/${url}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", "x-xsm-studio": site.token, origin: `http://127.0.0.1:${server.port}`, ...headers } });
}

const fileOf = (site: Site, name: string) => site.manifest.files.find((f) => f.name === name)!;

describe("reading a file back and checking the files on disk", () => {
  const dir = join(tmp, "svp");
  cpSync(join(EXAMPLES, "svp"), dir, { recursive: true });
  const policy = join(dir, "svp.conf");
  const original = readFileSync(policy, "utf8");
  let site: Site;
  let server: StudioServer;
  beforeAll(async () => {
    site = buildSite(dir, pageDir, undefined, { rebuild: true, save: true });
    server = await startServer(site.entries, 0, { trees: site.rebuilds, saves: site.saves, token: site.token });
  });
  afterAll(() => server?.close());
  afterEach(() => writeFileSync(policy, original));

  it("disk/ + a slot answers the file's text and digest on disk now", async () => {
    const f = fileOf(site, "svp.conf");
    expect(diskUrl(f.save!)).toBe("disk/0");
    writeFileSync(policy, `# from elsewhere\n${original}`);
    const r = await post(server, site, diskUrl(f.save!), {});
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
      const r = await post(server, site, DISK_STATE, { files: names });
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
      expect((await post(server, site, path, body, { "x-xsm-studio": "nope" })).status).toBe(403);
      expect((await http(server, `/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).status).toBe(403);
      const foreign = await post(server, site, path, body, { origin: "http://evil.example" });
      expect(foreign.status).toBe(403);
      expect(foreign.body).toMatch(/^forbidden: .* is asked for by the studio's own page only\n$/);
      expect((await post(server, site, path, body, { "content-type": "text/plain" })).status).toBe(415);
      expect((await post(server, site, path, body, { host: "evil.example" })).status).toBe(421);
      expect((await http(server, `/${path}`)).status).toBe(404);
    }
  });

  it("names slots only: a path, or a slot the server never made, is not read", async () => {
    // (no such path takes a POST: refused as any other)
    for (const path of ["disk/../../etc/passwd", "disk/99", `disk/${encodeURIComponent(policy)}`, "disk/"]) expect((await post(server, site, path, {})).status).toBe(405);
    const unknown = await post(server, site, DISK_STATE, { files: ["save/0", "/etc/passwd", "files/0/svp.conf"] });
    expect([unknown.status, unknown.body]).toEqual([400, "bad disk-state request: not a file xsm studio may write: /etc/passwd, files/0/svp.conf\n"]);
    expect((await post(server, site, DISK_STATE, { files: "save/0" })).status).toBe(400);
    expect((await post(server, site, DISK_STATE, { files: [0] })).status).toBe(400);
  });

  it("a file removed, made a link elsewhere, or not UTF-8: why it is not read", async () => {
    const url = diskUrl(fileOf(site, "svp.conf").save!);
    unlinkSync(policy);
    expect(await post(server, site, url, {})).toEqual({ status: 404, body: JSON.stringify({ error: "svp.conf on disk: no such file" }) });
    const elsewhere = join(tmp, "elsewhere.conf");
    writeFileSync(elsewhere, "secret\n");
    writeFileSync(policy, original);
    renameSync(policy, `${policy}.away`);
    symlinkSync(elsewhere, policy);
    try {
      const r = await post(server, site, url, {});
      expect([r.status, JSON.parse(r.body)]).toEqual([403, { error: `svp.conf is now a link to ${elsewhere}, not the file xsm studio opened; it is not read` }]);
      const state = JSON.parse((await post(server, site, DISK_STATE, { files: ["save/0"] })).body) as DiskStateResponse;
      expect(state.files["save/0"]).toEqual({ error: `svp.conf is now a link to ${elsewhere}, not the file xsm studio opened` });
    } finally {
      unlinkSync(policy);
      renameSync(`${policy}.away`, policy);
    }
    writeFileSync(policy, Buffer.concat([Buffer.from("# caf"), Buffer.of(0xe9), Buffer.from("\n")]));
    const latin1 = await post(server, site, url, {});
    expect(latin1.status).toBe(422);
    expect((JSON.parse(latin1.body) as { error: string }).error).toMatch(/^svp\.conf is not UTF-8 text on disk/);
  });

  it("a studio that does not write has neither", async () => {
    const ro = buildSite(dir, pageDir, undefined, { rebuild: true });
    const s = await startServer(ro.entries, 0, { trees: ro.rebuilds, saves: ro.saves, token: ro.token });
    try {
      expect((await post(s, ro, "disk/0", {})).status).toBe(405);
      expect((await post(s, ro, DISK_STATE, { files: [] })).status).toBe(405);
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
    server = await startServer(site.entries, 0, { trees: site.rebuilds, saves: site.saves, token: site.token });
  });
  afterAll(() => server?.close());

  it("changed by another program: read back, and what the server serves follows the disk, m4's output too", async () => {
    const tree = fileOf(site, ".");
    const f = tree.tree!.files.find((t) => t.name === "modules/domU.te")!;
    const text = `${original}allow domU_t dom0_t:event send;\n`;
    writeFileSync(te, text);
    const state = JSON.parse((await post(server, site, DISK_STATE, { files: [f.save!] })).body) as DiskStateResponse;
    expect(state.files[f.save!]).toEqual({ digest: digestOf(text) });
    const r = await post(server, site, diskUrl(f.save!), {});
    expect([r.status, JSON.parse(r.body)]).toEqual([200, { text, digest: digestOf(text) }]);
    expect((await http(server, `/${f.url}`)).body).toBe(text);
    expect((await http(server, `/${tree.url}`)).body).toContain("\nallow domU_t dom0_t:event send;\n");
    writeFileSync(te, original);
  });
});
