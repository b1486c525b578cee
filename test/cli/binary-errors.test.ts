// Every command that takes a binary policy, on one it cannot read (truncated, or hostile: a count
// past the file's end) or that Xen's loader refuses: the reader's error at the file and offset,
// exit 1 (xsm diff: 2, as diff(1)), no stack trace, and nothing written, not even in part (-o,
// --emit-matrix, --junit, --export: the file or directory is not there after).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-binary-errors-"));
const at = (name: string) => join(tmp, name);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each bad binary, where the reader stops in it and what it says. */
const BAD = {
  truncated: { file: "truncated.bin", at: "offset 298 (0x12a)", says: "truncated validatetrans count: needs 4 bytes, 2 left" },
  // t1's avtab count (at 607) set past what the file holds
  hostile: { file: "hostile.bin", at: "offset 607 (0x25f)", says: "avtab: count 1048576 cannot fit in the 252 bytes left" },
} as const;

beforeAll(() => {
  copyFileSync("test/fixtures/cli/truncated.bin", at("truncated.bin"));
  const t1 = readFileSync("test/fixtures/binary/edge/t1.bin");
  t1.writeUInt32LE(1 << 20, 607);
  writeFileSync(at("hostile.bin"), t1);
  const dom0 = { name: "dom0", domid: 0, context: "system_u:system_r:dom0_t" };
  for (const b of ["truncated", "hostile"] as const) {
    writeFileSync(at(`${b}.scenario.json`), JSON.stringify({ name: b, xsm: "flask", policy: BAD[b].file, domains: [dom0], steps: [] }));
    writeFileSync(at(`${b}.tests.json`), JSON.stringify({ policy: BAD[b].file, tests: [{ name: "t", source: "a_t", target: "a_t", class: "xen", perm: "a", expect: "allowed" }] }));
  }
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Case = { cmd: string; args: (bin: string, b: keyof typeof BAD) => string[]; code?: number; writes?: string[]; scenario?: boolean };
const ctx = ["--scontext", "system_u:system_r:xen_t", "--tcontext", "system_u:system_r:dom0_t", "--class", "xen", "--perm", "a"];
const CASES: Case[] = [
  { cmd: "compile", args: (bin) => ["compile", bin] },
  { cmd: "compile -o", args: (bin) => ["compile", bin, "-o", at("out.bin")], writes: ["out.bin"] },
  { cmd: "compile --emit-matrix", args: (bin) => ["compile", bin, "--emit-matrix", at("matrix.json")], writes: ["matrix.json"] },
  { cmd: "compile --format json", args: (bin) => ["compile", bin, "--format", "json"] },
  { cmd: "check", args: (bin) => ["check", bin, ...ctx] },
  { cmd: "search", args: (bin) => ["search", bin, "--allow"] },
  { cmd: "info", args: (bin) => ["info", bin] },
  { cmd: "why", args: (bin) => ["why", bin, "test/fixtures/cli/truncated.bin"] },
  { cmd: "allow", args: (bin) => ["allow", bin, at("empty.log")] },
  { cmd: "flow", args: (bin) => ["flow", bin, "-s", "xen_t"] },
  { cmd: "diff OLD", args: (bin) => ["diff", bin, "test/fixtures/binary/edge/t1.bin"], code: 2 },
  { cmd: "diff NEW", args: (bin) => ["diff", "test/fixtures/binary/edge/t1.bin", bin], code: 2 },
  { cmd: "scaffold -o", args: (bin) => ["scaffold", bin, "-o", at("scaffold.json")], writes: ["scaffold.json"] },
  { cmd: "studio --export", args: (bin) => ["studio", bin, "--export", at("site")], writes: ["site"] },
  { cmd: "simulate", args: (_bin, b) => ["simulate", at(`${b}.scenario.json`)], scenario: true },
  { cmd: "test --junit", args: (_bin, b) => ["test", at(`${b}.tests.json`), "--junit", at("junit.xml")], writes: ["junit.xml"], scenario: true },
];

describe("a binary policy no command can read: the reader's error at its offset, nothing written", () => {
  beforeAll(() => writeFileSync(at("empty.log"), ""));

  for (const b of ["truncated", "hostile"] as const) {
    it.each(CASES)(`${b}: xsm $cmd`, async ({ args, code, writes, scenario }) => {
      const r = await xsm(...args(at(BAD[b].file), b));
      expect(r.code, r.stderr).toBe(code ?? 1);
      expect(r.stderr).not.toMatch(STACK_LINE);
      // (a scenario's policy is named as the scenario names it, a tests file's by its path)
      const file = scenario ? BAD[b].file : at(BAD[b].file);
      if (args(at(BAD[b].file), b).includes("json")) expect(JSON.parse(r.stdout).diagnostics[0]).toMatchObject({ file, byteOffset: Number(/\d+/.exec(BAD[b].at)![0]), severity: "error", message: BAD[b].says });
      else expect(r.stderr).toMatch(new RegExp(`(^|: |/)${escape(file)}: ${escape(BAD[b].at)}: (error: )?${escape(BAD[b].says)}`, "m"));
      for (const w of writes ?? []) expect(existsSync(at(w)), `${w} was written`).toBe(false);
    });
  }
});
