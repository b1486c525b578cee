// Builds dist/ (run by `npm ci` through "prepare", and by `npm run build`):
//   dist/**          the library for plain `node` importers of "xsm-policy" (tsc, one file per module;
//                    the JSON a module reads at run time is copied beside it);
//   dist/bin/xsm.cjs the `xsm` command line, src/cli/main.ts bundled by esbuild into one function
//                    expression that bin/xsm.cjs compiles with node:vm (CommonJS inside: require,
//                    module, __filename). Command modules stay behind main.ts's dynamic imports, so
//                    running one evaluates only what it uses; the optional heavy packages (the
//                    Graphviz build behind --svg, the language server's protocol) stay in
//                    node_modules and are required when used;
//   dist/bin/xsm-compile.cjs  the same with only the compile command (bin/xsm.cjs runs it for
//                    `xsm compile` and the help): 37% of the size, for the command run most;
//                    each bundle's first line names it by a hash of its text;
//   dist/bin/*.cache V8's code caches of the bundles, made by runs of the built CLI under
//                    XSM_WRITE_CODE_CACHE (see the end of this file); bin/xsm.cjs uses one only for
//                    the bundle (id and length) and node it was made from;
//   dist/bin/lsp-worker.js  the language server's analysis worker, a thread's own ES module entry
//                    (src/lsp/runner.ts finds it beside the bundle);
//   dist/build-stamp.json  when this build started and, per bundle, the paths of src/ bin/xsm.cjs
//                    compares with the build to refuse running a stale one: all of src/ for
//                    xsm.cjs, the compile bundle's own sources and their directories for xsm-compile.cjs;
//                    and a digest of each path as the build started (bin/source-digest.cjs).
// The scenario validator (src/sim/scenario.validate.generated.js) is regenerated first when the
// schema changed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createRequire } from "node:module";
import { build } from "esbuild";
import { writeValidator } from "./build-validator.mjs";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
if (writeValidator()) console.log("build: regenerated src/sim/scenario.validate.generated.js from the schema");
// after the only write into src/: an edit from here on makes this build stale
const startedAt = Date.now();
// what src/ held as the build started (bin/source-digest.cjs): a path newer than the build whose
// bytes are these still runs it. Taken before anything reads src/, so an edit during the build
// leaves a digest the edited file no longer matches (stale, as it should say).
const { sourceDigest } = createRequire(import.meta.url)("../bin/source-digest.cjs");
const digests = Object.fromEntries(listSrc("src").map((path) => [path, sourceDigest(join(root, path), path.endsWith("/"))]));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

function copyJson(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyJson(path);
    else if (entry.name.endsWith(".json")) cpSync(path, join(dist, relative(join(root, "src"), path)));
  }
}
copyJson(join(root, "src"));

const node = { bundle: true, platform: "node", target: "node20", logLevel: "warning", absWorkingDir: root };
/** Each bundle's sources under src/ (esbuild's metafile inputs, relative to the root), for the stamp. */
const bundleSources = {};
const sourcesOf = (metafile) => Object.keys(metafile.inputs).filter((path) => path.startsWith("src/"));
// the packages only some runs of some commands load: required from node_modules when they are
const OPTIONAL = /^(@viz-js\/viz|vscode-languageserver(-textdocument)?(\/.*)?)$/;
/** Leaves OPTIONAL out of the bundle, each loaded through require() (all have a CommonJS entry):
 *  an import() left in the script would need node:vm's dynamic-import callback, which V8 loses
 *  for functions compiled from a code cache. */
const requireOptional = {
  name: "require-optional",
  setup(b) {
    b.onResolve({ filter: OPTIONAL }, (args) => (args.kind === "dynamic-import" ? { path: args.path, namespace: "require-optional" } : { path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "require-optional" }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
  },
};
/** commander requires node:child_process when loaded, for executable subcommands xsm never has:
 *  loading it (with net, dgram and the streams) was 3-6 ms of every start, so commander's copy is
 *  required on first use. */
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: args.path, namespace: "lazy-child-process" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "lazy-child-process" }, () => ({
      contents: 'let loaded;\nmodule.exports = new Proxy({}, { get: (_, name) => (loaded ??= require("node:child_process"))[name] });',
      loader: "js",
    }));
  },
};
/** The compile bundle's main.ts keeps only the compile command: every other command's import()
 *  from main.ts becomes a module that throws (bin/xsm.cjs never runs this bundle for them). */
