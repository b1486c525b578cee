// `xsm studio FILE` on a file that is no policy or scenario: refused at start as the other
// commands refuse it (`xsm: error: FILE: ...`, at its line and column or JSON path when it has
// one, exit 1, no stack trace), before anything is served. A policy or scenario with mistakes
// opens, its errors shown in the page. Each runs with --export, so one that is not refused
// writes a site and returns instead of serving.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-studio-input-"));
const at = (name: string) => join(tmp, name);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function studio(file: string) {
  const site = at(`site-${file.replace(/\W/g, "-")}`);
  const r = await xsm("studio", at(file), "--export", site);
  return { ...r, exported: existsSync(join(site, "files.json")) };
}

async function expectRefused(file: string, message: string): Promise<void> {
  const r = await studio(file);
  expect(r).toMatchObject({ code: 1, stdout: "", stderr: `xsm: error: ${message}\n`, exported: false });
  expect(r.stderr).not.toMatch(STACK_LINE);
}

describe("xsm studio FILE that is no policy or scenario", () => {
  beforeAll(async () => {
    writeFileSync(at("empty.conf"), "");
    writeFileSync(at("empty.json"), "");
    // (bytes as from /dev/urandom: a NUL among them)
    writeFileSync(at("garbage.conf"), Buffer.from([0x54, 0xc3, 0x28, 0x9f, 0xff, 0x00, 0x41, 0x0a]));
    expect((await xsm("compile", "examples/svp/svp.conf", "-o", at("policy.bin"))).code).toBe(0);
    writeFileSync(at("object.json"), '{"name": "not a scenario"}');
    writeFileSync(at("array.json"), "[1, 2]");
    writeFileSync(at("steps.json"), '{"domains": [], "steps": 3}');
    writeFileSync(at("broken.json"), '{\n  "steps": [\n');
  });

  it("an empty file: 'file is empty', as xsm compile and xsm simulate say it", async () => {
    await expectRefused("empty.conf", `${at("empty.conf")}: file is empty, expected a policy file`);
    await expectRefused("empty.json", `${at("empty.json")}: file is empty, expected a scenario file`);
  });

  it("garbage bytes with a NUL: a binary file, at the NUL's offset", async () => {
    await expectRefused("garbage.conf", `${at("garbage.conf")}: binary file (NUL byte at offset 5), expected policy text`);
  });

  it("a binary policy opens, as xsm why and xsm search read one: its bytes for the page, never written", async () => {
    const r = await studio("policy.bin");
    expect([r.code, r.stderr, r.exported]).toEqual([0, "", true]);
    const manifest = JSON.parse(readFileSync(join(at("site-policy-bin"), "files.json"), "utf8"));
    expect(manifest.files).toEqual([{ name: "policy.bin", kind: "policy", url: "files/0/policy.bin", binary: true }]);
    expect(manifest.open).toEqual({ policy: "policy.bin" });
    expect(readFileSync(join(at("site-policy-bin"), "files/0/policy.bin"))).toEqual(readFileSync(at("policy.bin")));
  });

  it("a binary policy the page could not load: the reader's error at its offset, exit 1, nothing exported", async () => {
    writeFileSync(at("cut.bin"), readFileSync(at("policy.bin")).subarray(0, 300));
    const r = await studio("cut.bin");
    expect(r).toMatchObject({ code: 1, stdout: "", exported: false });
    expect(r.stderr).toMatch(new RegExp(`^${at("cut.bin").replace(/[.\\/]/g, "\\$&")}: offset \\d+ \\(0x[0-9a-f]+\\): error: truncated .*\n1 error\n$`));
    expect(existsSync(at("site-cut-bin")), "no site, not even in part").toBe(false);
  });

  it("JSON that is no scenario: the JSON path that says so", async () => {
    const not = 'not a scenario (a JSON object with "domains" and "steps")';
    await expectRefused("object.json", `${at("object.json")}: /steps: missing: ${not}`);
    await expectRefused("array.json", `${at("array.json")}: /: expected an object; got [1,2]: ${not}`);
    await expectRefused("steps.json", `${at("steps.json")}: /steps: expected an array; got 3: ${not}`);
  });

  it("JSON that does not parse: its line and column", async () => {
    await expectRefused("broken.json", `${at("broken.json")}:3:1: invalid JSON: expected a value, found the end of the file`);
  });

  it("a policy or scenario with mistakes opens, to be fixed in the page", async () => {
    // (a Latin-1 byte and a statement the parser refuses: xsm compile reports it at 2:1)
    writeFileSync(at("latin1.conf"), Buffer.concat([Buffer.from("# caf"), Buffer.of(0xe9), Buffer.from("\nnot a statement\n")]));
    writeFileSync(at("mistakes.json"), JSON.stringify({ domains: [], steps: [{ op: "nope" }] }));
    for (const file of ["latin1.conf", "mistakes.json"]) {
      const r = await studio(file);
      expect([r.code, r.stderr, r.exported]).toEqual([0, "", true]);
    }
    expect(readFileSync(at("latin1.conf"))[5]).toBe(0xe9);
  });
});
