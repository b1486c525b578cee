// Outputs that are not regular files: a device (/dev/null), /dev/stdout or a pipe (bash's
// `-o >(xxd)`, a FIFO) is written into. Staging it under a temporary name and renaming that over it
// (as regular files are, all or none: src/cli/output.ts) replaced the pipe with a file, and, for
// root, /dev/null or /dev/full with a regular file.
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = mkdtempSync(join(tmpdir(), "xsm-outputs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const small = "test/fixtures/cli/small.conf";
const hasMkfifo = process.platform !== "win32" && spawnSync("mkfifo", ["--version"]).status === 0;

/** Runs the built CLI while reading `fifo`: its exit status, stderr and what came through the pipe
 *  (what came within a second of its exit, if the pipe was never opened for writing). */
function runReading(argv: string[], fifo: string): Promise<{ code: number | null; stderr: string; piped: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/xsm.cjs", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const chunks: Buffer[] = [];
    let ended = false;
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    const read = new Promise<void>((done) => {
      createReadStream(fifo)
        .on("data", (d) => chunks.push(d as Buffer))
        .on("error", () => done())
        .on("end", () => ((ended = true), done()));
    });
    void exited.then(async (code) => {
      await Promise.race([read, new Promise((r) => setTimeout(r, 1000))]);
      resolve({ code, stderr, piped: ended ? Buffer.concat(chunks) : Buffer.alloc(0) });
    });
  });
}

describe.skipIf(!hasMkfifo)("outputs that are not regular files", () => {
  it("compile -o FIFO writes the binary into the pipe and leaves the FIFO a FIFO; --emit-matrix beside it is a file", async () => {
    const fifo = join(tmp, "policy.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const matrix = join(tmp, "matrix.json");
    const r = await runReading(["compile", small, "-o", fifo, "--emit-matrix", matrix], fifo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.piped.subarray(0, 4)).toEqual(Buffer.from([0x8c, 0xff, 0x7c, 0xf9]));
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(JSON.parse(readFileSync(matrix, "utf8"))).toBeTypeOf("object");
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });


});
