// Live: libsepol (checkpolicy 3.4's -b) refuses a binary's constraint permissions word
// ("validate_constraint_nodes: Invalid constraint expr") exactly where xsm's reader notes one
// (constraint-class-twice: none; constraint-extra-perms: bits past the class's; validatetrans-perms:
// any), over every committed binary fixture and over a class of 31, 32 and (a count) 33 permissions
// (binary-perm-limit: class_read refuses it); and each hand-made fixture is checkpolicy's bytes of
// its source but for that one word.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPolicy } from "../../src/binary/read.js";
import { repoRoot } from "./harness.js";
import { wideClassBinary } from "../binary/wide-class.js";

const dir = join(repoRoot, "test/fixtures/binary");
const binaries = ["edge", "read-only", "v24", "hand-made"].flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith(".bin")).map((f) => join(d, f)));

describe("constraint permissions words: noted where libsepol refuses them, live", () => {
  const tmp = mkdtempSync(join(tmpdir(), "xsm-noperm-"));

  it.each(binaries)("%s", (name) => {
    const b = new Uint8Array(readFileSync(join(dir, name)));
    const read = readPolicy(b);
    const back = spawnSync("checkpolicy", ["-b", "-t", "Xen", "-c", `${read.policy.version}`, "-o", join(tmp, "back.bin"), join(dir, name)], { encoding: "utf8" });
    expect(read.libsepolRefusals.length > 0, back.stderr).toBe(back.stderr.includes("validate_constraint_nodes: Invalid constraint expr"));
  });

  // Each hand-made binary is checkpolicy's bytes of its source but for one permissions word.
  it.each([
    ["constrain-zero", 130, "constraint-class-twice"],
    ["constrain-extra-bits", 130, "constraint-extra-perms"],
    ["validatetrans-perms", 302, "validatetrans-perms"],
  ] as const)("hand-made %s differs from checkpolicy's binary only in the word at %d, which xsm notes", (name, offset, code) => {
    const conf = join(dir, `hand-made/${name}.conf`);
    execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(tmp, `${name}.bin`), conf], { stdio: "ignore" });
    const theirs = readFileSync(join(tmp, `${name}.bin`));
    const ours = readFileSync(join(dir, `hand-made/${name}.bin`));
    const differ = [...theirs.keys()].filter((i) => theirs[i] !== ours[i]);
    expect(ours.length).toBe(theirs.length);
    expect(differ).toEqual([offset]);
    expect(readPolicy(new Uint8Array(theirs)).libsepolRefusals, "checkpolicy's own bytes are clean").toEqual([]);
    expect(readPolicy(new Uint8Array(ours)).libsepolRefusals.map((r) => [r.code, r.offset])).toEqual([[code, offset]]);
  });

  // The 32-bit word: at 32 permissions libsepol checks no bit (each names one), at 31 bit 31 is past
  // them; a count over 32 fails its class_read, which prints no reason of its own.
  it.each([
    [31, 0x80000000, undefined, true],
    [31, 0x40000000, undefined, false],
    [32, 0x80000000, undefined, false],
    [32, 0xffffffff, undefined, false],
    [32, 0x1, 33, true],
  ] as const)("a class of %d permissions, node word %d, count %s: libsepol refuses it: %s", (n, word, nprim, refused) => {
    const { bytes } = wideClassBinary(n, word, nprim);
    const file = join(tmp, `wide-${n}-${word.toString(16)}-${nprim ?? n}.bin`);
    writeFileSync(file, bytes);
    const back = spawnSync("checkpolicy", ["-b", "-t", "Xen", "-c", "30", "-o", join(tmp, "back.bin"), file], { encoding: "utf8" });
    expect(back.status !== 0, back.stderr).toBe(refused);
    expect(readPolicy(bytes).libsepolRefusals.length > 0).toBe(refused);
  });
});
