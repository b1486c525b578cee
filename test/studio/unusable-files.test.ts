// Files the studio meets that are no policy text or no scenario, beside the ones it opens: a
// scenario naming an empty policy opens, with xsm simulate's error at the JSON path naming it (on
// the terminal here, in the page too); one naming a binary policy gets its bytes, which the page
// runs as simulate does and never writes; a DIR's .json that is no scenario is listed as not
// offered, with why, and an empty .conf is offered (the page says it is empty).
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSite } from "../../src/studio/site.js";
import { startServer } from "../../src/studio/server.js";
import { xsm } from "../cli/run.js";
import { fileOf, http, scratchWithPage } from "./support.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const { tmp, pageDir } = scratchWithPage("xsm-studio-unusable-");
const nestedTrust = JSON.parse(readFileSync(join(examples, "nested-trust.json"), "utf8")) as Record<string, unknown>;
const scenarioOn = (policy: string) => JSON.stringify({ ...nestedTrust, $schema: undefined, policy });

beforeAll(async () => {
  writeFileSync(join(tmp, "empty.conf"), "");
  writeFileSync(join(tmp, "on-empty.json"), scenarioOn("empty.conf"));
  expect((await xsm("compile", join(examples, "svp.conf"), "-o", join(tmp, "svp.bin"))).code).toBe(0);
  writeFileSync(join(tmp, "on-binary.json"), scenarioOn("svp.bin"));
});

describe("a scenario naming a policy file that is no policy text", () => {
  it("an empty one opens, with xsm simulate's words at the JSON path naming it", async () => {
    const site = buildSite(join(tmp, "on-empty.json"), pageDir, undefined, { save: true });
    expect(site.manifest.files.map((f) => [f.name, f.kind])).toEqual([["on-empty.json", "scenario"], ["empty.conf", "policy"]]);
    // (written in the page, it can be saved)
    expect(fileOf(site, "empty.conf").save).toBeDefined();
    const simulate = await xsm("simulate", join(tmp, "on-empty.json"));
    expect(simulate.code).toBe(1);
    const said = simulate.stderr.trim().slice(`${join(tmp, "on-empty.json")}: `.length);
    expect(said).toBe("/policy: cannot read policy empty.conf: file is empty, expected a policy file");
    expect(site.warnings).toEqual([`xsm studio: warning: on-empty.json: ${said}; the page opens it to be written`]);
  });

  it("a binary one is served as its bytes for the page to run, as xsm simulate runs it, and is never written", async () => {
    expect((await xsm("simulate", join(tmp, "on-binary.json"))).code).toBe(0);
    const site = buildSite(join(tmp, "on-binary.json"), pageDir, undefined, { save: true });
    const bin = fileOf(site, "svp.bin");
    expect(bin).toMatchObject({ kind: "policy", binary: true, noSave: expect.stringContaining("a compiled binary policy") });
    expect(bin.save).toBeUndefined();
    expect(site.saves.size).toBe(1);
    expect(site.warnings).toEqual([]);
    const server = await startServer(site.entries);
    try {
      const r = await http(server, `/${bin.url}`);
      expect(r.status).toBe(200);
      expect(Number(r.headers["content-length"])).toBe(readFileSync(join(tmp, "svp.bin")).length);
    } finally {
      await server.close();
    }
  });
});

describe("xsm studio DIR: what it does not offer, it says why", () => {
  it("a .json that is no scenario is listed with the reason; an empty .conf is offered as a policy", () => {
    const dir = join(tmp, "dir");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.conf"), "class xen\n");
    writeFileSync(join(dir, "empty.conf"), "");
    writeFileSync(join(dir, "package.json"), '{"name":"x"}');
    writeFileSync(join(dir, "broken.json"), '{\n  "steps": [\n');
    writeFileSync(join(dir, "list.json"), "[1, 2]");
    writeFileSync(join(dir, "blank.json"), "");
    writeFileSync(join(dir, "s.json"), JSON.stringify({ name: "s", xsm: "dummy", domains: [], steps: [] }));
    const { manifest, warnings } = buildSite(dir, pageDir);
    expect(manifest.files.map((f) => [f.name, f.kind])).toEqual([["a.conf", "policy"], ["empty.conf", "policy"], ["s.json", "scenario"]]);
    const not = 'not a scenario (a JSON object with "domains" and "steps")';
    expect(manifest.skipped).toEqual([
      { name: "blank.json", reason: "file is empty, expected a scenario file" },
      { name: "broken.json", reason: expect.stringMatching(/^line 3, column 1: invalid JSON: /) },
      { name: "list.json", reason: `/: expected an object; got [1,2]: ${not}` },
      { name: "package.json", reason: `/steps: missing: ${not}` },
    ]);
    // (the page lists them; the terminal is for what a scenario cannot run with)
    expect(warnings).toEqual([]);
  });

  it("a DIR with nothing to offer says why each file is not", () => {
    const dir = join(tmp, "nothing");
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), '{"name":"x"}');
    expect(() => buildSite(dir, pageDir)).toThrow(`${dir}: no policy (.conf) or scenario (.json with "steps") in this directory; package.json: /steps: missing: not a scenario`);
  });

  it("a DIR of the examples lists nothing as skipped", () => {
    expect(buildSite(examples, pageDir).manifest.skipped).toBeUndefined();
  });
});
