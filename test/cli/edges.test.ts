// Edges a first-time user walks into, one row each: the command line, its exit status and the
// message that says where and what; nothing written when the command fails (in particular, `-` is
// standard input or output wherever a file is named, never a file called "-"). Standard input is
// given by running the built CLI (bin/xsm.cjs, as bin.test.ts does); the rest run in-process.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm, xsmBuilt } from "./run.js";
import { hasM4 } from "../tools.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-edges-"));
const at = (name: string) => join(tmp, name);
const small = "test/fixtures/cli/small.conf";
const svp = "examples/svp/svp.conf";
const bin = resolve("bin/xsm.cjs");

/** The built CLI in `cwd` with `input` on its standard input (a hang fails naming the command). */
function withStdin(input: string | Buffer, argv: string[], cwd = tmp) {
  return xsmBuilt(argv, { input, cwd });
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
  "studio -: standard input is no file the studio can serve (it said '-: no such file')": {
    argv: () => ["studio", "-", "--no-open"],
    code: 2,
    stderr: ["xsm: error: xsm studio serves files, and standard input (-) is none: name a policy.conf, a scenario, a policy tree or a directory"],
  },
  "build -: a policy tree cannot come from standard input (it said '-: no such directory')": {
    argv: () => ["build", "-"],
    code: 2,
    stderr: ["xsm: error: xsm build reads a policy tree, a directory, and standard input (-) is none: for one policy.conf on standard input, use xsm compile -"],
  },
  "check --queries -: an empty standard input names what was expected (it said 'expected a queries')": {
    argv: () => ["check", resolve(small), "--queries", "-"],
    stdin: "",
    code: 1,
    stderr: ["xsm: error: standard input is empty, expected a query list"],
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
  "init --platforms with an empty item (a platform gone missing) writes nothing": {
    argv: () => ["init", at("gap.conf"), "--platforms", "svp,,gvp1"],
    code: 2,
    stderr: ["xsm: error: option '--platforms <list>' argument 'svp,,gvp1' is invalid. item 2 of 3, at character 5, is empty (between two commas); expected a list such as svp,gvp1,gvp2,gvp3:gvp1."],
    noFiles: () => [at("gap.conf")],
  },
  "init DIR: a directory is not the file to write, --force or not": {
    argv: () => ["init", at("adir"), "--force"],
    code: 1,
    stderr: [`xsm: error: cannot write ${at("adir")}: it is a directory; name the policy.conf to write`],
  },
  "allow --module --json: JSON has no module to lay out (--module was dropped without a word)": {
    argv: () => ["allow", resolve(small), "/dev/null", "--module", "local", "--json"],
    code: 2,
    stderr: ["xsm: error: --json and --module contradict: give one"],
  },
  "simulate --compare --verbose: the table has no decisions to explain (--verbose was dropped without a word)": {
    argv: () => ["simulate", "examples/svp/jan-reassociate.json", "--compare", "--verbose"],
    code: 2,
    stderr: ["xsm: error: --verbose explains the trace's granted decisions, and --compare prints a table without decisions: give one (--compare --json has every reason)"],
  },
  "build --flask-dir MISSING: says the directory is missing, as xsm lsp does (it said 'no security_classes here')": {
    argv: () => ["build", "examples/xen-flask", "--flask-dir", at("no-flask")],
    code: 1,
    stderr: [`xsm: error: --flask-dir ${at("no-flask")}: no such directory; it names Xen's xen/xsm/flask/policy directory`],
  },
  "build --flask-dir EMPTY-DIR: a directory without Xen's class files": {
    argv: () => ["build", "examples/xen-flask", "--flask-dir", at("adir")],
    code: 1,
    stderr: [`xsm: error: --flask-dir ${at("adir")}: no security_classes in it; it names Xen's xen/xsm/flask/policy directory`],
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

  it("scaffold -: the scenario names a policy.conf that is not there yet, and a warning says so", () => {
    // it was named "<stdin>" and pointed at policy.conf without a word; simulate then found no file
    const r = withStdin(readFileSync(svp, "utf8"), ["scaffold", "-"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "scenario", policy: "policy.conf" });
    expect(r.stderr).toBe(`xsm: warning: the policy came from standard input, so the scenario's /policy names it "policy.conf": save the policy there, or change /policy\n`);
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

  it("fmt - --stdin-filepath PATH names PATH instead, and never reads or writes PATH", () => {
    // PATH may exist with other text (the editor's buffer is newer), or not at all
    const there = at("there.conf");
    writeFileSync(there, "type  other_t;\n");
    const r = withStdin("type  a_t;\n", ["fmt", "-", "--stdin-filepath", there]);
    expect(r).toEqual({ code: 0, stdout: "type a_t;\n", stderr: "" });
    expect(readFileSync(there, "utf8")).toBe("type  other_t;\n");
    const nowhere = at("no/such/dir/x.conf");
    const check = withStdin("type  a_t;\n", ["fmt", "--check", "-", "--stdin-filepath", nowhere]);
    expect(check).toEqual({ code: 1, stdout: `${nowhere}\n`, stderr: "1 file would be reformatted (run xsm fmt --write)\n" });
    expect(existsSync(at("no"))).toBe(false);
  });

  it("lint - --stdin-filepath PATH lints standard input, never PATH, with PATH's config unless --config names one", () => {
    const spare = readFileSync(resolve("test/fixtures/cli/lint-stdin/spare.in"), "utf8");
    const there = at("lintdir/x.conf");
    mkdirSync(at("lintdir"), { recursive: true });
    writeFileSync(there, "not a policy\n");
    writeFileSync(at("lintdir/.xsm-lint.json"), JSON.stringify({ severity: { "unused-type": "error", "initial-sid-order": "off" } }));
    const r = withStdin(spare, ["lint", "-", "--stdin-filepath", there]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${there}:7:6: error: type spare_t is covered by no TE rule, constraint or context\ntype spare_t;\n     ^~~~~~~\n1 error\n`);
    writeFileSync(at("quiet.json"), JSON.stringify({ severity: { "unused-type": "off", "initial-sid-order": "off" } }));
    expect(withStdin(spare, ["lint", "-", "--stdin-filepath", there, "--config", at("quiet.json")])).toEqual({ code: 0, stdout: "", stderr: "" });
    // a tree's options are refused naming PATH, the file standard input stands for
    expect(withStdin(spare, ["lint", "-", "--stdin-filepath", there, "-D", "a=b"]).stderr).toBe(`xsm: error: ${there}: -D/--define applies only to a policy tree (a directory), and this is a file\n`);
  });

  it("a JSON input on standard input that is not UTF-8, or too large, is <stdin> too (it was '-:' and 'standard input:')", () => {
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(withStdin(notUtf8, ["test", "-"]).stderr).toContain("<stdin>: not valid UTF-8 text (test files are UTF-8)\n");
    expect(withStdin(notUtf8, ["simulate", "-"]).stderr).toBe("xsm: error: <stdin>: not valid UTF-8 text (scenario files are UTF-8)\n");
    expect(withStdin(notUtf8, ["check", "--queries", "-", resolve(small)]).stderr).toBe("xsm: error: <stdin>: not valid UTF-8 text (query list files are UTF-8)\n");
    const huge = withStdin(Buffer.alloc(17 * 1024 * 1024, 0x20), ["simulate", "-"]);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toBe("xsm: error: <stdin>: too large (the limit for a scenario file is 16.0 MB)\n");
  });
});

describe("outputs: '-' only where it means stdout, one file per output, inputs kept", () => {
  const rows: Record<string, Row> = {
    "compile -o -: the binary goes to a file; '-' would be a file named '-'": {
      stdin: "",
      argv: () => ["compile", resolve(small), "-o", "-"],
      code: 2,
      stderr: ["xsm: error: -o -: cannot write the binary policy: -o takes a file name, not - (for standard output, name /dev/stdout)"],
      stdout: "",
      noFiles: () => [at("-")],
    },
    "build -o -: the same": {
      stdin: "",
      argv: () => ["build", resolve("examples/xen-flask"), "-o", "-"],
      code: 2,
      stderr: ["xsm: error: -o -: cannot write the binary policy: -o takes a file name, not - (for standard output, name /dev/stdout)"],
      noFiles: () => [at("-")],
    },
    "compile -o X --emit-matrix ./X: two outputs, one file": {
      argv: () => ["compile", small, "-o", at("both.bin"), "--emit-matrix", join(tmp, ".", "both.bin")],
      code: 2,
      stderr: [`xsm: error: --emit-matrix ${join(tmp, ".", "both.bin")}: cannot write the matrix: -o writes the binary policy to ${at("both.bin")}, the same file; give each output its own`],
      noFiles: () => [at("both.bin")],
    },
    "simulate --svg -: a file name, not '-'": {
      stdin: "",
      argv: () => ["simulate", resolve("examples/svp/nested-trust.json"), "--svg", "-"],
      code: 2,
      stderr: ["xsm: error: --svg -: cannot write the SVG picture: --svg takes a file name, not - (for standard output, name /dev/stdout)"],
      stdout: "",
      noFiles: () => [at("-")],
    },
    "studio --export -: a directory, not '-'": {
      stdin: "",
      argv: () => ["studio", resolve("examples/svp/nested-trust.json"), "--export", "-"],
      code: 2,
      stderr: ["xsm: error: --export -: cannot write the site: --export takes a directory, not - (a site is many files)"],
      noFiles: () => [at("-")],
    },
    "studio --export DIR in a directory that is not there: refused at once, as -o is (no mkdir -p)": {
      argv: () => ["studio", resolve("examples/svp/nested-trust.json"), "--export", at("no-parent/deeper/site")],
      code: 1,
      stderr: [`xsm: error: --export ${at("no-parent/deeper/site")}: cannot write the site: no directory '${at("no-parent/deeper")}'`],
      noFiles: () => [at("no-parent")],
    },
    "studio --export DIR under a file: refused, nothing made": {
      argv: () => {
        writeFileSync(at("plain-file"), "x");
        return ["studio", resolve("examples/svp/nested-trust.json"), "--export", at("plain-file/site")];
      },
      code: 1,
      stderr: [`xsm: error: --export ${at("plain-file/site")}: cannot write the site: '${at("plain-file")}' is not a directory`],
    },
    "studio --export DIR holding other files: refused, located at the option": {
      argv: () => {
        mkdirSync(at("not-a-site"), { recursive: true });
        writeFileSync(at("not-a-site/notes.txt"), "mine");
        return ["studio", resolve("examples/svp/nested-trust.json"), "--export", at("not-a-site")];
      },
      code: 1,
      stderr: [`xsm: error: --export ${at("not-a-site")}: cannot write the site: it holds 'notes.txt', which is not part of a studio site, and the export replaces the directory: give a new or empty directory (or an earlier export)`],
    },
    "studio --export DIR holding several other files: they are counted, the first three named": {
      argv: () => {
        mkdirSync(at("not-a-site-2"), { recursive: true });
        for (const n of ["a.txt", "b.txt", "c.txt", "d.txt"]) writeFileSync(at(`not-a-site-2/${n}`), "mine");
        return ["studio", resolve("examples/svp/nested-trust.json"), "--export", at("not-a-site-2")];
      },
      code: 1,
      stderr: [`xsm: error: --export ${at("not-a-site-2")}: cannot write the site: it holds 4 entries ('a.txt', 'b.txt', 'c.txt', ...), which are not part of a studio site, and the export replaces the directory: give a new or empty directory (or an earlier export)`],
    },
    "build -D '': not an m4 name": {
      argv: () => ["build", "examples/xen-flask", "-D", "=1"],
      code: 2,
      stderr: ["xsm: error: option '-D, --define <name[=value]>' argument '=1' is invalid. expected NAME or NAME=VALUE, NAME an m4 name (letters, digits, _; not a digit first)."],
    },
    "lsp --flask-dir /nonexistent: refused before the server starts (it was accepted silently)": {
      stdin: "",
      argv: () => ["lsp", "--flask-dir", "/nonexistent"],
      code: 1,
      stderr: ["xsm: error: --flask-dir /nonexistent: no such directory; it names Xen's xen/xsm/flask/policy directory"],
    },
    "lsp --flask-dir EMPTY-DIR: refused at start as xsm build refuses it (a directory was enough)": {
      stdin: "",
      argv: () => ["lsp", "--flask-dir", at("adir")],
      code: 1,
      stderr: [`xsm: error: --flask-dir ${at("adir")}: no security_classes in it; it names Xen's xen/xsm/flask/policy directory`],
    },
    "lsp --flask-dir FILE: not a directory": {
      stdin: "",
      argv: () => ["lsp", "--flask-dir", at("no-domain.conf")],
      code: 1,
      stderr: [`xsm: error: --flask-dir ${at("no-domain.conf")}: not a directory; it names Xen's xen/xsm/flask/policy directory`],
    },
    "studio --flask-dir EMPTY-DIR: refused at start, nothing exported (the tree was served and exported failing)": {
      argv: () => ["studio", resolve("examples/xen-flask"), "--flask-dir", at("adir"), "--export", at("flaskless-site")],
      code: 1,
      stderr: [`xsm: error: --flask-dir ${at("adir")}: no security_classes in it; it names Xen's xen/xsm/flask/policy directory`],
      noFiles: () => [at("flaskless-site")],
    },
    "lsp --debounce abc: a number of milliseconds": {
      stdin: "",
      argv: () => ["lsp", "--debounce", "abc"],
      code: 2,
      stderr: ["xsm: error: option '--debounce <ms>' argument 'abc' is invalid. expected a number of milliseconds, 0 to 60000."],
    },
  };
  for (const [name, row] of Object.entries(rows)) {
    it(name, async () => {
      const r = row.stdin !== undefined ? withStdin(row.stdin, row.argv()) : await xsm(...row.argv());
      expect(r.code, r.stderr).toBe(row.code);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK_LINE);
      for (const want of row.stderr) expect(r.stderr.split("\n"), r.stderr).toContain(want);
      if (row.stdout !== undefined) expect(r.stdout).toBe(row.stdout);
      for (const f of row.noFiles?.() ?? []) expect(existsSync(f), `${f} was written`).toBe(false);
    });
  }

  it("simulate --dot - draws to stdout, as --dot alone does", async () => {
    const dash = await xsm("simulate", "examples/svp/nested-trust.json", "--dot", "-");
    const bare = await xsm("simulate", "examples/svp/nested-trust.json", "--dot");
    expect(dash.code, dash.stderr).toBe(0);
    expect(dash.stdout).toMatch(/^digraph "nested-trust" \{/);
    expect(dash.stdout).toBe(bare.stdout);
    expect(existsSync("-")).toBe(false);
  });

  it("studio --export under /proc is one error, at once (node's recursive mkdir spins there)", async () => {
    if (!existsSync("/proc/self")) return;
    const r = spawnSync(process.execPath, [bin, "studio", "examples/svp/nested-trust.json", "--export", "/proc/xsm-export/site"], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, "still running after 20 s").toBe(1);
    expect(r.stderr).toMatch(/^xsm: error: --export \/proc\/xsm-export\/site: cannot write the site: /);
  });

  it("test --junit POLICY: the policy a test file names is an input, never replaced", async () => {
    const policy = at("junit-policy.conf");
    writeFileSync(policy, readFileSync(small, "utf8"));
    const tests = at("junit.tests.json");
    writeFileSync(tests, JSON.stringify({ policy: "junit-policy.conf", tests: [{ source: "dom0_t", target: "nic_t", class: "resource", perm: "plug", expect: "allowed" }] }));
    const r = await xsm("test", tests, "--junit", policy);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xsm: error: --junit ${policy}: cannot write the JUnit report: it is one of the files read, which writing it would lose; give another file\n`);
    expect(readFileSync(policy, "utf8")).toBe(readFileSync(small, "utf8"));
  });
});

describe("scenario messages", () => {
  const scenario = (edit: (s: { domains: unknown[]; steps: { sbdf?: string }[] }) => void) => {
    const s = JSON.parse(readFileSync("examples/svp/nested-trust.json", "utf8")) as { policy: string; domains: unknown[]; steps: { sbdf?: string }[] };
    s.policy = resolve("examples/svp", s.policy);
    edit(s);
    const file = at(`scenario-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(s));
    return file;
  };

  it("a bad PCI address gets one message, whichever check finds it (the schema's pattern or the device range)", async () => {
    const device20 = scenario((s) => (s.steps[0]!.sbdf = "0000:03:20.0"));
    const function8 = scenario((s) => (s.steps[0]!.sbdf = "0000:03:00.8"));
    expect((await xsm("simulate", device20)).stderr).toBe(`${device20}: /steps/0/sbdf: expected a PCI address as Xen reads it (parse_pci), SSSS:BB:DD.F or BB:DD.F (segment 0), hex, e.g. 0000:03:10.1 or 03:10.1; got "0000:03:20.0" (device 20 out of range (max 1f))\n`);
    expect((await xsm("simulate", function8)).stderr).toBe(`${function8}: /steps/0/sbdf: expected a PCI address as Xen reads it (parse_pci), SSSS:BB:DD.F or BB:DD.F (segment 0), hex, e.g. 0000:03:10.1 or 03:10.1; got "0000:03:00.8" (function 8 out of range (max 7))\n`);
  });

  it("an empty list or name is said in words, not as ajv's 'must NOT have fewer than 1 items'", async () => {
    const none = scenario((s) => (s.domains = []));
    const r = await xsm("simulate", none);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toContain(`${none}: /domains: expected at least 1 item; got []`);
  });
});

describe("help", () => {
  const commands = ["compile", "build", "check", "fmt", "lint", "lsp", "simulate", "init", "scaffold", "search", "info", "why", "allow", "flow", "diff", "test", "studio"];
  /** Each option's description as help prints it (wrapped lines joined). */
  async function options(command: string): Promise<Map<string, string>> {
    const help = (await xsm(command, "--help")).stdout;
    const out = new Map<string, string>();
    let last: string | undefined;
    for (const line of help.slice(help.indexOf("Options:")).split("\n").slice(1)) {
      const m = /^ {2}(-\S.*?)  +(\S.*)$/.exec(line);
      if (m) out.set((last = m[1]!.trim()), m[2]!);
      else if (last !== undefined && /^ {3,}\S/.test(line)) out.set(last, `${out.get(last)} ${line.trim()}`);
    }
    return out;
  }

  it("shows no empty-list or quoted-number defaults", async () => {
    for (const c of commands) {
      const help = (await xsm(c, "--help")).stdout;
      expect(help, c).not.toContain("(default: [])");
      expect(help, c).not.toMatch(/\(default: "\d+"\)/);
    }
  });

  it("describes a policy tree's options the same way in every command that takes a tree", async () => {
    const seen = new Map<string, string>();
    for (const c of ["build", "lint", "search", "info", "why", "allow", "flow", "diff", "test"]) {
      for (const [flags, text] of await options(c)) {
        const key = flags.replace(/^-D, /, "");
        if (key !== "--flask-dir <dir>" && key !== "--define <name[=value]>") continue;
        expect(text, `${c} ${flags}`).toBe(seen.get(key) ?? text);
        seen.set(key, text);
      }
    }
    expect(seen.size).toBe(2);
  });

  it("every argument that reads standard input says so: - is named in its help", async () => {
    // fmt's files and diff's NEW read - without their help saying so
    const reads: [string, string][] = [["compile", "policy"], ["check", "policy"], ["fmt", "files"], ["lint", "policy"], ["simulate", "scenario"], ["scaffold", "policy"], ["search", "policy"], ["info", "policy"], ["why", "policy"], ["allow", "policy"], ["flow", "policy"], ["diff", "old"], ["diff", "new"], ["test", "files"]];
    for (const [c, arg] of reads) {
      const help = (await xsm(c, "--help")).stdout;
      const section = help.slice(help.indexOf("Arguments:"), help.indexOf("Options:")).split("\n");
      const first = section.findIndex((l) => l.startsWith(`  ${arg} `));
      const rest = section.slice(first + 1);
      const end = rest.findIndex((l) => !/^ {3,}\S/.test(l));
      const text = [section[first], ...rest.slice(0, end)].join(" ").replace(/\s+/g, " ");
      expect(first, `${c} ${arg}`).toBeGreaterThan(0);
      expect(text, `${c} ${arg}`).toMatch(/- for standard input/);
    }
  });

  it("-M says what it does to each input the command reads: a policy.conf, a tree, a binary", async () => {
    // check reads all three as the analysis commands do; its -M said only "contexts carry levels"
    for (const c of ["check", "search", "info", "why", "allow", "flow", "diff", "test"]) {
      const mls = (await options(c)).get("-M, --mls");
      expect(mls, c).toContain("a policy.conf as checkpolicy -M reads it; a tree's MLS build (Makefile.common's CONFIG_MLS=y: -D enable_mls); a binary says so itself (and refuses -M when it is not MLS, as checkpolicy -b -M does)");
    }
    // compile reads no tree, lint no binary
    expect((await options("compile")).get("-M, --mls")).toMatch(/^an MLS policy: a policy\.conf as checkpolicy -M reads it .*; a binary says so itself \(and refuses -M when it is not MLS, as checkpolicy -b -M does\)$/);
    expect((await options("lint")).get("-M, --mls")).toBe("an MLS policy: a policy.conf as checkpolicy -M reads it; a tree's MLS build (Makefile.common's CONFIG_MLS=y: -D enable_mls)");
  });
});

describe("xsm build never writes over the tree it builds", () => {
  it.skipIf(!hasM4)("--conf or -o naming one of the tree's .te/.if files or modules.conf is refused, the file untouched (needs GNU m4)", async () => {
    const tree = at("tree-inputs");
    cpSync(resolve("examples/xen-flask"), tree, { recursive: true });
    for (const name of ["modules/dom0.te", "modules/xen.if", "modules/modules.conf", "policy/users", "modules/nomigrate.te"]) {
      const file = join(tree, name);
      const before = readFileSync(file);
      const r = await xsm("build", tree, "--conf", file);
      expect(r.code, name).toBe(1);
      expect(r.stderr).toContain(`--conf ${file}: cannot write the policy.conf: it is one of the files read, which writing it would lose; give another file`);
      expect(readFileSync(file).equals(before), name).toBe(true);
    }
    // the tree's own policy.conf is what Makefile.common writes there: allowed
    const r = await xsm("build", tree, "--conf", join(tree, "policy.conf"));
    expect(r.code, r.stderr).toBe(0);
  });
});

describe("a scenario on standard input is <stdin>, its paths relative to the working directory", () => {
  const text = (policy: string) => {
    const s = JSON.parse(readFileSync("examples/svp/nested-trust.json", "utf8")) as { policy: string };
    s.policy = policy;
    return JSON.stringify(s);
  };

  it("simulate -: errors name <stdin>, a missing policy says what it was relative to", () => {
    const r = withStdin(text("nope.conf"), ["simulate", "-"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`<stdin>: /policy: policy file "nope.conf" not found (looked for ${at("nope.conf")}; paths are relative to the working directory, as the scenario is on standard input)\n`);
    expect(withStdin("{\n", ["simulate", "-"]).stderr).toBe("<stdin>:2:1: not JSON: expected a property name in double quotes, found the end of the file\n");
  });

  it("simulate - --compare points at no sibling scenarios of the working directory", () => {
    writeFileSync(at("sibling.json"), "{}");
    const r = withStdin(text(resolve(svp)), ["simulate", "-", "--compare"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("npx xsm simulate - --strategy authority, the scenario on standard input again\n");
    expect(r.stdout).not.toContain("more scenarios in");
  });

  it("test -: a scenario on standard input is read once (it was read again, and found empty)", () => {
    const r = withStdin(readFileSync("examples/svp/nested-trust.json", "utf8"), ["test", "-"], resolve("examples/svp"));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("17 passed, 0 failed");
    const missing = withStdin(text("nope.conf"), ["test", "-"]);
    expect(missing.stderr.split("\n")).toContain(`<stdin>: /policy: policy file "nope.conf" not found (looked for ${at("nope.conf")}; paths are relative to the working directory, as the scenario is on standard input)`);
  });

  it("help says what a stdin scenario's paths resolve against", async () => {
    for (const c of ["simulate", "test"]) expect((await xsm(c, "--help")).stdout.replace(/\s+/g, " "), c).toContain("its relative policy paths then resolve against the working directory");
  });
});

describe("a single-valued option given twice with different values is a usage error (it kept the last)", () => {
  it("two different -o: refused, exit 2, nothing written", async () => {
    const r = await xsm("compile", small, "-o", at("first.bin"), "-o", at("second.bin"));
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toContain(`xsm: error: option '-o, --output <file>' given twice, '${at("first.bin")}' and '${at("second.bin")}': it takes one value; give it once`);
    expect(existsSync(at("first.bin")) || existsSync(at("second.bin"))).toBe(false);
  });
  it("the same value twice is accepted; repeatable options stay repeatable", async () => {
    expect((await xsm("compile", small, "-o", at("same.bin"), "--output", at("same.bin"))).code).toBe(0);
    const perms = await xsm("check", small, "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", "plug", "--perm", "unplug", "--bool", "guests_may_plug=1", "--bool", "guests_may_plug=true");
    expect(perms.code, perms.stderr).toBe(0);
    expect(perms.stdout).toContain("resource { plug unplug }");
    // a list in one --perm, as its help says, asks the same
    for (const list of ["plug,unplug", "{ plug unplug }"]) {
      const one = await xsm("check", small, "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", list, "--bool", "guests_may_plug=1", "--bool", "guests_may_plug=true");
      expect(one.stdout, list).toBe(perms.stdout);
    }
    expect((await xsm("check", "--help")).stdout.replace(/\s+/g, " ")).toContain("(repeatable, or a list as plug,unplug or '{ plug unplug }': each is decided and printed)");
    expect((await xsm("search", small, "-A", "-c", "resource", "-c", "xen")).code).toBe(0);
  });
  for (const argv of [
    ["search", small, "-A", "-s", "dom0_t", "-s", "guest_a_t"],
    ["flow", small, "-s", "dom0_t", "-w", "3", "-w", "4"],
    ["check", small, "--class", "resource", "--class", "xen"],
    ["simulate", "examples/svp/nested-trust.json", "--strategy", "refuse", "--strategy", "cascade"],
    ["simulate", "examples/svp/nested-trust.json", "--dot", "--dot", "x.dot"],
  ]) {
    it(argv.join(" "), async () => {
      const r = await xsm(...argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^xsm: error: option '.*' given twice, .*: it takes one value; give it once$/m);
      expect(r.stdout).toBe("");
    });
  }
});

describe("an empty option value is a usage error (exit 2) in every command, as --perm '' was", () => {
  const dom0 = "system_u:system_r:dom0_t";
  const nic = "system_u:object_r:nic_t";
  for (const [argv, want] of [
    [["check", small, "--scontext", dom0, "--tcontext", nic, "--class", "", "--perm", "plug"], "option '--class <class>' argument '' is invalid. expected a class, got an empty string."],
    [["check", small, "--scontext", "", "--tcontext", nic, "--class", "resource", "--perm", "plug"], "option '--scontext <context>' argument '' is invalid. expected a context, got an empty string."],
    [["check", small, "--scontext", dom0, "--tcontext", nic, "--class", "resource", "--perm", ""], "option '--perm <perm>' argument '' is invalid. expected a permission name."],
    [["compile", small, "-o", ""], "option '-o, --output <file>' argument '' is invalid. expected a file, got an empty string."],
    [["compile", small, "--emit-matrix", ""], "option '--emit-matrix <file>' argument '' is invalid. expected a file, got an empty string."],
    [["test", "examples/svp/nested-trust.json", "--flask-dir", ""], "option '--flask-dir <dir>' argument '' is invalid. expected a directory, got an empty string."],
    [["studio", "examples/svp/nested-trust.json", "--export", ""], "option '--export <dir>' argument '' is invalid. expected a directory, got an empty string."],
    [["lint", small, "--config", ""], "option '--config <file>' argument '' is invalid. expected a file, got an empty string."],
  ] as [string[], string][]) {
    it(argv.map((a) => (a === "" ? "''" : a)).join(" "), async () => {
      const r = await xsm(...argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split("\n")).toContain(`xsm: error: ${want}`);
      expect(r.stdout).toBe("");
    });
  }
});

describe("xsm test: an error inside a list is reported at its exact JSON path", () => {
  it("/tests/0/perm/1, not /tests/0/perm; an empty list says so; a non-list keeps the oneOf's words", async () => {
    const file = at("perm-list.tests.json");
    const t = (perm: unknown) => ({ source: "dom0_t", target: "nic_t", class: "resource", perm, expect: "allowed" });
    writeFileSync(file, JSON.stringify({ policy: resolve(small), tests: [t(["plug", 3]), t([]), t(["plug", ""]), t(3)] }));
    const r = await xsm("test", file);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").slice(0, 4)).toEqual([
      `${file}: /tests/0/perm/1: expected string; got 3`,
      `${file}: /tests/1/perm: expected at least 1 item`,
      `${file}: /tests/2/perm/1: expected a non-empty string`,
      `${file}: /tests/3/perm: expected a permission name, or a list of permission names (each must be as expected); got 3`,
    ]);
  });
});

describe("a scenario takes the PCI addresses the policy and the CLI take (BB:DD.F too), through the one parser", () => {
  it("short forms run as the long ones; a bad one has parseSbdf's words wherever it is", async () => {
    // (in the scratch directory, the policy named by its absolute path)
    const text = readFileSync("examples/svp/nested-trust.json", "utf8").replace('"policy": "svp.conf"', `"policy": ${JSON.stringify(resolve(svp))}`);
    const write = (name: string, body: string) => {
      writeFileSync(at(name), body);
      return at(name);
    };
    const short = write("short-sbdf.json", text.replaceAll('"0000:03:00.0"', '"3:0.0"').replaceAll('"0000:03:10.1"', '"03:10.1"'));
    const bad = write("short-sbdf-bad.json", text.replaceAll('"0000:03:10.1"', '"03:zz.1"'));
    try {
      const long = await xsm("simulate", "examples/svp/nested-trust.json", "--json");
      const r = await xsm("simulate", short, "--json");
      expect(r.code, r.stderr).toBe(0);
      const summary = (s: string) => (JSON.parse(s) as { summary: unknown }).summary;
      expect(summary(r.stdout)).toEqual(summary(long.stdout));
      const b = await xsm("simulate", bad);
      expect(b.code).toBe(1);
      expect(b.stderr.split("\n")).toContain(`${bad}: /steps/3/sbdf: expected a PCI address as Xen reads it (parse_pci), SSSS:BB:DD.F or BB:DD.F (segment 0), hex, e.g. 0000:03:10.1 or 03:10.1; got "03:zz.1" (device 'zz' is not hexadecimal)`);
    } finally {
      rmSync(short, { force: true });
      rmSync(bad, { force: true });
    }
  });

  it("a bad address where null is allowed too (an expected physfn) has the one message, not also the oneOf's 'one of the allowed forms'", async () => {
    const file = at("bad-physfn.json");
    const step = { as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0", expect: { devices: [{ sbdf: "03:00.0", physfn: "0:3:0" }] } };
    const domains = [{ name: "svp-hwdom", domid: 0, context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true }];
    writeFileSync(file, JSON.stringify({ name: "t", policy: resolve(svp), xsm: "flask", domains, steps: [step] }));
    const r = await xsm("simulate", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${file}: /steps/0/expect/devices/0/physfn: expected a PCI address as Xen reads it (parse_pci), SSSS:BB:DD.F or BB:DD.F (segment 0), hex, e.g. 0000:03:10.1 or 03:10.1; got "0:3:0" (expected '.' between device and function (SSSS:BB:DD.F))\n`);
  });
});

describe("xsm why and allow: bad avc lines located at their token, and counts that add up", () => {
  it("each bad line is LOG:LINE:COL; a malformed avc line counts as an avc line read (and one not understood)", async () => {
    const log = at("mixed.log");
    const avc = (perm: string, tclass = "resource", scontext = "system_u:system_r:dom0_t") =>
      `(XEN) avc:  denied  { ${perm} } for domid=0 scontext=${scontext} tcontext=system_u:system_r:dom0_t tclass=${tclass}`;
    writeFileSync(log, [avc("plug"), avc("frob"), "(XEN) not an avc line", avc("plug", "resource", "dom0_t"), "(XEN) avc:  denied  { plug for"].join("\n") + "\n");
    const located = [
      `${log}:2:23: class resource has no permission 'frob'`,
      `${log}:4:42: malformed avc line: scontext 'dom0_t' is not user:role:type`,
      `${log}:5:21: malformed avc line: no '}' closes the permission list`,
    ];
    const summary = ["xsm: 4 avc lines read, 1 other line skipped, 3 not understood", `xsm: error: ${log}: 3 lines could not be analysed (listed above)`];
    for (const command of ["why", "allow"]) {
      const r = await xsm(command, small, log);
      expect(r.code, command).toBe(1);
      expect(r.stderr.trimEnd().split("\n"), command).toEqual([...located, ...summary]);
      expect(r.stderr, command).not.toMatch(STACK_LINE);
    }
  });
});
