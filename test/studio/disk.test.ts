// The page reads back, in one request, the files the studio opened (a save conflict's "Reload
// from disk" and "Compare", the files changed on disk it takes when it regains focus) and asks, in
// one request, which of its files changed on disk: with the save's proof (token, this origin, JSON,
// loopback Host) and by slot only, never a path from the request. The browser side: test/browser/.
import { existsSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DISK_STATE, DISK_TEXTS, type DiskStateResponse, type DiskTextsResponse } from "../../src/studio/manifest.js";
import { digestOf } from "../../src/studio/save.js";
import { serveSite } from "../../src/studio/server.js";
import { buildSite } from "../../src/studio/site.js";
import { hasM4 } from "../tools.js";
import { fileOf, http, pagePost, scratchWithPage, servedCopy } from "./support.js";

const { tmp, pageDir } = scratchWithPage("xsm-studio-disk-");

/** The texts on disk of the files the page names by their save paths, in one request. */
async function readBack(studio: ReturnType<typeof servedCopy>, saves: string[]): Promise<{ status: number; files: DiskTextsResponse["files"] }> {
  const r = await pagePost(studio.server, studio.site, DISK_TEXTS, { files: saves });
  return { status: r.status, files: r.status === 200 ? (JSON.parse(r.body) as DiskTextsResponse).files : {} };
}

describe("reading files back and checking the files on disk", () => {
  const studio = servedCopy(tmp, pageDir, "svp");
  const policy = join(studio.dir, "svp.conf");
  const original = readFileSync(policy, "utf8");
  afterEach(() => writeFileSync(policy, original));

  it("disk-texts answers each named file's text and digest on disk now, in one request", async () => {
    const { site } = studio;
    writeFileSync(policy, `# from elsewhere\n${original}`);
    const scenario = readFileSync(join(studio.dir, "nested-trust.json"), "utf8");
    const [conf, json] = [fileOf(site, "svp.conf").save!, fileOf(site, "nested-trust.json").save!];
    expect(await readBack(studio, [conf, json])).toEqual({
      status: 200,
      files: { [conf]: { text: `# from elsewhere\n${original}`, digest: digestOf(`# from elsewhere\n${original}`) }, [json]: { text: scenario, digest: digestOf(scenario) } },
    });
  });

  it("disk-state answers each named file's digest, no text; one removed says why", async () => {
    const { site, server } = studio;
    const names = site.manifest.files.map((f) => f.save!);
    writeFileSync(policy, "changed\n");
    const scenario = join(studio.dir, "nested-trust.json");
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
    const { site, server } = studio;
    for (const path of [DISK_TEXTS, DISK_STATE]) {
      const body = { files: ["save/0"] };
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
    const { site, server } = studio;
    // (no such path takes a POST: refused as any other; a slot was once read at disk/ + its path)
    for (const path of ["disk/../../etc/passwd", "disk/0", `disk/${encodeURIComponent(policy)}`, "disk-texts/0"]) expect((await pagePost(server, site, path, {})).status).toBe(405);
    for (const path of [DISK_STATE, DISK_TEXTS]) {
      const unknown = await pagePost(server, site, path, { files: ["save/0", "/etc/passwd", "files/0/svp.conf"] });
      expect([unknown.status, unknown.body]).toEqual([400, `bad ${path} request: not a file xsm studio may write: /etc/passwd, files/0/svp.conf\n`]);
      expect((await pagePost(server, site, path, { files: "save/0" })).status).toBe(400);
      expect((await pagePost(server, site, path, { files: [0] })).status).toBe(400);
    }
  });

  it("a file removed, made a link elsewhere, or not UTF-8: why it is not read, beside the others' texts", async () => {
    const { site, server } = studio;
    const [conf, json] = [fileOf(site, "svp.conf").save!, fileOf(site, "nested-trust.json").save!];
    unlinkSync(policy);
    const gone = await readBack(studio, [conf, json]);
    expect(gone.files[conf]).toEqual({ error: "svp.conf on disk: no such file" });
    expect(gone.files[json]).toMatchObject({ digest: expect.any(String) });
    const elsewhere = join(tmp, "elsewhere.conf");
    writeFileSync(elsewhere, "secret\n");
    writeFileSync(policy, original);
    renameSync(policy, `${policy}.away`);
    symlinkSync(elsewhere, policy);
    try {
      expect((await readBack(studio, [conf])).files[conf]).toEqual({ error: `svp.conf is now a link to ${elsewhere}, not the file xsm studio opened; it is not read` });
      const state = JSON.parse((await pagePost(server, site, DISK_STATE, { files: ["save/0"] })).body) as DiskStateResponse;
      expect(state.files["save/0"]).toEqual({ error: `svp.conf is now a link to ${elsewhere}, not the file xsm studio opened` });
    } finally {
      unlinkSync(policy);
      renameSync(`${policy}.away`, policy);
    }
    writeFileSync(policy, Buffer.concat([Buffer.from("# caf"), Buffer.of(0xe9), Buffer.from("\n")]));
    expect((await readBack(studio, [conf])).files[conf]).toEqual({ error: expect.stringMatching(/^svp\.conf is not UTF-8 text on disk/) });
  });

  it("a studio that does not write has neither", async () => {
    const ro = buildSite(studio.dir, pageDir, undefined, { rebuild: true });
    const s = await serveSite(ro);
    try {
      expect((await pagePost(s, ro, DISK_TEXTS, { files: [] })).status).toBe(405);
      expect((await pagePost(s, ro, DISK_STATE, { files: [] })).status).toBe(405);
    } finally {
      await s.close();
    }
  });
});

describe.skipIf(!hasM4)("a policy tree's files read back (needs GNU m4)", () => {
  const studio = servedCopy(tmp, pageDir, "xen-flask");
  const dir = studio.dir;
  const te = join(dir, "modules/domU.te");
  const original = readFileSync(te, "utf8");

  it("changed by another program: read back, and what the server serves follows the disk, m4's output too", async () => {
    const { site, server } = studio;
    const tree = fileOf(site, ".");
    const f = tree.tree!.files.find((t) => t.name === "modules/domU.te")!;
    const text = `${original}allow domU_t dom0_t:event send;\n`;
    writeFileSync(te, text);
    const state = JSON.parse((await pagePost(server, site, DISK_STATE, { files: [f.save!] })).body) as DiskStateResponse;
    expect(state.files[f.save!]).toEqual({ digest: digestOf(text) });
    expect(await readBack(studio, [f.save!])).toEqual({ status: 200, files: { [f.save!]: { text, digest: digestOf(text) } } });
    expect((await http(server, `/${f.url}`)).body).toBe(text);
    expect((await http(server, `/${tree.url}`)).body).toContain("\nallow domU_t dom0_t:event send;\n");
    writeFileSync(te, original);
  });

  it("files read back together, in one request: m4 runs once for them, when the tree is next served, not once for each", async () => {
    const { site, server } = studio;
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
      const both = await readBack(studio, [slot("modules/domU.te"), slot("modules/dom0.te")]);
      expect(Object.values(both.files).map((f) => "text" in f)).toEqual([true, true]);
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
      expect((await readBack(studio, [slot("modules/domU.te")])).status).toBe(200);
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
