// Bad input never produces a stack trace: a located error (file:line:col with the source line and a
// caret) when the text can be parsed that far, otherwise one clear message; always exit 1.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_POLICY_BYTES } from "../../src/cli/io.js";
import { STACK_LINE, xsm, type CliRun } from "./run.js";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "xsm-bad-"));
});

function file(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

const HEADER = `class xen
sid xen
class xen { settime }
type xen_t;
`;
const FOOTER = `role system_r;
role system_r types { xen_t };
user system_u roles system_r;
sid xen system_u:system_r:xen_t
`;

function expectCleanFailure(r: CliRun): void {
  expect(r.code).toBe(1);
  expect(r.stderr).not.toBe("");
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr).not.toContain("internal error");
}

/** A located error: `path:line:col: error: ...`, then the source line and a caret line. */
function expectLocated(r: CliRun, path: string, line: number): void {
  expectCleanFailure(r);
  const lines = r.stderr.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`${path}:${line}:`) && / error: /.test(l));
  expect(at, r.stderr).toBeGreaterThanOrEqual(0);
  expect(lines[at + 2], r.stderr).toMatch(/^\s*\^~*$/);
}

describe("xsm compile on bad input", () => {
  it("a syntax error is located", async () => {
    const p = file("syntax.conf", `${HEADER}allow xen_t xen_t:xen settime\n${FOOTER}`);
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(new RegExp(`^${p}:(5|6):\\d+: error: `, "m"));
  });

  it("an unknown identifier is located at the name", async () => {
    const p = file("unknown.conf", `${HEADER}allow xen_t nic_t:xen settime;\n${FOOTER}`);
    const r = await xsm("compile", p);
    expectLocated(r, p, 5);
    expect(r.stderr).toContain("nic_t");
  });

  it("a duplicate declaration is located at the second one", async () => {
    const p = file("dup.conf", `${HEADER}type xen_t;\n${FOOTER}`);
    const r = await xsm("compile", p);
    expectLocated(r, p, 5);
    expect(r.stderr).toContain("xen_t");
  });

  it("every error of a policy is reported, not just the first", async () => {
    const r = await xsm("compile", "test/fixtures/cli/errors.conf");
    expectCleanFailure(r);
    expect(r.stderr).toContain("nic_t");
    expect(r.stderr).toContain("dom0_t");
    expect(r.stderr).toContain("reboot");
  });

  it("an unterminated block is located", async () => {
    const p = file("block.conf", `${HEADER}bool b true;\nif (b) {\n  allow xen_t xen_t:xen settime;\n${FOOTER}`);
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(new RegExp(`^${p}:\\d+:\\d+: error: `, "m"));
  });

  it("an unterminated class permission list is located", async () => {
    const p = file("brace.conf", "class xen\nsid xen\nclass xen { settime\n");
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(new RegExp(`^${p}:\\d+:\\d+: error: `, "m"));
  });

  it("an empty file is a clear error", async () => {
    const p = file("empty.conf", "");
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toContain("empty");
  });

  it("a file of only comments and blank lines is an error", async () => {
    const p = file("comments.conf", "# nothing here\n\n   \n");
    const r = await xsm("compile", p);
    expectCleanFailure(r);
  });

  it("a binary file is a clear error", async () => {
    const p = file("binary.conf", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe]));
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toContain("binary file");
  });

  it("a compiled policy (checkpolicy's output) is read as one; a truncated one is one clear error", async () => {
    const p = file("policy.30", Buffer.from([0x8c, 0xff, 0x7c, 0xf9, 0x08, 0x00, 0x00, 0x00]));
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toContain("truncated policydb string");
  });

  it("a byte that is not UTF-8 is accepted in a comment and located outside one, as checkpolicy reads bytes", async () => {
    const base = readFileSync("test/fixtures/cli/small.conf");
    const inComment = file("latin1-comment.conf", Buffer.concat([Buffer.from("# caf\xe9\n", "latin1"), base]));
    const ok = await xsm("compile", inComment);
    expect(ok.code, ok.stderr).toBe(0);
    const outside = file("latin1.conf", Buffer.concat([base, Buffer.from("pirqcon 3\xe9 system_u:object_r:nic_t\n", "latin1")]));
    const r = await xsm("compile", outside);
    expectCleanFailure(r);
    expect(r.stderr).toContain("latin1.conf:46:10: error: a byte that is not valid UTF-8 (0xE9) outside a comment");
  });

  it("a carriage return is reported once, at its first occurrence, with a hint", async () => {
    const p = file("crlf.conf", readFileSync("test/fixtures/cli/small.conf", "utf8").replace(/\n/g, "\r\n"));
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toContain("crlf.conf:2:10: error: a carriage return (CR) outside a comment");
    expect(r.stderr).toContain("dos2unix");
    expect(r.stderr.match(/carriage return/g)).toHaveLength(1);
  });

  it("a byte-order mark is an error, as in checkpolicy", async () => {
    const p = file("bom.conf", "\ufeff" + readFileSync("test/fixtures/cli/small.conf", "utf8"));
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toContain("bom.conf:1:1: error: a byte-order mark");
  });

  it("a FIFO, a device and a directory are refused without reading them", async () => {
    for (const p of ["/dev/zero", "/dev/null", "test/fixtures"]) {
      const r = await xsm("compile", p);
      expectCleanFailure(r);
    }
  });

  it("a missing file is a clear error", async () => {
    const r = await xsm("compile", join(tmp, "no-such.conf"));
    expectCleanFailure(r);
    expect(r.stderr).toBe(`xsm: error: ${join(tmp, "no-such.conf")}: no such file\n`);
  });

  it("a directory is a clear error", async () => {
    const r = await xsm("compile", tmp);
    expectCleanFailure(r);
    expect(r.stderr).toContain("is a directory");
  });

  it("a 50 MB file is refused with its size and the limit", async () => {
    const rule = "allow xen_t xen_t:xen settime;\n";
    const p = file("huge.conf", Buffer.alloc(50 * 1024 * 1024, rule));
    const r = await xsm("compile", p);
    expectCleanFailure(r);
    expect(r.stderr).toContain("too large (50.0 MB");
  });

  it("a file just under the limit full of garbage fails at its first token, quickly", async () => {
    const p = file("garbage.conf", Buffer.alloc(MAX_POLICY_BYTES - 1, "@#%! "));
    const r = await xsm("compile", p);
    expectLocated(r, p, 1);
  });

  it("check on a bad policy fails the same way", async () => {
    const r = await xsm("check", join(tmp, "no-such.conf"), "--scontext", "a:b:c", "--tcontext", "a:b:c", "--class", "x", "--perm", "y");
    expectCleanFailure(r);
  });
});
