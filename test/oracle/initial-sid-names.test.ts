// Live: what checkpolicy -b and seinfo print for a Xen binary's initial SIDs, which the binary
// stores by number only. Each reads the numbers through a table of its own (libsepol's
// xen_sid_to_str, setools' XEN_SIDNAMES), neither Xen's; what they print is committed beside the
// binaries, and test/studio/binary.test.ts checks the studio's SID hover against it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/binary/initial-sids");
const work = mkdtempSync(join(tmpdir(), "xsm-isid-names-"));
const run = (cmd: string, args: string[]) =>
  new Promise<string>((done) => execFile(cmd, args, { encoding: "utf8", env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}` } }, (_err, stdout, stderr) => done(stdout + stderr)));

describe("a Xen binary's initial SIDs as checkpolicy -b and seinfo name them, live", () => {
  it.each(["xen", "missing", "order", "unlabeled"])("%s.bin", async (name) => {
    const bin = join(dir, `${name}.bin`);
    const conf = join(work, `${name}.conf`);
    await run("checkpolicy", ["-b", "-t", "Xen", "-F", bin, "-o", conf]);
    const sids = readFileSync(conf, "utf8").split("\n").filter((l) => /^sid \S+ /.test(l));
    expect(sids.join("\n")).toBe(readFileSync(join(dir, `${name}.checkpolicy-b.txt`), "utf8").trimEnd());
    expect(await run("seinfo", ["--initialsid", "-x", bin])).toBe(readFileSync(join(dir, `${name}.seinfo.txt`), "utf8"));
  });
});
