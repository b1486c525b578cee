// Outputs all or none, and none half made: a rename that fails after another puts the first
// target back; a SIGINT, SIGTERM or SIGHUP during a write leaves no temporary file (src/cli/output.ts,
// src/cli/signals.ts).
// Outputs that are not regular files: a device (/dev/null), /dev/stdout or a pipe (bash's
// `-o >(xxd)`, a FIFO) is written into. Staging it under a temporary name and renaming that over it
// (as regular files are, all or none: src/cli/output.ts) replaced the pipe with a file, and, for
// root, /dev/null or /dev/full with a regular file.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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

/** Starts the built CLI, waits until a temporary file appears in `dir` (the write has begun), and
 *  sends `signal`; resolves with how the process ended and what it left in `dir`. */
function killMidWrite(argv: string[], dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; left: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/xsm.cjs", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    const poll = setInterval(() => {
      // (a staged file, not the probe checkOutputs makes and removes at once)
      if (readdirSync(dir).some((f) => /\.xsm-\d+-\d+\.tmp$/.test(f))) {
        clearInterval(poll);
        child.kill(signal);
      } else if (Date.now() - started > 30_000) {
        clearInterval(poll);
        child.kill("SIGKILL");
        reject(new Error(`no temporary file in ${dir} after 30 s: ${stderr}`));
      }
    }, 20);
    child.on("exit", (code, sig) => {
      clearInterval(poll);
      // (stderr's last chunk may come after the exit event)
      setTimeout(() => resolve({ code, signal: sig, stderr, left: readdirSync(dir).sort() }), 50);
    });
  });
}

describe.skipIf(!hasMkfifo)("a SIGINT, SIGTERM or SIGHUP during a write", () => {
  // The binary is staged beside its target, then the FIFO for --emit-matrix waits for a reader: the
  // signal comes while the temporary file is there. Before, node's default ended the process on
  // the spot and left small.bin.xsm-PID-0.tmp behind (for SIGHUP, a closed terminal, until it was
  // held as the other two are).
  const status = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`${signal}: the temporary files are removed, the target is as it was, and the process ends by ${signal} (a shell's $? ${status[signal]})`, async () => {
      const dir = mkdtempSync(join(tmp, `signal-${signal}-`));
      const fifo = join(dir, "matrix.fifo");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      writeFileSync(join(dir, "small.bin"), "the previous binary");
      const r = await killMidWrite(["compile", small, "-o", join(dir, "small.bin"), "--emit-matrix", fifo], dir, signal);
      expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: null, signal });
      expect(r.left).toEqual(["matrix.fifo", "small.bin"]);
      expect(readFileSync(join(dir, "small.bin"), "utf8")).toBe("the previous binary");
      expect(statSync(fifo).isFIFO()).toBe(true);
    });
  }

  it("a signal during a synchronous step is taken once the step is over, not dropped", () => {
    // holdSignals' work sends itself SIGTERM and keeps going synchronously: the handler runs after
    // it (its staged file removed by then), and the process ends by the signal instead of going on
    const dir = mkdtempSync(join(tmp, "signal-sync-"));
    const script = join(dir, "held.mts");
    writeFileSync(
      script,
      [
        `import { writeFileSync, unlinkSync, writeSync } from "node:fs";`,
        `import { holdSignals } from ${JSON.stringify(join(process.cwd(), "src/cli/signals.ts"))};`,
        `const temp = ${JSON.stringify(join(dir, "out.xsm-1-0.tmp"))};`,
        "await holdSignals(async (staged) => {",
        "  staged.add(temp);",
        "  writeFileSync(temp, 'staged');",
        "  process.kill(process.pid, 'SIGTERM');",
        "  const until = Date.now() + 100;",
        "  while (Date.now() < until);",
        "  unlinkSync(temp);",
        "  staged.delete(temp);",
        "  writeSync(1, 'step done\\n');",
        "});",
        "writeSync(1, 'went on\\n');",
        "",
      ].join("\n"),
    );
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
    expect({ signal: r.signal, stdout: r.stdout }, r.stderr).toEqual({ signal: "SIGTERM", stdout: "step done\n" });
    expect(readdirSync(dir)).toEqual(["held.mts"]);
  });
});

