// The installed entry point: `bin/xsm.js` (what `npx xsm` runs) starts the bundle `npm run build`
// made, its exit status is runCli's, and a missing or stale build is one line naming the fix.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";

function run(argv: string[], bin = "bin/xsm.js", input?: string) {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bin/xsm.js", () => {
  it("prints help, exit 0", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: xsm");
  });

  it("exits 2 on a usage error", () => {
    const r = run(["compile", "--nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--nope'");
  });

  it("compiles a policy, and exits 1 on a missing file without a stack trace", () => {
    expect(run(["compile", "test/fixtures/cli/small.conf"]).code).toBe(0);
    const r = run(["compile", "test/fixtures/cli/missing.conf"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: test/fixtures/cli/missing.conf: no such file\n");
  });

  it("reads a policy from standard input for `-`, and names it <stdin> in diagnostics", () => {
    const text = readFileSync("test/fixtures/cli/small.conf", "utf8");
    const ok = run(["compile", "-"], undefined, text);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("<stdin>: compiled");
    const check = run(["check", "-", "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", "plug"], undefined, text);
    expect(check.stdout).toContain("granted by <stdin>:26:");
    const bad = run(["compile", "-"], undefined, "type a_t;\ntype a_t;\n");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^<stdin>:\d+:\d+: error: /);
    expect(run(["compile", "-"], undefined, "").stderr).toBe("xsm: error: standard input: file is empty, expected a policy\n");
  });

  it("compiles the bundle from the code cache the build made", () => {
    const r = spawnSync(process.execPath, ["bin/xsm.js", "--help"], { encoding: "utf8", env: { ...process.env, XSM_DEBUG: "1" } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("xsm: code cache: used\n");
  });

  it("renders --svg through the optional Graphviz package, required from node_modules", () => {
    const svg = join(mkdtempSync(join(tmpdir(), "xsm-svg-")), "run.svg");
    expect(run(["simulate", "examples/svp/nested-trust.json", "--svg", svg]).code).toBe(0);
    expect(readFileSync(svg, "utf8")).toContain("<svg");
  });

  it("runs a scenario (the command that loads the scenario validator)", () => {
    const r = run(["simulate", "examples/svp/nested-trust.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("nested-trust");
  });
});

/** A bundle as the build writes it: one function expression, called as node calls a CommonJS module. */
const FAKE_BUNDLE = "(function (exports, require, module) {\nexports.runCli = async (argv, io) => { io.stdout.write(`ran ${argv}\\n`); return 0; };\n})";

/** A checkout with bin/xsm.js, one source file and, when given, a stamp and a fake bundle. */
function checkout(stamp?: { builtAt: number; srcFiles: number }): string {
  const root = mkdtempSync(join(tmpdir(), "xsm-bin-"));
  mkdirSync(join(root, "bin"));
  cpSync("bin/xsm.js", join(root, "bin", "xsm.js"));
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  writeFileSync(join(root, "src", "cli", "main.ts"), "");
  utimesSync(join(root, "src", "cli", "main.ts"), 1000, 1000);
  if (stamp) {
    mkdirSync(join(root, "dist", "bin"), { recursive: true });
    writeFileSync(join(root, "dist", "build-stamp.json"), JSON.stringify(stamp));
    writeFileSync(join(root, "dist", "bin", "xsm.cjs"), FAKE_BUNDLE);
  }
  return join(root, "bin", "xsm.js");
}

describe("bin/xsm.js in a checkout whose build is missing or stale", () => {

  it("says there is no build, and how to make one", () => {
    const r = run(["--help"], checkout());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: xsm is not built (no dist/build-stamp.json); run `npm run build`\n");
  });

  it("says which source is newer than the build", () => {
    const r = run(["--help"], checkout({ builtAt: 999_000, srcFiles: 1 }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: the build in dist/ is older than src/cli/main.ts; run `npm run build`\n");
  });

  it("notices a source file added or removed since the build", () => {
    const r = run(["--help"], checkout({ builtAt: 2_000_000, srcFiles: 2 }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: the build in dist/ is stale (src/ had 2 files, now 1); run `npm run build`\n");
  });

  it("runs a current build", () => {
    const r = run(["compile", "x"], checkout({ builtAt: 2_000_000, srcFiles: 1 }));
    expect(r).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "" });
  });

  it("says so when the stamp is there but the bundle is not", () => {
    const bin = checkout({ builtAt: 2_000_000, srcFiles: 1 });
    rmSync(join(bin, "..", "..", "dist", "bin", "xsm.cjs"));
    const r = run(["--help"], bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: xsm is not built (no dist/bin/xsm.cjs); run `npm run build`\n");
  });
});

describe("bin/xsm.js and the code cache", () => {
  const key = (bundle: Buffer) => JSON.stringify({ node: process.version, arch: process.arch, bundleBytes: bundle.length, bundleCrc32: crc32(bundle) });
  function withCache(header: string, data: Buffer): string {
    const bin = checkout({ builtAt: 2_000_000, srcFiles: 1 });
    writeFileSync(join(bin, "..", "..", "dist", "bin", "xsm.cache"), Buffer.concat([Buffer.from(`${header}\n`), data]));
    return bin;
  }
  const debugRun = (bin: string) => {
    const r = spawnSync(process.execPath, [bin, "compile", "x"], { encoding: "utf8", env: { ...process.env, XSM_DEBUG: "1" } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("makes a cache V8 accepts, and runs the same with it", () => {
    const bin = checkout({ builtAt: 2_000_000, srcFiles: 1 });
    const env = { ...process.env, XSM_WRITE_CODE_CACHE: join(bin, "..", "..", "dist", "bin", "xsm.cache") };
    expect(spawnSync(process.execPath, [bin, "compile", "x"], { encoding: "utf8", env }).stdout).toBe("ran compile,x\n");
    expect(debugRun(bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: used\n" });
  });

  it("leaves a cache made for other bundle bytes or another node unused", () => {
    const other = Buffer.from(FAKE_BUNDLE.replace("ran", "RAN"));
    for (const header of [key(other), key(Buffer.from(FAKE_BUNDLE)).replace(process.version, "v0.0.0")]) {
      const r = debugRun(withCache(header, Buffer.from("not V8's")));
      expect(r).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: made for another bundle or node, not used\n" });
    }
  });

  it("runs the same when V8 rejects the cache's data", () => {
    const r = debugRun(withCache(key(Buffer.from(FAKE_BUNDLE)), Buffer.from("not V8's")));
    expect(r).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: rejected by V8\n" });
  });
});
