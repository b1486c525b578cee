// Edges a first-time user walks into, one row each: the command line, its exit status and the
// message that says where and what; nothing written when the command fails (in particular, `-` is
// standard input or output wherever a file is named, never a file called "-"). Standard input is
// given by running the built CLI (bin/xsm.cjs, as bin.test.ts does); the rest run in-process.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-edges-"));
const at = (name: string) => join(tmp, name);
const small = "test/fixtures/cli/small.conf";
const svp = "examples/svp/svp.conf";
const bin = resolve("bin/xsm.cjs");

/** The built CLI in `cwd` with `input` on its standard input. */
function withStdin(input: string, argv: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8", input, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  mkdirSync(at("adir"));
  writeFileSync(at("no-domain.conf"), readFileSync(small, "utf8"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Row {
  argv: () => string[];
  code: number;
  /** Lines stderr must hold, each exactly. */
  stderr: string[];
  stdout?: string;
  /** Files that must not exist afterwards. */
  noFiles?: () => string[];
  /** Run the built CLI in the scratch directory with this on standard input (in-process, a
   *  command that reads it would wait for the test runner's). */
  stdin?: string;
}

const ROWS: Record<string, Row> = {
  "fmt --write -: standard input has no file to rewrite": {
    argv: () => ["fmt", "--write", "-"],
    stdin: "type  a_t;\n",
    code: 2,
    stderr: ["xsm: error: --write rewrites files, and standard input (-) is none: leave out --write to print its layout"],
    noFiles: () => [at("-")],
  },
  "fmt - -: standard input read twice": {
    argv: () => ["fmt", "-", "-"],
    stdin: "type a_t;\n",
    code: 2,
    stderr: ["xsm: error: standard input (-) is named more than once; it can be read only once"],
  },
  "scaffold --name '': the scenario's name may not be empty": {
    argv: () => ["scaffold", svp, "--name", ""],
    code: 2,
    stderr: ["xsm: error: option '--name <name>' argument '' is invalid. expected a name for the scenario, got an empty string."],
    stdout: "",
  },
  "scaffold of a policy without platform blocks writes no scenario (it would have no domain)": {
    argv: () => ["scaffold", at("no-domain.conf"), "-o", at("no-domain.json")],
    code: 1,
    stderr: [`xsm: error: ${at("no-domain.conf")}: no scenario written: it would have no domain (the policy declares no platform blocks); xsm init writes a policy with platform blocks to start from`],
    noFiles: () => [at("no-domain.json")],
  },
  "init --platforms with a keyword for a name (the policy would not parse)": {
    argv: () => ["init", at("kw.conf"), "--platforms", "svp,type"],
    code: 2,
    stderr: ["xsm: error: --platforms: 'type': type is a keyword of the policy language; a platform needs another name"],
    noFiles: () => [at("kw.conf")],
  },
  "init DIR: a directory is not the file to write, --force or not": {
    argv: () => ["init", at("adir"), "--force"],
    code: 1,
    stderr: [`xsm: error: cannot write ${at("adir")}: it is a directory; name the policy.conf to write`],
  },
  "flow -S -A: the two path analyses contradict": {
    argv: () => ["flow", small, "-s", "dom0_t", "-t", "nic_t", "-S", "-A", "3"],
    code: 2,
    stderr: ["xsm: error: -S (shortest paths) and -A (all paths) contradict: give one"],
    stdout: "",
  },
  "flow -w 11: out of range is a usage error, as -w abc and -l -1 are": {
    argv: () => ["flow", small, "-s", "dom0_t", "-w", "11"],
    code: 2,
    stderr: ["xsm: error: -w: the minimum weight is an integer 1-10, got '11'"],
  },
  "lint FILE -D: a tree's option with a file is refused, as the analysis commands refuse it": {
    argv: () => ["lint", small, "-D", "x=1", "--flask-dir", tmp],
    code: 1,
    stderr: [`xsm: error: ${small}: --flask-dir and -D/--define apply only to a policy tree (a directory), and this is a file`],
    stdout: "",
  },
  "lint --list --format sarif: SARIF is for findings": {
    argv: () => ["lint", "--list", "--format", "sarif"],
    code: 2,
    stderr: ["xsm: error: --list prints the checks as text or, with --format json, as JSON; SARIF is for findings"],
    stdout: "",
  },
};

describe("xsm at the edges", () => {
  for (const [name, row] of Object.entries(ROWS)) {
    it(name, async () => {
      const r = row.stdin !== undefined ? withStdin(row.stdin, row.argv()) : await xsm(...row.argv());
      const all = `${r.stdout}${r.stderr}`;
      expect(r.code, r.stderr).toBe(row.code);
      expect(all).not.toMatch(STACK_LINE);
      for (const want of row.stderr) expect(r.stderr.split("\n"), r.stderr).toContain(want);
      if (row.stdout !== undefined) expect(r.stdout).toBe(row.stdout);
      for (const f of row.noFiles?.() ?? []) expect(existsSync(f), `${f} was written`).toBe(false);
    });
  }

  it("lint --list --format json lists every code it reports, as JSON", async () => {
    const r = await xsm("lint", "--list", "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { code: string; severity: string; rationale: string }[];
    const text = await xsm("lint", "--list");
    expect(list.map((c) => c.code)).toEqual(text.stdout.split("\n").filter((l) => /^\S/.test(l)).map((l) => l.split(" ")[0]));
    for (const c of list) expect(["error", "warning"]).toContain(c.severity);
  });

  it("scaffold -o - writes the scenario to stdout, not to a file named '-'", async () => {
    const dir = at("scaffold-dash");
    mkdirSync(dir);
    const r = withStdin("", ["scaffold", resolve(svp), "-o", "-"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "svp", xsm: "flask" });
    expect(existsSync(join(dir, "-"))).toBe(false);
  });
});

describe("standard input is <stdin> in every command's diagnostics", () => {
  // a policy whose last line has a syntax error
  const broken = `${readFileSync(small, "utf8")}allow dom0_t xen_t:xen settime\n`;
  const where = "<stdin>:46:31: error: expected ';' in allow rule, found end of file";
  for (const argv of [["compile", "-"], ["lint", "-"], ["search", "-", "-A"], ["info", "-"], ["flow", "-", "-s", "dom0_t"], ["diff", "-", resolve(small)], ["why", "-", "/dev/null"]]) {
    it(`xsm ${argv.join(" ")}`, () => {
      const r = withStdin(broken, argv);
      expect(r.code, r.stderr).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`.split("\n")).toContain(where);
    });
  }

  it("fmt - names standard input in its errors and in --check's list", () => {
    const unclosed = withStdin("type a_t;\nif (b) {\n", ["fmt", "-"]);
    expect(unclosed.code).toBe(1);
    expect(unclosed.stderr.split("\n")).toContain("<stdin>:2:1: error: a '{' that is never closed (the file ends inside it)");
    const check = withStdin("type  a_t;\n", ["fmt", "--check", "-"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe("<stdin>\n");
  });
});
