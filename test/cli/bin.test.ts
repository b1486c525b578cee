// The installed entry point: `bin/xsm.cjs` (package.json "bin", what `npx xsm` runs; `bin/xsm.js`
// loads it) starts the bundle `npm run build` made, its exit status is runCli's, and a missing or
// stale build is one line naming the fix.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const { sourceDigest } = createRequire(import.meta.url)("../../bin/source-digest.cjs") as { sourceDigest(path: string, isDirectory: boolean): string };
// A hung child would block the worker (spawnSync holds the event loop, so vitest's own timeout never
// fires): each is killed after 30 s and the test then fails on its status instead.
const SPAWN_LIMIT = { timeout: 30_000, killSignal: "SIGKILL" } as const;

function run(argv: string[], bin = "bin/xsm.cjs", input?: string) {
  const r = spawnSync(process.execPath, [bin, ...argv], { ...SPAWN_LIMIT, encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bin/xsm.cjs", () => {
  it("prints help, exit 0", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: xsm");
  });

  it("is package.json's bin, and bin/xsm.js runs the same command line", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ xsm: "bin/xsm.cjs" });
    for (const argv of [["--help"], ["compile", "test/fixtures/cli/small.conf"], ["compile", "--nope"], ["compile", "test/fixtures/cli/missing.conf"]]) {
      expect(run(argv, "bin/xsm.js")).toEqual(run(argv));
    }
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
    expect(run(["compile", "-"], undefined, "").stderr).toBe("xsm: error: standard input is empty, expected a policy\n");
  });

  it("compiles the bundles from the code caches the build made (compile; --help, -V; the other commands)", () => {
    const out = join(mkdtempSync(join(tmpdir(), "xsm-bin-")), "small.bin");
    for (const argv of [["--help"], ["-V"], ["compile", "test/fixtures/cli/small.conf"], ["compile", "examples/xen-flask/policy.conf", "-o", out], ["help", "check"], ["info", "test/fixtures/cli/small.conf"]]) {
      const r = spawnSync(process.execPath, ["bin/xsm.cjs", ...argv], { ...SPAWN_LIMIT, encoding: "utf8", env: { ...process.env, XSM_DEBUG: "1" } });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(`xsm: code cache: used\n${argv[0] === "compile" ? "xsm: TurboFan off (--no-opt): the compile's files are 1 MB or less\n" : ""}`);
    }
    expect(readFileSync("dist/bin/xsm-help.cache").length).toBeLessThan(readFileSync("dist/bin/xsm-compile.cache").length);
    // -o's cache holds the binary writer too
    expect(readFileSync("dist/bin/xsm-compile.cache").length).toBeLessThan(readFileSync("dist/bin/xsm-compile-o.cache").length);
    // the compile bundle is the whole command line less every other command
    expect(readFileSync("dist/bin/xsm-compile.cjs").length).toBeLessThan(readFileSync("dist/bin/xsm.cjs").length / 2);
  });

  it("answers compile and the help from the compile bundle exactly as the whole command line does", async () => {
    const { xsm } = await import("./run.js");
    const out = join(mkdtempSync(join(tmpdir(), "xsm-bin-")), "small.bin");
    const cases = [[], ["--help"], ["-V"], ["help"], ["help", "compile"], ["compile", "--help"], ["--help", "compile"], ["compile"], ["compile", "test/fixtures/cli/small.conf"], ["compile", "test/fixtures/cli/small.conf", "-o", out], ["compile", "test/fixtures/cli/missing.conf"], ["compil"], ["-h", "check"]];
    for (const argv of cases) {
      const inProcess = await xsm(...argv);
      expect(run(argv), argv.join(" ")).toEqual(inProcess);
    }
  });

  it("starts without node:child_process (commander's is required on first use) or the ES module loader", () => {
    const probe = join(mkdtempSync(join(tmpdir(), "xsm-probe-")), "probe.cjs");
    writeFileSync(probe, 'process.on("exit", () => process.stderr.write(process.moduleLoadList.filter((m) => /child_process|esm\\/loader/.test(m)).join(" ")));\n');
    for (const argv of [["--help"], ["compile", "test/fixtures/cli/small.conf"]]) {
      const r = spawnSync(process.execPath, ["-r", probe, "bin/xsm.cjs", ...argv], { ...SPAWN_LIMIT, encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
    }
  });

  it("loads no module of node's after setting --no-opt in a compile (it would void node's code cache for it), nor node:v8", () => {
    const probe = join(mkdtempSync(join(tmpdir(), "xsm-probe-")), "probe.cjs");
    // the launcher sets the flag through process.binding("v8"); what node loads after that call is
    // compiled without node's code cache (written with fs.writeSync: process.stderr would load net itself).
    // (A compile with other options goes through commander, loaded after the flag, and with it node's
    // one-line node:process module.)
    writeFileSync(
      probe,
      [
        "const binding = process.binding;",
        "let at;",
        'process.binding = function (name) { if (name === "v8") at = process.moduleLoadList.length; return binding.apply(this, arguments); };',
        'process.on("exit", () => require("node:fs").writeSync(2, at === undefined ? "no flag set" : process.moduleLoadList.slice(at).filter((m) => m.startsWith("NativeModule ")).concat(process.moduleLoadList.filter((m) => m === "NativeModule v8")).join(" ")));',
        "",
      ].join("\n"),
    );
    const out = join(mkdtempSync(join(tmpdir(), "xsm-bin-")), "policy.bin");
    for (const argv of [["compile", "examples/xen-flask/policy.conf"], ["compile", "examples/xen-flask/policy.conf", "-o", out]]) {
      const r = spawnSync(process.execPath, ["-r", probe, "bin/xsm.cjs", ...argv], { ...SPAWN_LIMIT, encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
    }
  });

  // the compile bundle writes with fs.writeSync, not through process.stdout's stream
  describe.skipIf(process.platform === "win32")("the compile's output through a pipe", () => {
    /** small.conf with 120 more domains, each allowed getattr on all: a 466 KB matrix, more than a pipe holds. */
    function bigPolicy(): string {
      const dir = mkdtempSync(join(tmpdir(), "xsm-pipe-"));
      const types = Array.from({ length: 120 }, (_, i) => `type g${i}_t, domain_type;\n`).join("");
      const text = readFileSync("test/fixtures/cli/small.conf", "utf8")
        .replace("type nic_t, device_type;\n", `type nic_t, device_type;\n${types}`)
        .replace("bool guests_may_plug false;\n", "bool guests_may_plug false;\nallow domain_type domain_type:domain getattr;\n");
      writeFileSync(join(dir, "big.conf"), text);
      return dir;
    }
    const sh = (script: string, dir: string) => spawnSync("/bin/sh", ["-c", script, "sh", process.execPath, join(process.cwd(), "bin", "xsm.cjs")], { ...SPAWN_LIMIT, cwd: dir, encoding: "utf8" });

    it("goes on quietly, exit 0, when the reader closes the pipe (`| head`): the summary on stderr, no error", () => {
      const dir = bigPolicy();
      sh('{ "$1" "$2" compile big.conf --emit-matrix - 2>err; echo $? >status; } | head -c 10 >/dev/null', dir);
      expect(readFileSync(join(dir, "status"), "utf8")).toBe("0\n");
      expect(readFileSync(join(dir, "err"), "utf8")).toMatch(/^big\.conf: compiled\n  types {7}127\n[^]*  warnings {6}0\n$/);
    });

    it("writes all of it into a pipe another process made non-blocking (EAGAIN), to a slow reader", () => {
      const dir = bigPolicy();
      const expected = spawnSync(process.execPath, ["bin/xsm.cjs", "compile", join(dir, "big.conf"), "--emit-matrix", "-"], { ...SPAWN_LIMIT, encoding: "utf8" }).stdout;
      expect(expected.length).toBeGreaterThan(256 * 1024);
      // a node that opens its stdout, the same pipe, makes it non-blocking for every writer (libuv)
      const r = sh(
        '{ "$1" -e "process.stdout; setTimeout(() => {}, 30000)" & holder=$!; sleep 0.3; "$1" "$2" compile big.conf --emit-matrix - 2>err; echo $? >status; kill $holder; } | { sleep 1; cat; }',
        dir,
      );
      expect(readFileSync(join(dir, "status"), "utf8")).toBe("0\n");
      expect(r.stdout).toBe(expected);
      expect(readFileSync(join(dir, "err"), "utf8")).toContain("big.conf: compiled");
    });
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

/** A bundle as the build writes it: its id, then one function expression, called as node calls a
 *  CommonJS module. */
const FAKE_BUNDLE = "// xsm-bundle 0123abcd\n(function (exports, require, module) {\nexports.runCli = async (argv, io) => { io.stdout.write(`ran ${argv}\\n`); return 0; };\n})";

/** A checkout (or, under `parent`, a package) with bin/, one source file dated 1970 (its directories
 *  earlier) and, when given a build time, a stamp listing src/ as the build does and a fake bundle;
 *  returns its bin/xsm.cjs. */
function checkout(builtAt?: number, parent = mkdtempSync(join(tmpdir(), "xsm-bin-"))): string {
  const root = join(parent, "xsm-policy");
  mkdirSync(join(root, "bin"), { recursive: true });
  cpSync("bin/xsm.cjs", join(root, "bin", "xsm.cjs"));
  cpSync("bin/xsm.js", join(root, "bin", "xsm.js"));
  cpSync("bin/source-digest.cjs", join(root, "bin", "source-digest.cjs"));
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  writeFileSync(join(root, "src", "cli", "main.ts"), "");
  utimesSync(join(root, "src", "cli", "main.ts"), 1000, 1000);
  for (const dir of ["src/cli", "src"]) utimesSync(join(root, dir), 900, 900);
  if (builtAt !== undefined) {
    mkdirSync(join(root, "dist", "bin"), { recursive: true });
    const paths = ["src/", "src/cli/", "src/cli/main.ts"];
    const digests = Object.fromEntries(paths.map((path) => [path, sourceDigest(join(root, path), path.endsWith("/"))]));
    writeFileSync(join(root, "dist", "build-stamp.json"), JSON.stringify({ builtAt, bundles: { "xsm.cjs": paths, "xsm-compile.cjs": paths }, digests }));
    for (const bundle of ["xsm.cjs", "xsm-compile.cjs"]) writeFileSync(join(root, "dist", "bin", bundle), FAKE_BUNDLE);
  }
  return join(root, "bin", "xsm.cjs");
}

/** The checkout's source file edited after its build (its mtime as before: the stamp's digest tells). */
function edited(bin: string): string {
  const main = join(bin, "..", "..", "src", "cli", "main.ts");
  writeFileSync(main, "export {};\n");
  utimesSync(main, 1000, 1000);
  return bin;
}

describe("bin/xsm.cjs in a checkout whose build is missing or stale", () => {

  it("says there is no build, and how to make one", () => {
    const r = run(["--help"], checkout());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: xsm is not built (no dist/build-stamp.json); run `npm run build`\n");
  });

  it("says which source is newer than the build", () => {
    const r = run(["--help"], edited(checkout(999_000)));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: the build in dist/ is older than src/cli/main.ts; run `npm run build`\n");
  });

  it("runs a build whose newer sources still hold what it was built from (a checkout rewrote them)", () => {
    const bin = checkout(2_000_000);
    const root = join(bin, "..", "..");
    // git checkout or stash pop: the same bytes, the same names, every mtime newer than the build
    writeFileSync(join(root, "src", "cli", "main.ts"), "");
    for (const path of ["src/cli/main.ts", "src/cli", "src"]) utimesSync(join(root, path), 3000, 3000);
    expect(run(["--help"], bin)).toEqual({ code: 0, stdout: "ran --help\n", stderr: "" });
    // ... and once the bytes differ, the build is older than them
    writeFileSync(join(root, "src", "cli", "main.ts"), "export {};\n");
    expect(run(["--help"], bin).stderr).toBe("xsm: the build in dist/ is older than src/cli/main.ts; run `npm run build`\n");
  });

  it("notices a source file added, removed or renamed since the build (its directory is newer)", () => {
    for (const change of ["add", "remove", "rename"] as const) {
      const bin = checkout(2_000_000);
      const cli = join(bin, "..", "..", "src", "cli");
      if (change === "add") writeFileSync(join(cli, "new.ts"), "");
      else if (change === "remove") rmSync(join(cli, "main.ts"));
      else renameSync(join(cli, "main.ts"), join(cli, "app.ts"));
      const r = run(["--help"], bin);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("xsm: the build in dist/ is older than src/cli/ (a file added, removed or renamed there); run `npm run build`\n");
    }
  });

  it("notices a listed source gone, and a stamp from an older build script", () => {
    const bin = checkout(2_000_000);
    rmSync(join(bin, "..", "..", "src", "cli", "main.ts"));
    utimesSync(join(bin, "..", "..", "src", "cli"), 900, 900);
    expect(run(["--help"], bin).stderr).toBe("xsm: the build in dist/ is stale (src/cli/main.ts is gone); run `npm run build`\n");
    writeFileSync(join(bin, "..", "..", "dist", "build-stamp.json"), JSON.stringify({ builtAt: 2_000_000, src: ["src/", "src/cli/"] }));
    expect(run(["--help"], bin).stderr).toBe("xsm: the build in dist/ is stale (made by an older scripts/build.mjs); run `npm run build`\n");
  });

  it("compares each bundle with its own paths: an edit the compile bundle was not made from leaves it running", () => {
    const bin = checkout(2_000_000);
    const root = join(bin, "..", "..");
    mkdirSync(join(root, "src", "lsp"));
    writeFileSync(join(root, "src", "lsp", "server.ts"), "");
    for (const dir of ["src/lsp", "src"]) utimesSync(join(root, dir), 900, 900);
    const compile = ["src/", "src/cli/", "src/cli/main.ts"];
    writeFileSync(join(root, "dist", "build-stamp.json"), JSON.stringify({ builtAt: 2_000_000, bundles: { "xsm.cjs": [...compile, "src/lsp/", "src/lsp/server.ts"], "xsm-compile.cjs": compile } }));
    expect(run(["compile", "x"], bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "" });
    expect(run(["check", "x"], bin)).toEqual({ code: 1, stdout: "", stderr: "xsm: the build in dist/ is older than src/lsp/server.ts; run `npm run build`\n" });
  });

  it("lists the compile bundle's sources and their directories in the stamp, and all of src/ for the whole command line", () => {
    const stamp = JSON.parse(readFileSync("dist/build-stamp.json", "utf8")) as { bundles: Record<string, string[]>; digests: Record<string, string> };
    expect(stamp.bundles["xsm.cjs"]!.filter((path) => stamp.digests[path] === undefined)).toEqual([]);
    const compile = stamp.bundles["xsm-compile.cjs"]!;
    expect(compile).toEqual(expect.arrayContaining(["src/", "src/cli/", "src/cli/main.ts", "src/cli/compile.ts", "src/policy/", "src/policy/parse.ts"]));
    expect(compile).not.toContain("src/lsp/server.ts");
    expect(stamp.bundles["xsm.cjs"]).toEqual(expect.arrayContaining(["src/lsp/server.ts", "src/studio/", ...compile]));
  });

  it("runs a current build, and a build without src/ (nothing to compare)", () => {
    const bin = checkout(2_000_000);
    expect(run(["compile", "x"], bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "" });
    rmSync(join(bin, "..", "..", "src"), { recursive: true });
    expect(run(["compile", "x"], bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "" });
  });

  it("says so through bin/xsm.js too", () => {
    const r = run(["--help"], edited(checkout(999_000)).replace(/\.cjs$/, ".js"));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: the build in dist/ is older than src/cli/main.ts; run `npm run build`\n");
  });

  it("does not compare src/ with the build of a package installed under node_modules", () => {
    const modules = join(mkdtempSync(join(tmpdir(), "xsm-bin-")), "node_modules");
    const r = run(["compile", "x"], checkout(999_000, modules));
    expect(r).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "" });
    expect(run(["--help"], checkout(undefined, join(modules, "other"))).stderr).toBe("xsm: xsm is not built (no dist/build-stamp.json); run `npm run build`\n");
  });

  it("says so when the stamp is there but the bundle is not", () => {
    const bin = checkout(2_000_000);
    rmSync(join(bin, "..", "..", "dist", "bin", "xsm-compile.cjs"));
    expect(run(["--help"], bin)).toEqual({ code: 1, stdout: "", stderr: "xsm: xsm is not built (no dist/bin/xsm-compile.cjs); run `npm run build`\n" });
    expect(run(["check", "x"], bin)).toEqual({ code: 0, stdout: "ran check,x\n", stderr: "" });
    rmSync(join(bin, "..", "..", "dist", "bin", "xsm.cjs"));
    expect(run(["check", "x"], bin)).toEqual({ code: 1, stdout: "", stderr: "xsm: xsm is not built (no dist/bin/xsm.cjs); run `npm run build`\n" });
  });
});

describe("bin/xsm.cjs and the code cache", () => {
  /** The key bin/xsm.cjs gives a bundle: node, arch, the bundle's length and the id on its first line. */
  const key = (bundle: Buffer) =>
    JSON.stringify({ node: process.version, arch: process.arch, bundleBytes: bundle.length, bundleId: bundle.toString("latin1", 0, bundle.indexOf(10)).slice("// xsm-bundle ".length) });
  function withCache(header: string, data: Buffer): string {
    const bin = checkout(2_000_000);
    writeFileSync(join(bin, "..", "..", "dist", "bin", "xsm-compile.cache"), Buffer.concat([Buffer.from(`${header}\n`), data]));
    return bin;
  }
  const debugRun = (bin: string) => {
    const r = spawnSync(process.execPath, [bin, "compile", "x"], { ...SPAWN_LIMIT, encoding: "utf8", env: { ...process.env, XSM_DEBUG: "1" } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("makes a cache V8 accepts, and runs the same with it", () => {
    const bin = checkout(2_000_000);
    const env = { ...process.env, XSM_WRITE_CODE_CACHE: join(bin, "..", "..", "dist", "bin", "xsm-compile.cache") };
    expect(spawnSync(process.execPath, [bin, "compile", "x"], { ...SPAWN_LIMIT, encoding: "utf8", env }).stdout).toBe("ran compile,x\n");
    expect(debugRun(bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: used\n" });
  });

  it("uses no cache for a bundle without an id", () => {
    const bin = checkout(2_000_000);
    const dist = join(bin, "..", "..", "dist", "bin");
    writeFileSync(join(dist, "xsm-compile.cjs"), FAKE_BUNDLE.slice(FAKE_BUNDLE.indexOf("\n") + 1));
    spawnSync(process.execPath, [bin, "compile", "x"], { ...SPAWN_LIMIT, env: { ...process.env, XSM_WRITE_CODE_CACHE: join(dist, "xsm-compile.cache") } });
    expect(debugRun(bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: none (dist/bin/xsm-compile.cache)\n" });
  });

  it("keeps --help's cache apart from the commands' one", () => {
    const bin = checkout(2_000_000);
    const dist = join(bin, "..", "..", "dist", "bin");
    const help = spawnSync(process.execPath, [bin, "--help"], { ...SPAWN_LIMIT, encoding: "utf8", env: { ...process.env, XSM_DEBUG: "1" } });
    expect(help.stderr).toBe("xsm: code cache: none (dist/bin/xsm-help.cache)\n");
    spawnSync(process.execPath, [bin, "--help"], { ...SPAWN_LIMIT, env: { ...process.env, XSM_WRITE_CODE_CACHE: join(dist, "xsm-help.cache") } });
    expect(debugRun(bin)).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: none (dist/bin/xsm-compile.cache)\n" });
    const again = spawnSync(process.execPath, [bin, "--help"], { ...SPAWN_LIMIT, encoding: "utf8", env: { ...process.env, XSM_DEBUG: "1" } });
    expect(again).toMatchObject({ status: 0, stdout: "ran --help\n", stderr: "xsm: code cache: used\n" });
  });

  it("leaves a cache made for another bundle (id or length) or another node unused", () => {
    const otherId = Buffer.from(FAKE_BUNDLE.replace("0123abcd", "4567ef01"));
    const otherLength = Buffer.from(FAKE_BUNDLE.replace("ran", "ran:"));
    for (const header of [key(otherId), key(otherLength), key(Buffer.from(FAKE_BUNDLE)).replace(process.version, "v0.0.0")]) {
      const r = debugRun(withCache(header, Buffer.from("not V8's")));
      expect(r).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: made for another bundle or node, not used\n" });
    }
  });

  it("turns TurboFan off for a compile whose files come to 1 MB or less; a larger one or standard input grows the young generation faster", () => {
    const bin = checkout(2_000_000);
    const dir = mkdtempSync(join(tmpdir(), "xsm-bin-"));
    const small = join(dir, "small.conf"), large = join(dir, "large.conf"), out = join(dir, "out.bin");
    writeFileSync(small, "# policy\n");
    writeFileSync(large, "#".repeat((1 << 20) + 1));
    writeFileSync(out, "#".repeat(1 << 20));
    const flags = (argv: string[]) => {
      const r = spawnSync(process.execPath, [bin, ...argv], { ...SPAWN_LIMIT, encoding: "utf8", input: "", env: { ...process.env, XSM_DEBUG: "1" } });
      expect(r.stdout).toBe(`ran ${argv}\n`);
      const noOpt = r.stderr.includes("xsm: TurboFan off (--no-opt)");
      const growth = r.stderr.includes("xsm: young generation grows 16x at a time");
      return noOpt ? "no-opt" : growth ? "growth" : "none";
    };
    expect(flags(["compile", small])).toBe("no-opt");
    expect(flags(["compile", small, "-o", join(dir, "new.bin")])).toBe("no-opt");
    expect(flags(["compile", large])).toBe("growth");
    expect(flags(["compile", small, "-o", out])).toBe("growth");
    expect(flags(["compile", "-"])).toBe("growth");
    expect(flags(["info", small])).toBe("none");
  });

  it("runs the same when V8 rejects the cache's data", () => {
    const r = debugRun(withCache(key(Buffer.from(FAKE_BUNDLE)), Buffer.from("not V8's")));
    expect(r).toEqual({ code: 0, stdout: "ran compile,x\n", stderr: "xsm: code cache: rejected by V8\n" });
  });
});
