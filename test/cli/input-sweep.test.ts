// Every command on the inputs a policy author gets wrong: a missing file, a directory where a file
// goes (and a file where a directory goes), an empty file, a file that is not UTF-8 text or holds a
// NUL byte, CRLF line ends, an unknown or a repeated option, --json with an input that fails. Each
// is one clear error (where and what), a non-zero exit, never a stack trace; the text of every case
// is pinned per command in test/fixtures/cli/sweep/golden/ (the scratch directory shown as <tmp>).
// A policy with CR LF line ends is refused as checkpolicy refuses it ('unrecognized character' at
// the first CR, its line and column), a JSON file or log with them reads as with LF.
// After an intended change of output: UPDATE_GOLDEN=1 npx vitest run test/cli/input-sweep.test.ts
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm, xsmBuilt } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-sweep-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => join(tmp, name);
const SMALL = readFileSync("test/fixtures/cli/small.conf", "utf8");
const AVC = "avc: denied { settime } for domid=0 scontext=system_u:system_r:guest_a_t tcontext=system_u:system_r:xen_t tclass=xen";

beforeAll(() => {
  mkdirSync(at("adir"));
  writeFileSync(at("small.conf"), SMALL);
  writeFileSync(at("empty.conf"), "");
  writeFileSync(at("empty.json"), "");
  writeFileSync(at("empty.log"), "");
  // the policy whole, but for one byte: the byte is its one error
  writeFileSync(at("badutf8.conf"), Buffer.concat([Buffer.from(SMALL.replace("type xen_t;", "type xen_t\u0000;").split("\u0000")[0]!), Buffer.from([0xff]), Buffer.from(SMALL.slice(SMALL.indexOf("type xen_t") + "type xen_t".length))]));
  writeFileSync(at("nul.conf"), SMALL.replace("type xen_t;", "type xen_t\0;"));
  writeFileSync(at("crlf.conf"), SMALL.replace(/\n/g, "\r\n"));
  writeFileSync(at("badutf8.json"), Buffer.from('[{"scontext": "a"}]\xff\n', "latin1"));
  writeFileSync(at("nul.json"), '{"a": 1}\0\n');
  // a query list with CR LF ends and a wrong value: located as with LF
  writeFileSync(at("crlf.json"), '[\r\n  {"scontext": "system_u:system_r:dom0_t", "tcontext": "system_u:system_r:dom0_t",\r\n   "tclass": "domain", "perm": 7}\r\n]\r\n');
  writeFileSync(at("a.log"), `${AVC}\n`);
  writeFileSync(at("crlf.log"), `${AVC}\r\n`);
});

/** The inputs a policy is read from, each wrong in one way. */
const POLICIES = ["missing.conf", "adir", "empty.conf", "badutf8.conf", "nul.conf", "crlf.conf"];
const JSONS = ["missing.json", "adir", "empty.json", "badutf8.json", "nul.json"];
const t = (name: string) => `<tmp>/${name}`;

/** Each command's cases: its arguments, with <tmp>/NAME for the scratch files. */
const CASES: Record<string, string[][]> = {
  compile: [...POLICIES.map((p) => ["compile", t(p)]), ["compile", t("small.conf"), "--frob"], ["compile", t("small.conf"), "-o", t("a.bin"), "-o", t("b.bin")], ["compile", t("crlf.conf"), "--format", "json"]],
  check: [
    ...POLICIES.map((p) => ["check", t(p), "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:system_r:xen_t", "--class", "xen", "--perm", "settime"]),
    ...[...JSONS, "crlf.json"].map((q) => ["check", t("small.conf"), "--queries", t(q), "--json"]),
    ["check", t("small.conf"), "--queries", t("a.json"), "--queries", t("b.json"), "--json"],
    ["check", t("small.conf"), "--frob"],
    ["check", t("crlf.conf"), "--queries", t("crlf.json"), "--json"],
  ],
  fmt: [...POLICIES.map((p) => ["fmt", t(p)]), ["fmt", t("small.conf"), "--frob"], ["fmt", t("small.conf"), "--check", "--write"]],
  lint: [
    ...POLICIES.map((p) => ["lint", t(p)]),
    ...JSONS.map((c) => ["lint", t("small.conf"), "--config", t(c)]),
    ["lint", t("small.conf"), "--frob"],
    ["lint", t("small.conf"), "--format", "json", "--format", "text"],
    ["lint", t("crlf.conf"), "--format", "json"],
  ],
  scaffold: [...POLICIES.map((p) => ["scaffold", t(p)]), ["scaffold", t("small.conf"), "--frob"]],
  search: [...POLICIES.map((p) => ["search", t(p), "-A"]), ["search", t("small.conf"), "-A", "--frob"], ["search", t("small.conf"), "-A", "-s", "dom0_t", "-s", "xen_t"], ["search", t("crlf.conf"), "-A", "--json"]],
  info: [...POLICIES.map((p) => ["info", t(p)]), ["info", t("small.conf"), "--frob"], ["info", t("crlf.conf"), "--json"]],
  why: [
    ...POLICIES.map((p) => ["why", t(p), t("a.log")]),
    ...["missing.log", "adir", "empty.log"].map((l) => ["why", t("small.conf"), t(l)]),
    ["why", t("small.conf"), t("a.log"), "--frob"],
    ["why", t("crlf.conf"), t("a.log"), "--json"],
  ],
  allow: [...POLICIES.map((p) => ["allow", t(p), t("a.log")]), ...["missing.log", "adir", "empty.log"].map((l) => ["allow", t("small.conf"), t(l)]), ["allow", t("crlf.conf"), t("a.log"), "--json"]],
  flow: [...POLICIES.map((p) => ["flow", t(p), "-s", "dom0_t"]), ["flow", t("small.conf"), "-s", "dom0_t", "-s", "xen_t"], ["flow", t("crlf.conf"), "-s", "dom0_t", "--json"]],
  diff: [...POLICIES.map((p) => ["diff", t(p), t("small.conf")]), ["diff", t("small.conf"), t("crlf.conf"), "--json"], ["diff", t("small.conf"), t("small.conf"), "--frob"]],
  simulate: [...JSONS.map((s) => ["simulate", t(s)]), ["simulate", t("small.conf")], ["simulate", t("empty.json"), "--json"], ["simulate", t("missing.json"), "--strategy", "upstream", "--strategy", "cascade"]],
  test: [...JSONS.map((s) => ["test", t(s)]), ["test", t("empty.json"), "--json"], ["test", t("empty.json"), "--frob"]],
  build: [["build", t("small.conf")], ["build", t("missing")], ["build", t("adir")], ["build", t("adir"), "--frob"]],
  init: [["init", t("adir")], ["init", t("small.conf")], ["init", t("new.conf"), "--frob"]],
  studio: [...[...POLICIES.filter((p) => p !== "badutf8.conf" && p !== "crlf.conf"), ...JSONS.filter((s) => s !== "adir")].map((f) => ["studio", t(f), "--export", t("site")]), ["studio", "--frob"], ["studio", "--port", "1", "--port", "2"]],
  lsp: [["lsp", "--frob"]],
};

