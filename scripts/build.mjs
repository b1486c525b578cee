// Builds dist/ (run by `npm ci` through "prepare"): the library for plain `node` importers of
// "xsm-policy". tsc emits the modules; the JSON a module reads at run time is copied beside it.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { createRequire } from "node:module";

const root = new URL("..", import.meta.url).pathname;
rmSync(join(root, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

function copyJson(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyJson(path);
    else if (entry.name.endsWith(".json")) cpSync(path, join(root, "dist", relative(join(root, "src"), path)));
  }
}
copyJson(join(root, "src"));
