// Behaviour of `xsm compile` and `xsm check` beyond their exact wording (golden.test.ts has that):
// exit statuses, the matrix and decisions agreeing with checkpolicy's, booleans.
import { execFileSync, spawn } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const dir = "test/fixtures/cli";
const policy = `${dir}/small.conf`;
const oracle = (name: string) => readFileSync(join(dir, name), "utf8");

describe("xsm", () => {
  it("prints help and exits 0", async () => {
    const r = await xsm("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("compile");
    expect(r.stdout).toContain("check");
  });

  it("with no arguments prints usage to stderr and exits 2", async () => {
    const r = await xsm();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: xsm");
  });

  it.each([
    [["frobnicate"], "unknown command 'frobnicate'"],
    [["compile"], "missing required argument 'policy'"],
    [["compile", policy, "--bogus"], "unknown option '--bogus'"],
    [["check", policy, "--bool", "x"], "expected NAME=1, NAME=0, NAME=true or NAME=false"],
    [["check", policy, "--scontext", "a:b:c"], "missing --tcontext, --class, --perm"],
    [["check", policy, "--queries", "q.json", "--perm", "plug"], "cannot be combined"],
  ])("rejects usage errors %j with one line and a hint, exit 2", async (argv, message) => {
    const r = await xsm(...argv);
    expect(r.code).toBe(2);
    const [first, hint] = r.stderr.split("\n");
    expect(first).toContain(message);
    expect(first!.startsWith("xsm: error:")).toBe(true);
    expect(hint).toMatch(/^\(run 'npx xsm( \w+)? --help' for usage\)$/);
  });

  // usage errors a command raises itself (UsageError) get the hint where commander's do: at
  // main.ts's report, with the command run (the plain `compile FILE -o OUT` path included)
  it.each([
    [["fmt", "--check", "--write", policy], "--check and --write: give one", "fmt"],
    [["compile", policy, "--expand", "-o", "/dev/null"], "--expand and -o", "compile"],
    [["compile", policy, "-o", "-"], "takes a file name, not -", "compile"],
    [["diff", "-", "-"], "standard input (-) can be read only once", "diff"],
    [["search", policy, "-s", "a", "--scontext", "b", "--effective"], "give one", "search"],
  ])("a command's own usage error %j: one line and the command's hint, exit 2", async (argv, message, name) => {
    const r = await xsm(...argv);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toContain(message);
    expect(lines.slice(1)).toEqual([`(run 'npx xsm ${name} --help' for usage)`, ""]);
  });

  it("diff's trouble (exit 2, as diff(1)) is no usage error: no hint", async () => {
    const r = await xsm("diff", join(dir, "no-such.conf"), policy);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("--help");
  });

  it("raises every exit-2 error of a command as a UsageError (the hint is added in one place)", () => {
    const cli = "src/cli";
    const bare = readdirSync(cli).filter((f) => /CliError\([^;]*,\s*2\s*\)/.test(readFileSync(join(cli, f), "utf8")));
    expect(bare).toEqual([]);
  });

  // every command `xsm --help` lists, but those that run on nothing (the editor's server, a
  // starter file, the studio on the examples): info and lint, whose policy is optional for other
  // reasons, said "missing ..." with no hint
  const runsOnNothing = new Set(["lsp", "init", "studio", "help"]);
  it("refuses each command given nothing to read: one error line and the command's hint, exit 2", async () => {
    const help = (await xsm("--help")).stdout;
    const names = [...help.slice(help.indexOf("Commands:")).matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]!).filter((n) => !runsOnNothing.has(n));
    expect(names).toEqual(expect.arrayContaining(["compile", "info", "lint", "search", "flow"]));
    for (const name of names) {
      const r = await xsm(name);
      expect([r.code, r.stdout], name).toEqual([2, ""]);
      const lines = r.stderr.split("\n");
      expect(lines.length, `${name}: ${r.stderr}`).toBe(3);
      expect(lines[0], name).toMatch(/^xsm: error: (missing required argument '\w+'|required option .* not specified)$/);
      expect(lines[1]).toBe(`(run 'npx xsm ${name} --help' for usage)`);
    }
  });
});

