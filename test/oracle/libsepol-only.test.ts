// Live: checkpolicy 3.4's -b (libsepol's policydb_read and validate_policydb) on the binaries Xen
// loads and libsepol refuses (test/binary/libsepol-only.ts): it says what verdicts.json recorded,
// which test/binary/libsepol-only.test.ts holds xsm's warnings to. And over every committed binary
// fixture xsm reads: checkpolicy -b refuses a file exactly when xsm warns that libsepol refuses it
// (a libsepol-only warning, or the empty rule table both refuse).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { BinaryFormatError } from "../../src/binary/bytes.js";
import { CONFIG_MLS } from "../../src/binary/model.js";
import { readPolicy } from "../../src/binary/read.js";
import { LIBSEPOL_ONLY, LIBSEPOL_ONLY_DIR } from "../binary/libsepol-only.js";
import { repoRoot } from "./harness.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-libsepol-only-"));
const checkpolicyB = (file: string, version: number, cwd?: string, mls = false) =>
  spawnSync("checkpolicy", ["-b", ...(mls ? ["-M"] : []), "-t", "Xen", "-c", `${version}`, "-o", join(tmp, "back.bin"), file], { encoding: "utf8", cwd });

describe("binaries Xen loads and libsepol refuses, live", () => {
  const verdicts = JSON.parse(readFileSync(join(repoRoot, LIBSEPOL_ONLY_DIR, "verdicts.json"), "utf8")) as Record<string, { status: number; stderr: string }>;

  it.each(LIBSEPOL_ONLY.map((c) => c.name))("checkpolicy -b on %s says what verdicts.json recorded", (name) => {
    const r = checkpolicyB(`${name}.bin`, 30, join(repoRoot, LIBSEPOL_ONLY_DIR));
    expect({ status: r.status, stderr: r.stderr }).toEqual(verdicts[name]);
  });

  const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith(".bin") ? [join(dir, n)] : []));
  const binaries = files(join(repoRoot, "test/fixtures/binary")).map((f) => relative(repoRoot, f));

  it.each(binaries)("%s: checkpolicy -b refuses it exactly when xsm says libsepol does", (name) => {
    let read;
    try {
      read = readPolicy(new Uint8Array(readFileSync(join(repoRoot, name))));
    } catch (err) {
      if (err instanceof BinaryFormatError) return; // xsm refuses it, as Xen does: not this test's
      throw err;
    }
    const libsepolRefuses = read.libsepolRefusals.length > 0 || read.refusals.some((r) => r.code === "xen-empty-avtab");
    const back = checkpolicyB(join(repoRoot, name), read.policy.version, undefined, (read.policy.config & CONFIG_MLS) !== 0);
    expect(back.status !== 0, back.stderr).toBe(libsepolRefuses);
  });
});
