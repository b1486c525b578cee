// Builds dist/ (run by `npm ci` through "prepare", and by `npm run build`):
//   dist/**          the library for plain `node` importers of "xsm-policy" (tsc, one file per module;
//                    the JSON a module reads at run time is copied beside it);
//   dist/bin/        the `xsm` command line, src/cli/main.ts bundled by esbuild: one file for start-up
//                    and one chunk per command (main.ts imports each command module dynamically), so a
//                    start loads a handful of files instead of ~40 modules and node_modules;
//   dist/build-stamp.json  when this build started and how many files src/ had, which bin/xsm.js
//                    compares with src/ to refuse running a stale build.
// The scenario validator (src/sim/scenario.validate.generated.js) is regenerated first when the
// schema changed.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

await build({
  // the language server's analysis worker is a thread's own entry (src/lsp/runner.ts finds it here)
  entryPoints: { xsm: join(root, "src", "cli", "main.ts"), "lsp-worker": join(root, "src", "lsp", "worker.ts") },
  outdir: join(dist, "bin"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  // commander is CommonJS; its require() of node built-ins needs a real require in an ES module
  banner: { js: 'import { createRequire as __xsmRequire } from "node:module"; const require = __xsmRequire(import.meta.url);' },
});

// the studio page, bundled for the browser (dist/studio-web)
execFileSync(process.execPath, [join(root, "scripts", "build-studio.mjs")], { stdio: "inherit" });

/** The files under src/, as bin/xsm.js counts them. */
function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return n;
}
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, "build-stamp.json"), `${JSON.stringify({ builtAt: startedAt, srcFiles: countFiles(join(root, "src")) })}\n`);
