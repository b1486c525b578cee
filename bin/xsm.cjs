#!/usr/bin/env node
// `xsm` (package.json "bin"; bin/xsm.js loads this file): runs the command line `npm run build`
// bundled into dist/bin/xsm.cjs (npm ci builds it through "prepare"). A missing build, or one older
// than src/, is one line naming the fix, never old code run silently. "Older" is cheap to tell: the
// build records when it started and lists src/'s directories and files (scripts/build.mjs); a file
// edited since is newer than the build, and one added, removed or renamed makes its directory newer,
// so one stat per listed path tells, without walking src/ (readdir cost as much as the stats).
// A package without src/ has nothing to compare and runs its build; so does an installed one (under
// node_modules: npm dates every file of a tarball 1985, and nobody edits there instead of building),
// which skips the stats. (A checkout linked with `npm link` runs from its real path and keeps them.)
//
// The bundle is one script compiled through node:vm with V8's code cache (dist/bin/xsm.cache, made by
// the build from a run of `xsm compile`, and xsm-help.cache from `xsm --help`): V8 then deserialises the bytecode instead of parsing 1.5 MB
// of JavaScript and compiling every function a run calls, which was most of a short run's time after
// node's own start-up. The cache is used only for the bundle it was made from (its length and CRC-32)
// and the node that made it (version, arch); V8 itself also refuses data made under other flags. In
// any other case the bundle is compiled from its text: slower, never different.
//
// CommonJS (.cjs, whatever package.json's "type"): node runs it without its ES module loader, whose
// resolution, loading and module records cost a few ms of a start-up that is ~40 ms beyond node's own.
"use strict";
const { readFileSync, statSync, writeFileSync } = require("node:fs");
const { Script } = require("node:vm");
const zlib = require("node:zlib");

const root = `${require("node:path").dirname(__dirname)}/`;
const bundleFile = `${root}dist/bin/xsm.cjs`;
// `xsm`, `xsm --help`, `xsm -V` run none of the commands' code: the cache of a `--help` run alone
// (half the size of a compile's) deserialises in half the time; every other run takes the compile's.
const cacheName = process.argv.length <= 2 || process.argv[2].startsWith("-") ? "xsm-help.cache" : "xsm.cache";
const cacheFile = `${root}dist/bin/${cacheName}`;
/** XSM_DEBUG=1 says on stderr whether the code cache was used; returns undefined (no cache). */
function debug(line) {
  if (process.env.XSM_DEBUG) process.stderr.write(`xsm: ${line}\n`);
  return undefined;
}

function staleness() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(`${root}dist/build-stamp.json`, "utf8"));
  } catch {
    return "xsm is not built (no dist/build-stamp.json)";
  }
  if (/[\\/]node_modules[\\/]/.test(root)) return undefined;
  if (!Array.isArray(stamp.src)) return "the build in dist/ is stale (made by an older scripts/build.mjs)";
  // (plain concatenation: path.join normalises every path it makes, which once cost more than the
  // rest of `xsm --help`)
  for (const path of stamp.src) {
    const stat = statSync(`${root}${path}`, { throwIfNoEntry: false });
    if (stat === undefined) return path === "src/" ? undefined : `the build in dist/ is stale (${path} is gone)`;
    if (stat.mtimeMs > stamp.builtAt) return `the build in dist/ is older than ${path}${path.endsWith("/") ? " (a file added, removed or renamed there)" : ""}`;
  }
  return undefined;
}

/** What a code cache must have been made for: this node and exactly these bundle bytes
 *  (zlib.crc32 is node >= 20.15; without it no cache is used). */
function cacheKey(bundle) {
  if (typeof zlib.crc32 !== "function") return undefined;
  return JSON.stringify({ node: process.version, arch: process.arch, bundleBytes: bundle.length, bundleCrc32: zlib.crc32(bundle) });
}

/** The cache's V8 data when its first line is this bundle's key, else undefined. */
function codeCache(key) {
  let data;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return debug(`code cache: none (dist/bin/${cacheName})`);
  }
  const eol = data.indexOf(10);
  if (key === undefined || eol < 0 || data.toString("utf8", 0, eol) !== key) return debug("code cache: made for another bundle or node, not used");
  return data.subarray(eol + 1);
}

const stale = staleness();
let bundle;
try {
  bundle = stale === undefined ? readFileSync(bundleFile) : undefined;
} catch {
  // (undefined: reported below)
}
if (bundle === undefined) {
  process.stderr.write(`xsm: ${stale ?? "xsm is not built (no dist/bin/xsm.cjs)"}; run \`npm run build\`\n`);
  process.exit(1);
}

// XSM_WRITE_CODE_CACHE: the build's run that makes the cache (scripts/build.mjs); it starts without one.
const training = process.env.XSM_WRITE_CODE_CACHE === cacheFile;
const key = cacheKey(bundle);
const cachedData = training ? undefined : codeCache(key);
// the bundle is ASCII (esbuild escapes the rest), so latin1 is its text without a UTF-8 decode
const script = new Script(bundle.toString("latin1"), { filename: bundleFile, cachedData });
if (cachedData !== undefined) debug(script.cachedDataRejected ? "code cache: rejected by V8" : "code cache: used");
const bundleModule = { exports: {} };
// (this file's own require: it resolves packages from the same node_modules as one made for
// dist/bin/, and node:module, for createRequire, would load node's ES module loader)
script.runInThisContext()(bundleModule.exports, require, bundleModule, bundleFile, `${root}dist/bin`);
const { runCli } = bundleModule.exports;

// a closed pipe (`xsm ... | head`) ends the output, not the process with a stack trace
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
  if (training && key !== undefined) writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]));
});