describe("xsm compile", () => {
  it("summarises a policy and exits 0", async () => {
    const r = await xsm("compile", policy);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/types\s+7\b/);
    expect(r.stdout).toMatch(/classes\s+3\b/);
    expect(r.stdout).toMatch(/booleans\s+1\b/);
  });

  it("--emit-matrix - writes checkpolicy's matrix to stdout byte for byte", async () => {
    const r = await xsm("compile", policy, "--emit-matrix", "-");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(oracle("small.matrix.oracle.json"));
  });

  it("--emit-matrix FILE writes the same bytes to the file", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "xsm-")), "m.json");
    const r = await xsm("compile", policy, "--emit-matrix", out);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(oracle("small.matrix.oracle.json"));
  });

  it("writes -o into a FIFO (or a device such as /dev/null) in place instead of renaming a file over it", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "xsm-"));
    const fifo = join(tmp, "out.fifo");
    execFileSync("mkfifo", [fifo]);
    // a reader for the FIFO (a write to a FIFO waits for one)
    const reader = spawn("cat", [fifo]);
    const chunks: Buffer[] = [];
    reader.stdout.on("data", (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => reader.on("close", resolve));
    const r = await xsm("compile", policy, "-o", fifo);
    const stillFifo = lstatSync(fifo).isFIFO();
    if (!stillFifo) reader.kill(); // (renamed over: nothing will ever open it for writing)
    await done;
    expect(r.code).toBe(0);
    expect(stillFifo).toBe(true);
    expect((await xsm("compile", policy, "-o", join(tmp, "file.bin"))).code).toBe(0);
    expect(Buffer.concat(chunks)).toEqual(readFileSync(join(tmp, "file.bin")));
    expect(readdirSync(tmp).sort()).toEqual(["file.bin", "out.fifo"]);
  });

  it("reports an unwritable matrix file without a stack trace", async () => {
    const r = await xsm("compile", policy, "--emit-matrix", "/nonexistent/dir/m.json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--emit-matrix /nonexistent/dir/m.json: cannot write the matrix");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("rejects a neverallow violation, naming the neverallow's line and the granting rule", async () => {
    const r = await xsm("compile", `${dir}/neverallow.conf`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}/neverallow.conf:33:`);
    expect(r.stderr).toContain(`${dir}/neverallow.conf:34:`);
    expect(r.stderr).toContain("guest_b_t");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});

describe("xsm check", () => {
  const q = ["--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource"];

  it("explains an allowed access with the granting rule's file:line", async () => {
    const r = await xsm("check", policy, ...q, "--perm", "plug");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("allowed, not audited");
    expect(r.stdout).toContain(`granted by ${policy}:26:`);
  });

  it("--json prints oracle-decide's answer fields and the reasons", async () => {
    const r = await xsm("check", policy, ...q, "--perm", "unplug", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ allowed: true, audited: true });
    expect(doc.reasons.map((x: { kind: string }) => x.kind)).toEqual(["granted-by", "auditallow"]);
    expect(doc.reasons[0].rule).toMatchObject({ file: policy, line: 26 });
  });

  it("--queries --json prints exactly what oracle-decide prints", async () => {
    const r = await xsm("check", policy, "--queries", `${dir}/queries.json`, "--json");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(oracle("queries.oracle.json"));
  });

  it("--bool overrides a boolean as oracle-decide --bool does", async () => {
    const r = await xsm("check", policy, "--queries", `${dir}/queries.json`, "--json", "--bool", "guests_may_plug=true");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(oracle("queries.bool.oracle.json"));
  });

  it("an invalid context is an error, exit 1", async () => {
    const r = await xsm("check", policy, ...q.slice(2), "--scontext", "nobody_u:system_r:dom0_t", "--perm", "plug");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown user 'nobody_u'");
    expect(r.stdout).toBe("");
  });

  it("an unknown boolean is an error naming the declared ones, exit 1", async () => {
    const r = await xsm("check", policy, ...q, "--perm", "plug", "--bool", "nope=true");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown boolean 'nope'");
    expect(r.stderr).toContain("guests_may_plug");
  });

  it.each([
    ["not JSON", "{", "invalid JSON"],
    ["not a list", '{"a":1}', '/: expected a JSON list of queries [{"scontext", "tcontext", "tclass", "perm"}, ...]; got {"a":1}'],
    ["a query without perm", '[{"scontext":"a","tcontext":"b","tclass":"c"}]', '/0/perm: missing; a query is {"scontext", "tcontext", "tclass", "perm"}'],
    ["a query with perms for perm", '[{"scontext":"a","tcontext":"b","tclass":"c","perms":["d"]}]', '/0/perm: missing (the query has "perms": a typo for "perm"?)'],
    ["a number for a context", '[{"scontext":5,"tcontext":"b","tclass":"c","perm":"d"}]', "/0/scontext: expected a string; got 5"],
  ])("a queries file that is %s is an error, exit 1", async (_what, content, message) => {
    const file = join(mkdtempSync(join(tmpdir(), "xsm-")), "q.json");
    writeFileSync(file, content);
    const r = await xsm("check", policy, "--queries", file, "--json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
