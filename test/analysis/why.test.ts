// xsm why / xsm allow against audit2why / audit2allow: each case of test/fixtures/analysis/why.json
// is a generated Xen log for one policy and the tools' stdout on checkpolicy's binary of it
// (scripts/gen-analysis-fixtures.ts). Lines the tools cannot analyse (unknown type or permission)
// they drop; we report them on stderr with their line number and exit 1.
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";
import { MAX_LOG_LINE } from "../../src/cli/avclog.js";

interface Fixture {
  policy: string;
  log: string;
  audit2why: string;
  audit2allow: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/why.json", "utf8")) as Fixture[];
const dir = mkdtempSync(join(tmpdir(), "xsm-why-"));

function logFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("xsm why --plain = audit2why -p, xsm allow = audit2allow -p", () => {
  it("the fixtures cover every cause", () => {
    const all = fixtures.map((f) => f.audit2why).join("");
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    for (const text of ["Missing type enforcement (TE) allow rule.", "was set incorrectly", "#Constraint rule:", "Unknown - would be allowed by active policy", "Missing role allow rule."]) expect(all).toContain(text);
    // the role cause alone in one log, and beside the TE, boolean and constraint causes in another
    const causes = (f: Fixture) => ["Missing role allow rule.", "Missing type enforcement (TE) allow rule.", "was set incorrectly", "#Constraint rule:"].filter((t) => f.audit2why.includes(t));
    expect(fixtures.some((f) => causes(f).join() === "Missing role allow rule.")).toBe(true);
    expect(fixtures.some((f) => causes(f).length === 4)).toBe(true);
  });
  fixtures.forEach((f, i) => {
    it(`${f.policy}`, async () => {
      const log = logFile(`log-${i}.txt`, f.log);
      const why = await xsm("why", f.policy, log, "--plain");
      expect(why.stdout).toBe(f.audit2why);
      // every generated log but the role-only one ends with two lines naming what the policy lacks
      expect(why.code).toBe(f.log.includes("nosuch") ? 1 : 0);
      expect(why.stderr).not.toMatch(STACK_LINE);
      const allow = await xsm("allow", f.policy, log);
      expect(allow.stdout).toBe(f.audit2allow);
    });
  });
});

describe("xsm why on a policy with role attributes", () => {
  it("lists a constraint's roles in audit2why's order: role attributes size the role table too", async () => {
    const f = "test/fixtures/analysis/why-roleattr";
    const why = await xsm("why", `${f}.conf`, `${f}.log`, "--plain");
    expect(why.stdout).toBe(readFileSync(`${f}.audit2why.txt`, "utf8"));
    expect(why.stdout).toContain("(r1 == { sys guest net svp stub usb gpu hw disk io } -Fail-)");
  });
});

const small = "test/fixtures/cli/small.conf";
const denial = (perm: string, s: string, t: string, cls: string) => `(XEN) avc:  denied  { ${perm} } for domid=1 scontext=${s} tcontext=${t} tclass=${cls}\n`;

describe("xsm why: our explanation, JSON, bad logs", () => {
  it("names the rule in the branch that is off and the boolean that turns it on", async () => {
    const log = logFile("bool.log", denial("plug", "system_u:system_r:dom0_t", "system_u:object_r:nic_t", "resource") + denial("plug", "vm_u:vm_r:guest_a_t", "system_u:object_r:nic_t", "resource"));
    const r = await xsm("why", small, log, "--json");
    const [a, b] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(a).toMatchObject({ line: 1, cause: "allowed" });
    // the branch is off, and turning it on still fails the constraint: audit2why says te-rule
    expect(b).toMatchObject({ line: 2, cause: "te-rule" });
    expect(b.rules[0]).toMatchObject({ at: "test/fixtures/cli/small.conf:31", enabled: false, condition: "guests_may_plug" });
    const text = await xsm("why", small, log);
    expect(text.stdout).toContain("\txsm: would be granted by test/fixtures/cli/small.conf:31 if guests_may_plug: allow guest_type nic_t:resource plug;\n");
  });
  it("an empty log and a log without avc lines are errors", async () => {
    const empty = await xsm("why", small, logFile("empty.log", ""));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/the log is empty/);
    const none = await xsm("allow", small, logFile("none.log", "(XEN) hello\n(XEN) world\n"));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no avc line in 2 lines/);
  });
  it("a line past 1 MB ends the read at its number, for /dev/zero too: a bounded error, not node's RangeError", async () => {
    const long = logFile("long.log", `(XEN) hello\r\n(XEN) a\rb\n${"x".repeat(MAX_LOG_LINE + 1)}\n`);
    for (const command of ["why", "allow"]) {
      const r = await xsm(command, small, long);
      expect(r).toEqual({ code: 1, stdout: "", stderr: `xsm: error: ${long}:4: a line longer than 1048576 characters: not a log of Xen's console lines\n` });
    }
    // exactly the limit is a line like any other
    const atLimit = await xsm("why", small, logFile("limit.log", `${"x".repeat(MAX_LOG_LINE)}\n`));
    expect(atLimit.stderr).toMatch(/no avc line in 1 line/);
    if (existsSync("/dev/zero")) {
      const zero = await xsm("why", small, "/dev/zero");
      expect(zero.stderr).toBe("xsm: error: /dev/zero:1: a line longer than 1048576 characters: not a log of Xen's console lines\n");
    }
  });
  it.skipIf(process.platform === "win32")("a log that cannot be opened says why, not 'no such file'", async () => {
    const loop = join(dir, "loop.log");
    symlinkSync(loop, loop);
    const r = await xsm("why", small, loop);
    expect(r).toEqual({ code: 1, stdout: "", stderr: `xsm: error: ${loop}: too many levels of symbolic links\n` });
  });
  it("a malformed line and an unknown name are reported with their line number and a suggestion", async () => {
    const log = logFile("bad.log", "(XEN) avc:  denied  { plug for scontext=a tcontext=b tclass=c\n" + denial("plug", "system_u:system_r:dom0", "system_u:object_r:nic_t", "resource"));
    const r = await xsm("why", small, log);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bad.log:1:21: malformed avc line: no '}' closes the permission list\n");
    expect(r.stderr).toContain("bad.log:2:42: scontext system_u:system_r:dom0: unknown type 'dom0' (did you mean 'dom0_t'?)\n");
  });
  it("each bad line is located file:line:col at its offending token, in why, allow and --json", async () => {
    // tabs and runs of blanks between tokens, as `xl dmesg` captures have: columns count characters
    const lines = [
      "(XEN) avc:  denied  { plug plg } for domid=1 scontext=system_u:system_r:dom0_t tcontext=system_u:object_r:nic_t tclass=resource",
      "(XEN)\tavc:  denied  { plug } for domid=1 scontext=system_u:system_r:dom0_t\ttcontext=system_u:object_r:nic tclass=resource",
      "(XEN) avc:  denied  { plug } for domid=1 scontext=system_u:system_r:dom0_t tcontext=system_u:object_r:nic_t tclass=resourc",
      "(XEN) avc:  denied  { plug } for domid=1 scontext=system_u tcontext=system_u:object_r:nic_t tclass=resource",
      "(XEN) avc:  denied  { plug } for domid=1 scontext=system_u:system_r:dom0_t tcontext=system_u:object_r:nic_t",
      "(XEN) avc:  denied  {",
    ];
    const log = logFile("cols.log", lines.join("\n") + "\n");
    const want = [
      `cols.log:1:${lines[0]!.indexOf("plg") + 1}: class resource has no permission 'plg' (did you mean 'plug'?)`,
      `cols.log:2:${lines[1]!.indexOf("tcontext=") + 1}: tcontext system_u:object_r:nic: unknown type 'nic' (did you mean 'nic_t'?)`,
      `cols.log:3:${lines[2]!.indexOf("tclass=") + 1}: unknown class 'resourc' (did you mean 'resource'?)`,
      `cols.log:4:${lines[3]!.indexOf("scontext=") + 1}: malformed avc line: scontext 'system_u' is not user:role:type`,
      `cols.log:5:${lines[4]!.length + 1}: malformed avc line: avc line without tclass=`,
      `cols.log:6:${lines[5]!.indexOf("{") + 1}: malformed avc line: '{' ends the line: no permissions`,
    ];
    for (const cmd of ["why", "allow"]) {
      const r = await xsm(cmd, small, log);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n").filter((l) => l.startsWith(log)).map((l) => l.slice(log.length - "cols.log".length))).toEqual(want);
    }
    const json = (await xsm("why", small, log, "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(json.map((j) => [j.line, j.column])).toEqual(want.map((w) => w.split(":").slice(1, 3).map(Number)));
    // a line repeated (the analysis caches by denial) is located at its own column
    const again = logFile("again.log", `${lines[0]}\n  ${lines[0]}\n`);
    expect((await xsm("why", small, again)).stderr).toContain(`again.log:2:${lines[0]!.indexOf("plg") + 3}: class resource`);
  });
  it("--json and --plain contradict (exit 2)", async () => {
    expect((await xsm("why", small, "-", "--json", "--plain")).code).toBe(2);
  });
  it("streams a large log in bounded memory", async () => {
    const line = denial("plug", "vm_u:vm_r:guest_a_t", "system_u:object_r:device_t", "resource");
    const path = join(dir, "big.log");
    const chunk = (line + "(XEN) other\n").repeat(20_000);
    writeFileSync(path, "");
    for (let i = 0; i < 40; i++) writeFileSync(path, chunk, { flag: "a" }); // ~100 MB
    const before = process.memoryUsage().rss;
    const r = await xsm("allow", small, path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("allow guest_a_t device_t:resource plug;");
    // (small.conf's neverallow guest_type device_t:resource { plug unplug } refuses the rule: said once)
    expect(r.stderr.split("\n").filter((l) => l.includes("is no fix"))).toEqual(["xsm: audit2allow's rule allow guest_a_t device_t:resource plug; is no fix: checkpolicy refuses the policy with it"]);
    expect(r.stderr).toMatch(/\nxsm: 800000 avc lines read, 800000 other lines skipped\n$/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  }, 300_000);
  it("--module prints a .te module", async () => {
    const r = await xsm("allow", small, logFile("m.log", denial("plug", "vm_u:vm_r:guest_a_t", "system_u:object_r:device_t", "resource")), "--module", "local");
    expect(r.stdout).toBe(
      "\nmodule local 1.0;\n\nrequire {\n\ttype device_t;\n\ttype guest_a_t;\n\tclass resource plug;\n}\n\n#============= guest_a_t ==============\nallow guest_a_t device_t:resource plug;\n",
    );
  });
});
