// A policy tree's diagnostics name each file as the user reaches it from where xsm ran, as a
// compiler names them (the tree's path as given, joined to the file the tree's #lines name), and
// the text, JSON and SARIF forms name the same files: `xsm build`, `xsm lint` and `xsm check` of
// examples/xen-flask with modules/nic_dev.te replaced by test/fixtures/build/nic_dev-broken.te,
// run by bin/xsm.cjs from a directory holding the tree as policies/xen. Golden files:
// test/fixtures/tree/paths-*.txt (after an intended change: UPDATE_GOLDEN=1 npx vitest run
// test/cli/tree-paths.test.ts).
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";

const root = resolve(import.meta.dirname, "../..");
const GOLDEN = join(root, "test/fixtures/tree");
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "xsm-tree-paths-"));
  cpSync(join(root, "examples/xen-flask"), join(tmp, "policies/xen"), { recursive: true });
  copyFileSync(join(root, "test/fixtures/build/nic_dev-broken.te"), join(tmp, "policies/xen/modules/nic_dev.te"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** bin/xsm.cjs run from the directory holding the tree. */
function xsm(...argv: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin/xsm.cjs"), ...argv], { cwd: tmp, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function golden(name: string, text: string): void {
  const file = join(GOLDEN, `paths-${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(text).toBe(readFileSync(file, "utf8"));
}

/** The files a text rendering places its diagnostics and notes in. */
const textFiles = (text: string) => [...text.matchAll(/^([^\s:]+):\d+:\d+: (?:error|warning|note): /gm)].map((m) => m[1]!);
/** ... and the files the "in expansion of `M` at FILE:LINE" notes name. */
const expansionFiles = (text: string) => [...text.matchAll(/in expansion of `[^`]+` at ([^\s:]+):\d+/g)].map((m) => m[1]!);

type Json = { diagnostics: { file: string | null; message: string; notes: { file: string | null; message: string }[] }[] };
const jsonFiles = (doc: Json) => doc.diagnostics.flatMap((d) => [d.file!, ...d.notes.map((n) => n.file!)]);
const jsonMessages = (doc: Json) => doc.diagnostics.flatMap((d) => [d.message, ...d.notes.map((n) => n.message)]).join("\n");
type Sarif = { runs: { results: { locations?: { physicalLocation: { artifactLocation: { uri: string } } }[]; relatedLocations?: { physicalLocation?: { artifactLocation: { uri: string } } }[] }[] }[] };
const sarifFiles = (log: Sarif) =>
  log.runs[0]!.results.flatMap((r) => [...(r.locations ?? []).map((l) => decodeURI(l.physicalLocation.artifactLocation.uri)), ...(r.relatedLocations ?? []).map((l) => decodeURI(l.physicalLocation!.artifactLocation.uri))]);

describe.skipIf(!hasM4)("a policy tree's diagnostics name its files from where xsm ran, in every format (needs GNU m4)", () => {
  it("xsm build DIR: text, JSON and SARIF name the same files, under DIR as given", () => {
    const text = xsm("build", "policies/xen");
    const json = xsm("build", "policies/xen", "--format", "json");
    const sarif = xsm("build", "policies/xen", "--format", "sarif");
    expect([text.code, json.code, sarif.code]).toEqual([1, 1, 1]);
    golden("build", text.stderr);
    golden("build-json", json.stdout);
    const files = textFiles(text.stderr);
    expect(files.length).toBeGreaterThan(3);
    expect(jsonFiles(JSON.parse(json.stdout))).toEqual(files);
    expect(sarifFiles(JSON.parse(sarif.stdout))).toEqual(files);
    // each is a file there from where xsm ran, and the notes' messages name them so too
    for (const f of [...files, ...expansionFiles(text.stderr)]) expect(f.startsWith("policies/xen/") && existsSync(join(tmp, f)), f).toBe(true);
    expect(expansionFiles(jsonMessages(JSON.parse(json.stdout)))).toEqual(expansionFiles(text.stderr));
  });

  it("an absolute DIR: absolute names, in every format", () => {
    const dir = join(tmp, "policies/xen");
    const text = xsm("build", dir);
    const json = xsm("build", dir, "--format", "json");
    const files = textFiles(text.stderr);
    expect(files.every((f) => f.startsWith(`${dir}/`) && existsSync(f))).toBe(true);
    expect(jsonFiles(JSON.parse(json.stdout))).toEqual(files);
  });

  it("xsm check DIR and xsm lint DIR name them as xsm build does", () => {
    const build = textFiles(xsm("build", "policies/xen").stderr);
    const check = xsm("check", "policies/xen", "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:domU_t", "--class", "domain", "--perm", "getdomaininfo");
    expect(check.code).toBe(1);
    expect(textFiles(check.stderr)).toEqual(build);
    const checkJson = xsm("check", "policies/xen", "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:domU_t", "--class", "domain", "--perm", "getdomaininfo", "--format", "json");
    expect(jsonFiles(JSON.parse(checkJson.stdout))).toEqual(build);
    // lint of the unbroken example: its findings, if any, in the tree's files as reached from here
    copyFileSync(join(root, "examples/xen-flask/modules/nic_dev.te"), join(tmp, "policies/xen/modules/nic_dev.te"));
    try {
      const lint = xsm("lint", "policies/xen");
      const lintJson = xsm("lint", "policies/xen", "--format", "json");
      golden("lint", lint.stdout);
      expect(jsonFiles(JSON.parse(lintJson.stdout))).toEqual(textFiles(lint.stdout));
      for (const f of textFiles(lint.stdout)) expect(f.startsWith("policies/xen/"), f).toBe(true);
    } finally {
      copyFileSync(join(root, "test/fixtures/build/nic_dev-broken.te"), join(tmp, "policies/xen/modules/nic_dev.te"));
    }
  });
});