/** Lines that head an error: `xsm: error: ...`, a located `FILE:L:C: error: ...`, or one of xsm
 *  test's problem lines (`FILE: ...`, the file's problems before its summary). */
const ERROR_HEAD = /^(xsm: error: |\S+:\d+:\d+: error: |<tmp>\/\S+: )/;

/** How many errors a run reported: with --format json, the error diagnostics of its document;
 *  else the error lines (xsm lint writes its findings on standard output). */
function errorCount(argv: string[], stdout: string, stderr: string): number {
  const i = argv.indexOf("--format");
  if (i >= 0 && argv[i + 1] === "json" && !argv.slice(i + 2).includes("--format")) {
    return (JSON.parse(stdout) as { diagnostics: { severity: string }[] }).diagnostics.filter((d) => d.severity === "error").length;
  }
  return `${stdout}\n${stderr}`.split("\n").filter((l) => ERROR_HEAD.test(l)).length;
}

describe("no input surprises the CLI", () => {
  for (const [command, cases] of Object.entries(CASES)) {
    it(`xsm ${command}`, async () => {
      const transcript: string[] = [];
      for (const argv of cases) {
        const r = await xsm(...argv.map((a) => a.replace("<tmp>", tmp)));
        const shown = (s: string) => s.split(tmp).join("<tmp>");
        const stderr = shown(r.stderr);
        const what = `xsm ${argv.join(" ")}`;
        expect(r.code, `${what}\n${stderr}`).not.toBe(0);
        expect(stderr, what).not.toMatch(STACK_LINE);
        expect(stderr, what).not.toContain("internal error");
        // one error: a diagnostic may show its source line and caret, and xsm test sums up
        expect(errorCount(argv, shown(r.stdout), stderr), `${what}\n${stderr}`).toBe(1);
        transcript.push(`$ ${what}\nexit ${r.code}\n${r.stdout ? `--- stdout\n${shown(r.stdout)}` : ""}--- stderr\n${stderr}`);
      }
      const file = join("test/fixtures/cli/sweep/golden", `${command}.txt`);
      const actual = transcript.join("\n");
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
      if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/input-sweep.test.ts`);
      expect(actual).toBe(readFileSync(file, "utf8"));
    });
  }

  it("standard input (-) is <stdin> in every message about a JSON file read there", () => {
    const policy = "test/fixtures/cli/small.conf";
    const cases: [string, string][] = [
      ['[{"scontext": "a",\n  "scontext": "b"}]', 'xsm: error: <stdin>:2:3: /0/scontext: repeated key "scontext" (first at 1:3): JSON keeps only the last value, so give each key once\n'],
      ["[", "xsm: error: <stdin>:1:2: invalid JSON: expected a value, found the end of the file\n"],
      ["[{}]", 'xsm: error: <stdin>: /0/scontext: missing; a query is {"scontext", "tcontext", "tclass", "perm"}\n'],
    ];
    for (const [input, stderr] of cases) {
      expect(xsmBuilt(["check", policy, "--queries", "-", "--json"], { input })).toEqual({ code: 1, stdout: "", stderr });
    }
  });

  it("a log with CR LF line ends is explained as with LF", async () => {
    const lf = await xsm("why", at("small.conf"), at("a.log"));
    const crlf = await xsm("why", at("small.conf"), at("crlf.log"));
    expect(crlf.code).toBe(lf.code);
    expect(crlf.stdout.split("crlf.log").join("a.log")).toBe(lf.stdout);
  });
});
