// Live: libsepol (checkpolicy 3.4's -b) refuses a binary's constraint node with no permissions
// ("validate_constraint_nodes: Invalid constraint expr") exactly where xsm's reader notes one
// (constraint-class-twice at its offset), over every committed binary fixture; and the hand-made
// fixture is checkpolicy's bytes of its source but for that node's permissions word.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPolicy } from "../../src/binary/read.js";
import { repoRoot } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/binary");
const binaries = ["edge", "read-only", "v24", "hand-made"].flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith(".bin")).map((f) => join(d, f)));

describe("constraint nodes with no permissions: noted where libsepol refuses them, live", () => {
  const tmp = mkdtempSync(join(tmpdir(), "xsm-noperm-"));

  it.each(binaries)("%s", (name) => {
    const b = new Uint8Array(readFileSync(join(dir, name)));
    const read = readPolicy(b);
    const back = spawnSync("checkpolicy", ["-b", "-t", "Xen", "-c", `${read.policy.version}`, "-o", join(tmp, "back.bin"), join(dir, name)], { encoding: "utf8" });
    expect(read.libsepolRefusals.length > 0, back.stderr).toBe(back.stderr.includes("validate_constraint_nodes: Invalid constraint expr"));
  });

  it("the hand-made binary differs from checkpolicy's only in the zeroed permissions word", () => {
    const conf = join(dir, "hand-made/constrain-zero.conf");
    execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", join(tmp, "p.bin"), conf], { stdio: "ignore" });
    const theirs = readFileSync(join(tmp, "p.bin"));
    const ours = readFileSync(join(dir, "hand-made/constrain-zero.bin"));
    const differ = [...theirs.keys()].filter((i) => theirs[i] !== ours[i]);
    expect(ours.length).toBe(theirs.length);
    expect(differ).toEqual([130]);
    expect(theirs.readUInt32LE(130)).not.toBe(0);
  });
});