const onlyCompile = {
  name: "only-compile",
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
      args.kind === "dynamic-import" && /[\\/]src[\\/]cli[\\/]main\.ts$/.test(args.importer) && !["./compile.js", "./compile-run.js"].includes(args.path) ? { path: args.path, namespace: "only-compile" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "only-compile" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`dist/bin/xsm-compile.cjs has no ${args.path} (bin/xsm.cjs runs it only for compile and help)`)});`,
      loader: "js",
    }));
  },
};
// The command line as two bundles of src/cli/main.ts (bin/xsm.cjs picks one from the arguments):
// xsm.cjs with every command, and xsm-compile.cjs with only `compile` (and the help), 37% of the
// size: what a Makefile runs once per file reads, copies and deserialises that much less.
const CLI_BUNDLES = [
  { file: "xsm.cjs", plugins: [] },
  { file: "xsm-compile.cjs", plugins: [onlyCompile] },
];
for (const bundle of CLI_BUNDLES) {
  const cli = await build({
    ...node,
    metafile: true,
    write: false,
    entryPoints: [join(root, "src", "cli", "main.ts")],
    outfile: join(dist, "bin", bundle.file),
    format: "cjs",
    plugins: [requireOptional, lazyChildProcess, ...bundle.plugins],
    // without blanks and comments (names kept, for stack traces and profiles): a start reads,
    // copies and keeps 40% less of it; bench/profile.ts finds the modules through the source map
    minifyWhitespace: true,
    sourcemap: "external",
    sourcesContent: false,
    // the file is one function expression; bin/xsm.cjs calls it as node calls a CommonJS module
    // (the modules' import.meta.url is the bundle's own URL, as it was for the ES module bundle,
    // made when first read: a compile never reads it, and node's url code runs cold, ~1 ms)
    define: { "import.meta.url": "__xsmMeta.url" },
    banner: { js: '(function (exports, require, module, __filename, __dirname) {\nconst __xsmMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
    footer: { js: "\n})" },
  });
  // (a new optional package belongs in OPTIONAL: an import() of it would work without the cache and
  // fail with it, so the build refuses it here rather than a user's run later)
  for (const output of Object.values(cli.metafile.outputs)) {
    const left = output.imports.filter((i) => i.kind === "dynamic-import" && i.external).map((i) => i.path);
    if (left.length > 0) throw new Error(`build: dist/bin/${bundle.file} would import() ${left.join(", ")}; add it to OPTIONAL in scripts/build.mjs`);
  }
  bundleSources[bundle.file] = sourcesOf(cli.metafile);
  const text = cli.outputFiles.find((f) => f.path.endsWith(".cjs")).contents;
  const map = cli.outputFiles.find((f) => f.path.endsWith(".map"));
  // bin/xsm.cjs reads the bundle as latin1 (no UTF-8 decode at every start), which is its text only
  // while esbuild escapes every non-ASCII character (its default charset): refuse a bundle that is not
  const nonAscii = text.findIndex((b) => b > 0x7f);
  if (nonAscii >= 0) throw new Error(`build: dist/bin/${bundle.file} has a non-ASCII byte at offset ${nonAscii}; bin/xsm.cjs reads it as latin1 (keep esbuild's default charset)`);
  // the first line names the bundle by a hash of its text: bin/xsm.cjs uses a code cache only for the
  // bundle id (and length) it was made from, without hashing 1-2 MB at every start
  const id = createHash("sha256").update(text).digest("hex").slice(0, 32);
  mkdirSync(join(dist, "bin"), { recursive: true });
  writeFileSync(join(dist, "bin", bundle.file), Buffer.concat([Buffer.from(`// xsm-bundle ${id}\n`), text]));
  writeFileSync(join(dist, "bin", `${bundle.file}.map`), map.contents);
}
await build({
  ...node,
  // the language server's analysis worker is a thread's own entry (src/lsp/runner.ts finds it here)
  entryPoints: { "lsp-worker": join(root, "src", "lsp", "worker.ts") },
  outdir: join(dist, "bin"),
  format: "esm",
  // vscode-languageserver is CommonJS; its require() of node built-ins needs a real require in an ES module
  banner: { js: 'import { createRequire as __xsmRequire } from "node:module"; const require = __xsmRequire(import.meta.url);' },
});

