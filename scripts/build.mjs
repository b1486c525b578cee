// Builds dist/ (run by `npm ci` through "prepare", and by `npm run build`):
//   dist/**          the library for plain `node` importers of "xsm-policy" (tsc, one file per module;
//                    the JSON a module reads at run time is copied beside it);
//   dist/bin/xsm.cjs the `xsm` command line, src/cli/main.ts bundled by esbuild into one function
//                    expression that bin/xsm.cjs compiles with node:vm (CommonJS inside: require,
//                    module, __filename). Command modules stay behind main.ts's dynamic imports, so
//                    running one evaluates only what it uses; the optional heavy packages (the
//                    Graphviz build behind --svg, the language server's protocol) stay in
//                    node_modules and are required when used;
//   dist/bin/xsm.cache  V8's code cache of that script, made by a run of `xsm compile` (or `help
//                    compile` where examples/ is absent) under XSM_WRITE_CODE_CACHE, and
//                    xsm-help.cache, of `xsm --help`; bin/xsm.cjs uses them only for the same bundle
//                    bytes and node (see there);
//   dist/bin/lsp-worker.js  the language server's analysis worker, a thread's own ES module entry
//                    (src/lsp/runner.ts finds it beside the bundle);
//   dist/build-stamp.json  when this build started and src/'s directories and files, which
//                    bin/xsm.cjs compares with src/ to refuse running a stale build.
// The scenario validator (src/sim/scenario.validate.generated.js) is regenerated first when the
// schema changed.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

const node = { bundle: true, platform: "node", target: "node20", logLevel: "warning" };
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
const cli = await build({
  ...node,
  metafile: true,
  entryPoints: [join(root, "src", "cli", "main.ts")],
  outfile: join(dist, "bin", "xsm.cjs"),
  format: "cjs",
  plugins: [requireOptional, lazyChildProcess],
  // the file is one function expression; bin/xsm.cjs calls it as node calls a CommonJS module
  // (the modules' import.meta.url is the bundle's own URL, as it was for the ES module bundle)
  define: { "import.meta.url": "__xsmModuleUrl" },
  banner: { js: '(function (exports, require, module, __filename, __dirname) {\nconst __xsmModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  footer: { js: "\n})" },
});
// (a new optional package belongs in OPTIONAL: an import() of it would work without the cache and
// fail with it, so the build refuses it here rather than a user's run later)
for (const output of Object.values(cli.metafile.outputs)) {
  const left = output.imports.filter((i) => i.kind === "dynamic-import" && i.external).map((i) => i.path);
  if (left.length > 0) throw new Error(`build: dist/bin/xsm.cjs would import() ${left.join(", ")}; add it to OPTIONAL in scripts/build.mjs`);
}
// bin/xsm.cjs reads the bundle as latin1 (no UTF-8 decode at every start), which is its text only
// while esbuild escapes every non-ASCII character (its default charset): refuse a bundle that is not
const nonAscii = readFileSync(join(dist, "bin", "xsm.cjs")).findIndex((b) => b > 0x7f);
if (nonAscii >= 0) throw new Error(`build: dist/bin/xsm.cjs has a non-ASCII byte at offset ${nonAscii}; bin/xsm.cjs reads it as latin1 (keep esbuild's default charset)`);
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
    if (entry.isDirectory()) listSrc(`${dir}/${entry.name}`, out);
    else out.push(`${dir}/${entry.name}`);
  }
  return out;
}
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, "build-stamp.json"), `${JSON.stringify({ builtAt: startedAt, src: listSrc("src") })}\n`);

// V8's code caches of the bundle, from runs of the built CLI (after the stamp: bin/xsm.cjs refuses a
// stale build): xsm.cache for commands (a compile trains the compiler's functions too; --help where
// examples/ is absent), xsm-help.cache for `xsm`, `xsm --help` and `xsm -V`.
const flask = join(root, "examples", "xen-flask", "policy.conf");
for (const [cache, run] of [["xsm.cache", existsSync(flask) ? ["compile", flask] : ["help", "compile"]], ["xsm-help.cache", ["--help"]]]) {
  execFileSync(process.execPath, [join(root, "bin", "xsm.cjs"), ...run], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, XSM_WRITE_CODE_CACHE: join(dist, "bin", cache) },
  });
}
