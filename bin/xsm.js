#!/usr/bin/env node
// `xsm`: runs the command line `npm run build` bundled into dist/bin/ (npm ci builds it through
// "prepare"). A missing build, or one older than src/, is one line naming the fix, never old code run
// silently. "Older" is cheap to tell: the build records when it started and how many files src/ had
// (scripts/build.mjs); any file under src/ modified since, added or removed makes the build stale.
// A package without src/ (an installed tarball) has nothing to compare and runs its build.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function staleness() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(`${root}dist/build-stamp.json`, "utf8"));
  } catch {
    return "xsm is not built (no dist/build-stamp.json)";
  }
  let files = 0;
  let changed;
  // (plain concatenation: path.join normalises every path it makes, which made this walk cost
  // more than the rest of `xsm --help`)
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if ((files++, changed === undefined && statSync(path).mtimeMs > stamp.builtAt)) changed = path;
    }
  };
  try {
    walk(`${root}src`);
  } catch (err) {
    if (err.code === "ENOENT") return undefined;
    throw err;
  }
  if (changed !== undefined) return `the build in dist/ is older than ${changed.slice(root.length)}`;
  if (files !== stamp.srcFiles) return `the build in dist/ is stale (src/ had ${stamp.srcFiles} files, now ${files})`;
  return undefined;
}

const stale = staleness();
if (stale !== undefined) {
  process.stderr.write(`xsm: ${stale}; run \`npm run build\`\n`);
  process.exit(1);
}

const { runCli } = await import("../dist/bin/xsm.js");

// a closed pipe (`xsm ... | head`) ends the output, not the process with a stack trace
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
