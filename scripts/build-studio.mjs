// Bundles the studio page (src/studio/page) into dist/studio-web: the compiler, decisions and
// simulator as the CLI runs them, CodeMirror and Graphviz's WebAssembly build, in one module.
// Run by scripts/build.mjs (npm run build, prepare), never when `xsm studio` starts. A Node-only
// import (node:fs, node:path) reachable from the page fails the build: the core must not need one.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const page = join(root, "src/studio/page");
const out = join(root, "dist/studio-web");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(page, "main.ts")],
  outfile: join(out, "studio.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
for (const f of ["index.html", "studio.css"]) copyFileSync(join(page, f), join(out, f));
