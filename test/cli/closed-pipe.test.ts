// A reader that closes the pipe early (`xsm simulate S --dot F | head -1`) changes nothing but what
// is printed: every command's files are written whole, and the exit status is the run's own (0 when
// it succeeds, 1 when its tests or expectations fail), for the compile bundle (fs.writeSync) and the
// whole command line (process.stdout's stream) alike (src/cli/stdout.ts). Before, the run ended at
// the first failed write: a --dot FILE still to come was never written (exit 0), and files already
// staged were dropped (exit 1), depending on when the reader closed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-closed-pipe-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const BIN = resolve("bin/xsm.cjs");
const POLICY = resolve("test/fixtures/cli/small.conf");

/** Runs the built CLI in `cwd` with its standard output a pipe whose reading end is closed before
 *  the process starts writing (before node is even up): every write it makes fails with EPIPE. */
function runClosed(argv: string[], cwd: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code, signal) => done({ code, signal, stderr }));
  });
}

/** Each command with file outputs; `files` are what it must leave in its directory. */
const WRITERS: { what: string; argv: string[]; files: string[]; code?: number }[] = [
  { what: "compile -o (the compile bundle's summary)", argv: ["compile", POLICY, "-o", "p.bin"], files: ["p.bin"] },
  { what: "compile -o --emit-matrix - (the matrix on stdout)", argv: ["compile", POLICY, "-o", "p.bin", "--emit-matrix", "-"], files: ["p.bin"] },
  { what: "compile --emit-matrix FILE --format json", argv: ["compile", POLICY, "--emit-matrix", "m.json", "--format", "json"], files: ["m.json"] },
  { what: "simulate --dot FILE (the trace printed before it)", argv: ["simulate", resolve("examples/svp/jan-reassociate.json"), "--dot", "j.dot"], files: ["j.dot"] },
  { what: "simulate --json --dot FILE --svg FILE", argv: ["simulate", resolve("examples/svp/nested-trust.json"), "--json", "--dot", "n.dot", "--svg", "n.svg"], files: ["n.dot", "n.svg"] },
  { what: "test --junit FILE", argv: ["test", resolve("test/fixtures/policytest/small.tests.json"), "--junit", "r.xml"], files: ["r.xml"] },
  { what: "test --junit FILE with failing tests (exit 1, the run's)", argv: ["test", resolve("test/fixtures/policytest/failing.tests.json"), "--junit", "r.xml"], files: ["r.xml"], code: 1 },
  { what: "studio --export DIR", argv: ["studio", resolve("examples/svp/nested-trust.json"), "--export", "site"], files: ["site"] },
  // (a tree is built with GNU m4: where it is missing, test:m4 runs this one)
  ...(hasM4 ? [{ what: "build -o FILE --conf -", argv: ["build", resolve("examples/xen-flask"), "-o", "x.bin", "--conf", "-"], files: ["x.bin"] }] : []),
  { what: "init FILE", argv: ["init", "policy.conf"], files: ["policy.conf"] },
];

describe.skipIf(process.platform === "win32")("standard output closed by its reader", () => {
  for (const { what, argv, files, code = 0 } of WRITERS) {
    it(`${what}: the files are written, exit ${code}, nothing said about the pipe`, async () => {
      const dir = mkdtempSync(join(tmp, "w-"));
      const r = await runClosed(argv, dir);
      expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code, signal: null });
      expect(r.stderr).not.toMatch(/standard output|EPIPE|internal error|^\s+at /m);
      expect(readdirSync(dir).sort()).toEqual([...files].sort());
    }, 120_000);
  }

  it("the files are those a run with its output read writes", async () => {
    const closed = mkdtempSync(join(tmp, "same-"));
    const argv = ["simulate", resolve("examples/svp/jan-reassociate.json"), "--dot", "j.dot"];
    await runClosed(argv, closed);
    const read = mkdtempSync(join(tmp, "read-"));
    expect(spawnSync(process.execPath, [BIN, ...argv], { cwd: read }).status).toBe(0);
    expect(readFileSync(join(closed, "j.dot"), "utf8")).toBe(readFileSync(join(read, "j.dot"), "utf8"));
  });

  it("a reader that closes in the middle of a large write (head -c 10): the files are written, exit 0", () => {
    const sub = mkdtempSync(join(tmp, "head-"));
    // a matrix larger than a pipe holds: head has closed its end before the write is done
    const big = join(sub, "big.conf");
    const types = Array.from({ length: 120 }, (_, i) => `type g${i}_t, domain_type;\n`).join("");
    writeFileSync(big, readFileSync(POLICY, "utf8").replace("type nic_t, device_type;\n", `type nic_t, device_type;\n${types}`).replace("bool guests_may_plug false;\n", "bool guests_may_plug false;\nallow domain_type domain_type:domain getattr;\n"));
    const script = '{ "$@" 2>err; echo $? >status; } | head -c 10 >/dev/null';
    spawnSync("/bin/sh", ["-c", script, "sh", process.execPath, BIN, "compile", "big.conf", "-o", "p.bin", "--emit-matrix", "-"], { cwd: sub, timeout: 60_000 });
    expect(readFileSync(join(sub, "status"), "utf8")).toBe("0\n");
    expect(readFileSync(join(sub, "err"), "utf8")).not.toMatch(/error/);
    expect(readdirSync(sub).sort()).toEqual(["big.conf", "err", "p.bin", "status"]);
    expect(existsSync(join(sub, "p.bin")) && readFileSync(join(sub, "p.bin")).subarray(0, 4)).toEqual(Buffer.from([0x8c, 0xff, 0x7c, 0xf9]));
  });
});