// the studio page, bundled for the browser (dist/studio-web)
execFileSync(process.execPath, [join(root, "scripts", "build-studio.mjs")], { stdio: "inherit" });

/** src/'s directories (with a final /) and files, each directory before its entries, relative to
 *  the root as bin/xsm.cjs stats them. */
function listSrc(dir, out = [`${dir}/`]) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (entry.isDirectory()) {
      out.push(`${dir}/${entry.name}/`);
      listSrc(`${dir}/${entry.name}`, out);
    }
    else out.push(`${dir}/${entry.name}`);
  }
  return out;
}
/** The compile bundle's paths: src/ first (a package without it has nothing to compare), then every
 *  directory that holds one of its sources (a file added, removed or renamed there makes it newer),
 *  then the sources. An edit elsewhere in src/ leaves what this bundle runs as a rebuild would make
 *  it, and `xsm compile` stats ~75 paths instead of all of src/'s ~190. */
function bundlePaths(sources) {
  const dirs = new Set(["src/"]);
  for (const file of sources) for (let i = file.indexOf("/"); i >= 0; i = file.indexOf("/", i + 1)) dirs.add(file.slice(0, i + 1));
  return [...dirs, ...new Set(sources)];
}
mkdirSync(dist, { recursive: true });
// the whole command line is compared with all of src/: its commands also serve the studio page
// (built apart) and read src/ files at run time
const stamp = { builtAt: startedAt, bundles: { "xsm.cjs": listSrc("src"), "xsm-compile.cjs": bundlePaths(bundleSources["xsm-compile.cjs"]) }, digests };
writeFileSync(join(dist, "build-stamp.json"), `${JSON.stringify(stamp)}\n`);

// V8's code caches of the bundles, from runs of the built CLI (after the stamp: bin/xsm.cjs refuses a
// stale build): xsm-compile.cache from `xsm compile`, xsm-compile-o.cache from `xsm compile -o` (the
// plain compile's functions and the binary writer's; bin/xsm.cjs picks it when the arguments ask for
// a binary), xsm-help.cache (the same bundle) from `xsm --help` for `xsm`, `xsm --help`, `xsm -V`,
// and xsm.cache from `xsm info` for the other commands (most compile a policy first). Without
// examples/, help runs train them.
const flask = join(root, "examples", "xen-flask", "policy.conf");
const trainDir = mkdtempSync(join(tmpdir(), "xsm-train-"));
const TRAINING = [
  ["xsm-compile.cache", existsSync(flask) ? ["compile", flask] : ["help", "compile"]],
  ["xsm-compile-o.cache", existsSync(flask) ? ["compile", flask, "-o", join(trainDir, "policy.bin")] : ["help", "compile", "-o"]],
  ["xsm-help.cache", ["--help"]],
  ["xsm.cache", existsSync(flask) ? ["info", flask] : ["help", "check"]],
];
for (const [cache, run] of TRAINING) {
  execFileSync(process.execPath, [join(root, "bin", "xsm.cjs"), ...run], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, XSM_WRITE_CODE_CACHE: join(dist, "bin", cache) },
  });
  if (!existsSync(join(dist, "bin", cache))) throw new Error(`build: no dist/bin/${cache} after its training run`);
}
rmSync(trainDir, { recursive: true, force: true });