/** Runs the built CLI as `nobody` (uid and gid 65534). */
function runAsNobody(argv: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/xsm.cjs", ...argv], { encoding: "utf8", uid: 65534, gid: 65534, timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

// A rename that fails after another was done. In a sticky directory (as /tmp is), a user may add
// files but not replace another user's: every check before the write passes (the directory takes
// the temporary files), and only the rename over the second target fails. Before, the first
// target was left replaced (`compile -o a.bin --emit-matrix m.json`: a new a.bin, the old
// m.json, exit 1). Needs root, to own the second target while `nobody` runs xsm.
/** Root, and a checkout `nobody` can reach: one cloned under a 0700 directory (a mktemp -d, a home
 *  directory) is not, and the runs as nobody would fail before xsm starts. */
const asNobody = process.platform !== "win32" && process.getuid?.() === 0 &&
  spawnSync(process.execPath, ["-e", "require('node:fs').accessSync(process.argv[1], require('node:fs').constants.R_OK)", resolve("bin/xsm.cjs")], { uid: 65534, gid: 65534 }).status === 0;

describe.skipIf(!asNobody)("outputs all or none when the second rename fails", () => {
  /** A sticky, world-writable directory with `mine` owned by nobody and `theirs` by root. */
  function sticky(name: string, mine: Record<string, string>, theirs: Record<string, string>): string {
    // (mkdtemp makes 0700 directories: nobody must reach this one)
    chmodSync(tmp, 0o755);
    const dir = mkdtempSync(join(tmp, `${name}-`));
    chmodSync(dir, 0o1777);
    for (const [f, text] of Object.entries(mine)) {
      writeFileSync(join(dir, f), text);
      chownSync(join(dir, f), 65534, 65534);
    }
    for (const [f, text] of Object.entries(theirs)) {
      writeFileSync(join(dir, f), text);
      chmodSync(join(dir, f), 0o644);
    }
    return dir;
  }
  const inodes = (dir: string, names: string[]) => names.map((n) => statSync(join(dir, n)).ino);

  it("compile -o A --emit-matrix M: M cannot be replaced, so A keeps its contents (the same file) and no temporary file is left", () => {
    const dir = sticky("compile", { "a.bin": "the previous binary" }, { "m.json": "the previous matrix" });
    const before = inodes(dir, ["a.bin", "m.json"]);
    const r = runAsNobody(["compile", resolve(small), "-o", join(dir, "a.bin"), "--emit-matrix", join(dir, "m.json")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split("\n")).toContain(`xsm: error: --emit-matrix ${join(dir, "m.json")}: cannot write the matrix: permission denied`);
    expect(readFileSync(join(dir, "a.bin"), "utf8")).toBe("the previous binary");
    expect(readFileSync(join(dir, "m.json"), "utf8")).toBe("the previous matrix");
    expect(inodes(dir, ["a.bin", "m.json"])).toEqual(before);
    expect(statSync(join(dir, "a.bin")).uid).toBe(65534);
    expect(readdirSync(dir).sort()).toEqual(["a.bin", "m.json"]);
  });

  it("compile -o NEW --emit-matrix M: the binary that did not exist before is removed again", () => {
    const dir = sticky("compile-new", {}, { "m.json": "the previous matrix" });
    const r = runAsNobody(["compile", resolve(small), "-o", join(dir, "new.bin"), "--emit-matrix", join(dir, "m.json")]);
    expect(r.code, r.stderr).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(["m.json"]);
  });

  it("build --conf C -o B: B cannot be replaced, so C keeps its contents", () => {
    const dir = sticky("build", { "policy.conf": "the previous policy.conf" }, { "xen.bin": "the previous binary" });
    const r = runAsNobody(["build", resolve("examples/xen-flask"), "--conf", join(dir, "policy.conf"), "-o", join(dir, "xen.bin")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split("\n")).toContain(`xsm: error: -o ${join(dir, "xen.bin")}: cannot write the binary policy: permission denied`);
    expect(readFileSync(join(dir, "policy.conf"), "utf8")).toBe("the previous policy.conf");
    expect(readFileSync(join(dir, "xen.bin"), "utf8")).toBe("the previous binary");
    expect(readdirSync(dir).sort()).toEqual(["policy.conf", "xen.bin"]);
  });

  it("fmt --write A B: B cannot be replaced, so A keeps its layout", () => {
    const dir = sticky("fmt", { "a.conf": "type  a_t;\n" }, { "b.conf": "type  b_t;\n" });
    const r = runAsNobody(["fmt", "--write", join(dir, "a.conf"), join(dir, "b.conf")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split("\n")).toContain(`xsm: error: cannot write ${join(dir, "b.conf")}: permission denied`);
    expect(readFileSync(join(dir, "a.conf"), "utf8")).toBe("type  a_t;\n");
    expect(readdirSync(dir).sort()).toEqual(["a.conf", "b.conf"]);
  });
});
