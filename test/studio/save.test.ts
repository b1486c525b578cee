// The studio writes a file back for its own page only, and only a file it opened: the policy files
// and scenarios it was started on and a policy tree's own files, at the path it recorded at start
// (the request carries a text, never a path). A file changed on disk since the page loaded it is
// not written over unless the page asks to overwrite; the write is atomic and keeps the mode. An
// export, or a studio started --read-only, writes nothing. The browser side: test/browser/.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import { type SaveResponse, type StudioManifest } from "../../src/studio/manifest.js";
import { digestOf, saveFile, slotFor } from "../../src/studio/save.js";
import { serveSite, type StudioServer } from "../../src/studio/server.js";
import { buildSite, EXPORT_CANNOT_SAVE } from "../../src/studio/site.js";
import { Workspace } from "../../src/studio/page/workspace.js";
import { xsm } from "../cli/run.js";
import { hasM4 } from "../tools.js";
import { fileOf, http, pagePost, scratchWithPage, servedCopy } from "./support.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const { tmp, pageDir } = scratchWithPage("xsm-studio-save-");
const isRoot = process.getuid?.() === 0;

/** The ETag the page was served a file with: the digest a save sends back. */
async function etagOf(server: StudioServer, url: string): Promise<string> {
  const r = await http(server, `/${url}`);
  return String(r.headers.etag).replace(/"/g, "");
}

describe("saving a policy.conf and a scenario", () => {
  const studio = servedCopy(tmp, pageDir, "svp");
  const dir = studio.dir;
  const policy = join(dir, "svp.conf");
  const original = readFileSync(policy, "utf8");
  afterEach(() => writeFileSync(policy, original));

  it("each file the studio opened has a save path; files.json carries the token", () => {
    expect(studio.site.manifest.save).toEqual({ token: studio.site.token });
    for (const [i, f] of studio.site.manifest.files.entries()) expect(f.save).toBe(`save/${i}`);
    expect([...studio.site.saves.keys()]).toEqual(studio.site.manifest.files.map((_, i) => `/save/${i}`));
  });

  it("writes the page's text atomically, keeps the file's mode, and answers the new digest, which the file is then served with", async () => {
    chmodSync(policy, 0o640);
    const f = fileOf(studio.site, "svp.conf");
    const base = await etagOf(studio.server, f.url);
    expect(base).toBe(digestOf(original));
    const text = `${original}# saved from the page\n`;
    const r = await pagePost(studio.server, studio.site, f.save!, { text, base });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ digest: digestOf(text) });
    expect(readFileSync(policy, "utf8")).toBe(text);
    expect(statSync(policy).mode & 0o777).toBe(0o640);
    // no temporary file left beside it
    expect(readdirSync(dir).filter((n) => n.includes(".xsm-"))).toEqual([]);
    // a reload of the page gets the saved text and its digest, and saves again from there
    expect((await http(studio.server, `/${f.url}`)).body).toBe(text);
    expect(await etagOf(studio.server, f.url)).toBe(digestOf(text));
    expect((await pagePost(studio.server, studio.site, f.save!, { text: original, base: digestOf(text) })).status).toBe(200);
  });

  it("a scenario is saved the same way", async () => {
    const f = fileOf(studio.site, "nested-trust.json");
    const path = join(dir, "nested-trust.json");
    const before = readFileSync(path, "utf8");
    const text = before.replace('"name"', '"name"');
    const r = await pagePost(studio.server, studio.site, f.save!, { text: `${text}\n`, base: digestOf(before) });
    expect(r.status, r.body).toBe(200);
    expect(readFileSync(path, "utf8")).toBe(`${text}\n`);
    writeFileSync(path, before);
  });

  it("a file changed on disk since the page loaded it: refused with a conflict, the file kept; overwrite is the page's explicit choice", async () => {
    const f = fileOf(studio.site, "svp.conf");
    const base = await etagOf(studio.server, f.url);
    writeFileSync(policy, `${original}# edited in another editor\n`);
    const r = await pagePost(studio.server, studio.site, f.save!, { text: "page's text\n", base });
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body)).toEqual({ conflict: "svp.conf changed on disk since the page loaded it", digest: digestOf(`${original}# edited in another editor\n`) });
    expect(readFileSync(policy, "utf8")).toBe(`${original}# edited in another editor\n`);
    // (no base at all is no proof either)
    expect((await pagePost(studio.server, studio.site, f.save!, { text: "page's text\n" })).status).toBe(409);
    const forced = await pagePost(studio.server, studio.site, f.save!, { text: "page's text\n", overwrite: true });
    expect(forced.status).toBe(200);
    expect(readFileSync(policy, "utf8")).toBe("page's text\n");
  });

  it("a file removed since: a conflict; overwrite writes it anew", async () => {
    const f = fileOf(studio.site, "svp.conf");
    unlinkSync(policy);
    const r = await pagePost(studio.server, studio.site, f.save!, { text: original, base: digestOf(original) });
    expect([r.status, (JSON.parse(r.body) as { conflict: string }).conflict]).toEqual([409, "svp.conf on disk: no such file (it was there when the page loaded it)"]);
    expect(existsSync(policy)).toBe(false);
    expect((await pagePost(studio.server, studio.site, f.save!, { text: original, overwrite: true })).status).toBe(200);
    expect(readFileSync(policy, "utf8")).toBe(original);
  });

  it("refuses another page: no token, a wrong one, a foreign origin, not JSON, another Host", async () => {
    const f = fileOf(studio.site, "svp.conf");
    const body = { text: "x", overwrite: true };
    expect((await pagePost(studio.server, studio.site, f.save!, body, { "x-xsm-studio": "nope" })).status).toBe(403);
    expect((await http(studio.server, `/${f.save}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).status).toBe(403);
    const foreign = await pagePost(studio.server, studio.site, f.save!, body, { origin: "http://evil.example" });
    expect([foreign.status, foreign.body]).toEqual([403, "forbidden: a save is asked for by the studio's own page only\n"]);
    // (a form post from elsewhere cannot send JSON without a preflight, which is never granted)
    expect((await pagePost(studio.server, studio.site, f.save!, body, { "content-type": "text/plain" })).status).toBe(415);
    expect((await http(studio.server, `/${f.save}`, { method: "OPTIONS" })).status).toBe(405);
    expect((await pagePost(studio.server, studio.site, f.save!, body, { host: "evil.example" })).status).toBe(421);
    expect((await pagePost(studio.server, studio.site, f.save!, { text: 1 })).status).toBe(400);
    expect(readFileSync(policy, "utf8")).toBe(original);
  });

  it.each(["/save/../package.json", "/save/0/../../x", "/save/%2e%2e/svp.conf", "/save/99", "/save/" + encodeURIComponent(join(dir, "svp.conf")), "/save"])("takes no path from the request: %s is no save", async (path) => {
    const r = await http(studio.server, path, { method: "POST", body: JSON.stringify({ text: "x", overwrite: true }), headers: { "content-type": "application/json", "x-xsm-studio": studio.site.token } });
    expect(r.status).toBe(405);
    expect(readFileSync(policy, "utf8")).toBe(original);
  });

  it("a request naming a path writes the slot's file only", async () => {
    const f = fileOf(studio.site, "svp.conf");
    const r = await pagePost(studio.server, studio.site, f.save!, { text: original, base: digestOf(original), path: "../../etc/x", name: "/tmp/x" });
    expect(r.status).toBe(200);
    expect(existsSync("/tmp/x")).toBe(false);
  });

  it("a file that became a link to elsewhere since the studio opened it is not written through", async () => {
    const f = fileOf(studio.site, "svp.conf");
    const elsewhere = join(tmp, "elsewhere.conf");
    writeFileSync(elsewhere, original);
    renameSync(policy, `${policy}.away`);
    symlinkSync(elsewhere, policy);
    try {
      const r = await pagePost(studio.server, studio.site, f.save!, { text: "x", overwrite: true });
      expect(r.status).toBe(403);
      expect((JSON.parse(r.body) as { error: string }).error).toBe(`svp.conf is now a link to ${elsewhere}, not the file xsm studio opened; it is not written`);
      expect(readFileSync(elsewhere, "utf8")).toBe(original);
    } finally {
      unlinkSync(policy);
      renameSync(`${policy}.away`, policy);
    }
  });

  it("a file that is not UTF-8 on disk is not written (the page holds U+FFFD for its other bytes)", async () => {
    const f = fileOf(studio.site, "svp.conf");
    const latin1 = Buffer.concat([Buffer.from("# caf"), Buffer.of(0xe9), Buffer.from("\n")]);
    writeFileSync(policy, latin1);
    const r = await pagePost(studio.server, studio.site, f.save!, { text: "# caf\ufffd\n", base: digestOf(latin1) });
    expect(r.status).toBe(422);
    expect((JSON.parse(r.body) as { error: string }).error).toMatch(/^svp\.conf is not UTF-8 text on disk/);
    expect(readFileSync(policy)).toEqual(latin1);
  });

  it.skipIf(isRoot)("a directory that takes no new file: the reason, as the CLI words it, no stack (not as root)", async () => {
    const f = fileOf(studio.site, "svp.conf");
    chmodSync(dir, 0o555);
    try {
      const r = await pagePost(studio.server, studio.site, f.save!, { text: "x\n", base: digestOf(original) });
      expect([r.status, JSON.parse(r.body)]).toEqual([500, { error: "cannot write svp.conf: permission denied" }]);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(readFileSync(policy, "utf8")).toBe(original);
  });
});

describe("a write that fails is reported, never thrown", () => {
  afterEach(() => vi.doUnmock("../../src/cli/output.js"));
  it.each([
    ["a read-only file system", Object.assign(new Error("EROFS: read-only file system, open 'x'"), { code: "EROFS" }), "cannot write p.conf: read-only file system"],
    ["a disk error", Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" }), "cannot write p.conf: EIO: i/o error, write"],
  ])("%s", async (_, err, message) => {
    const dir = mkdtempSync(join(tmp, "fail-"));
    const path = join(dir, "p.conf");
    writeFileSync(path, "class xen\n");
    vi.resetModules();
    vi.doMock("../../src/cli/output.js", async (orig) => {
      const real = await orig<typeof import("../../src/cli/output.js")>();
      const { CliError } = await import("../../src/cli/io.js");
      return { ...real, writeOutputs: async () => Promise.reject(err.code === "EROFS" ? new CliError(`cannot write ${path}: ${real.writeProblem(path, err)}`) : err) };
    });
    const fresh = await import("../../src/studio/save.js");
    const slot = fresh.slotFor(path, "p.conf");
    if (typeof slot === "string") throw new Error(slot);
    const r = await fresh.saveFile(slot, { text: "x", base: digestOf("class xen\n") });
    expect(r).toEqual({ status: 500, answer: { error: message } });
    expect(readFileSync(path, "utf8")).toBe("class xen\n");
  });
});

describe("a studio that does not write", () => {
  it("--read-only: no save path, the page told why, and a POST where a save would be is refused", async () => {
    const site = buildSite(join(EXAMPLES, "svp"), pageDir, undefined, { rebuild: true, save: false, noSave: "xsm studio was started with --read-only: edits stay in the page" });
    expect(site.manifest.save).toEqual({ refused: "xsm studio was started with --read-only: edits stay in the page" });
    expect(site.manifest.files.map((f) => f.save)).toEqual(site.manifest.files.map(() => undefined));
    expect(site.saves.size).toBe(0);
    const server = await serveSite(site);
    try {
      const before = readFileSync(join(EXAMPLES, "svp/svp.conf"), "utf8");
      const r = await pagePost(server, site, "save/0", { text: "x", overwrite: true });
      expect(r.status).toBe(405);
      expect(readFileSync(join(EXAMPLES, "svp/svp.conf"), "utf8")).toBe(before);
      // the page says why it cannot save
      const ws = new Workspace(site.manifest, new Map([["svp.conf", before]]));
      expect(ws.saveTarget("svp.conf")).toEqual({ refused: "xsm studio was started with --read-only: edits stay in the page" });
    } finally {
      await server.close();
    }
  });

  it("xsm studio --help names --read-only", async () => {
    const r = await xsm("studio", "--help");
    expect(r.stdout.replace(/\s+/g, " ")).toContain("--read-only serve without writing: the page's Save is off, edits stay in the page");
  });

  it("an export: no save path or token in files.json, and the page's reason", async () => {
    const out = join(tmp, "export");
    const r = await xsm("studio", join(EXAMPLES, "svp"), "--export", out);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(out, "files.json"), "utf8");
    const manifest = JSON.parse(text) as StudioManifest;
    expect(manifest.save).toEqual({ refused: EXPORT_CANNOT_SAVE });
    expect(manifest.files.every((f) => f.save === undefined)).toBe(true);
    expect(text).not.toMatch(/"token"/);
  });
});

describe.skipIf(!hasM4)("saving a policy tree's files (needs GNU m4)", () => {
  const studio = servedCopy(tmp, pageDir, "xen-flask");
  const dir = studio.dir;
  const te = join(dir, "modules/domU.te");
  const original = readFileSync(te, "utf8");
  const tree = () => fileOf(studio.site, ".");
  const treeFile = (name: string) => tree().tree!.files.find((t) => t.name === name)!;

  it("each of the tree's files has a save path; m4's output has none", () => {
    expect(tree().save).toBeUndefined();
    expect(tree().tree!.files.every((t) => t.save !== undefined && t.noSave === undefined)).toBe(true);
  });

  it("a saved file: written, and a reload serves it with m4's output of the tree as on disk", async () => {
    const f = treeFile("modules/domU.te");
    const text = `${original}allow domU_t dom0_t:event send;\n`;
    const r = await pagePost(studio.server, studio.site, f.save!, { text, base: await etagOf(studio.server, f.url) });
    expect(r.status, r.body).toBe(200);
    expect(readFileSync(te, "utf8")).toBe(text);
    expect((await http(studio.server, `/${f.url}`)).body).toBe(text);
    expect((await http(studio.server, `/${tree().url}`)).body).toContain("\nallow domU_t dom0_t:event send;\n");
    // saved broken: a reload opens at the error, as a tree that did not build at start
    const broken = `${text}define(\`broken\n`;
    expect((await pagePost(studio.server, studio.site, f.save!, { text: broken, base: digestOf(text) })).status).toBe(200);
    const manifest = JSON.parse((await http(studio.server, "/files.json")).body) as StudioManifest;
    const info = manifest.files.find((x) => x.name === ".")!.tree!;
    expect(info.diagnostics!.map((d) => [d.span?.file, d.message])).toEqual([["modules/domU.te", "m4: end of file in string"]]);
    expect((await http(studio.server, `/${tree().url}`)).body).toBe("");
    expect((await pagePost(studio.server, studio.site, f.save!, { text: original, base: digestOf(broken) })).status).toBe(200);
    expect(JSON.parse((await http(studio.server, "/files.json")).body).files.find((x: { name: string }) => x.name === ".").tree.diagnostics).toBeUndefined();
    expect((await http(studio.server, `/${tree().url}`)).body).toBe(readFileSync(join(EXAMPLES, "xen-flask/policy.conf"), "utf8"));
  });

  it("a tree file made a link to outside the tree since start is not written through", async () => {
    const f = treeFile("modules/xen.if");
    const path = join(dir, "modules/xen.if");
    const outside = join(tmp, "outside.if");
    const text = readFileSync(path, "utf8");
    writeFileSync(outside, text);
    renameSync(path, `${path}.away`);
    symlinkSync(outside, path);
    try {
      const r = await pagePost(studio.server, studio.site, f.save!, { text: "x", base: digestOf(text) });
      expect(r.status).toBe(403);
      expect(readFileSync(outside, "utf8")).toBe(text);
    } finally {
      unlinkSync(path);
      renameSync(`${path}.away`, path);
    }
  });

  it("a tree file that is a link out of the tree at start, and Xen's flask files outside it, are not offered", async () => {
    const xen = join(tmp, "xen");
    const policy = join(xen, "tools", "flask", "policy");
    mkdirSync(join(xen, "xen", "xsm", "flask"), { recursive: true });
    cpSync(join(EXAMPLES, "xen-flask"), policy, { recursive: true });
    renameSync(join(policy, "flask"), join(xen, "xen", "xsm", "flask", "policy"));
    const shared = join(tmp, "shared-misc.spt");
    renameSync(join(policy, "policy/support/misc_macros.spt"), shared);
    symlinkSync(shared, join(policy, "policy/support/misc_macros.spt"));
    const s = buildSite(policy, pageDir, await treeReader(), { rebuild: true, save: true });
    const files = fileOf(s, ".").tree!.files;
    const flask = files.find((t) => t.name.endsWith("security_classes"))!;
    expect(flask.save).toBeUndefined();
    expect(flask.noSave).toBe(`${flask.name} is outside the policy tree (Xen's own flask files): xsm studio writes only the tree's files`);
    const spt = files.find((t) => t.name === "policy/support/misc_macros.spt")!;
    expect([spt.save, spt.noSave]).toEqual([undefined, "policy/support/misc_macros.spt is a link to a file outside the policy tree, which xsm studio does not write"]);
    expect(files.find((t) => t.name === "modules/domU.te")!.save).toBeDefined();
  });
});

describe("saveFile's answers", () => {
  it("a slot for a file that is not there says why", () => {
    expect(slotFor(join(tmp, "nope"), "nope")).toBe("nope: no such file");
  });

  it("never throws for what the disk does", async () => {
    const path = join(tmp, "gone.conf");
    writeFileSync(path, "a");
    const slot = slotFor(path, "gone.conf");
    if (typeof slot === "string") throw new Error(slot);
    rmSync(path);
    mkdirSync(path);
    const r = await saveFile(slot, { text: "b", base: digestOf("a") });
    expect(r.status).toBe(409);
    expect((r.answer as Extract<SaveResponse, { conflict: string }>).conflict).toBe("gone.conf on disk: is a directory (it was there when the page loaded it)");
  });
});
