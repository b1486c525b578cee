#!/usr/bin/env node
// `xsm` (package.json "bin"; bin/xsm.js loads this file): runs the command line `npm run build`
// bundled into dist/bin/xsm.cjs (npm ci builds it through "prepare"). A missing build, or one older
// than src/, is one line naming the fix, never old code run silently. "Older" is cheap to tell: the
// build records when it started and lists, per bundle, src/'s paths to compare (scripts/build.mjs):
// all of src/ for the whole command line, and for the compile bundle the files it was made from and
// their directories (an edit of another file leaves it as a rebuild would make it). A file edited
// since is newer than the build, and one added, removed or renamed makes its directory newer, so
// one stat per listed path tells, without walking src/ (readdir cost as much as the stats). Only a
// newer path is read, and runs the build if its bytes (a directory's names) are those the build
// started from: a checkout that rewrote it as it was (bin/source-digest.cjs).
// A package without src/ has nothing to compare and runs its build; so does an installed one (under
// node_modules: npm dates every file of a tarball 1985, and nobody edits there instead of building),
// which skips the stats. (A checkout linked with `npm link` runs from its real path and keeps them.)
//
// The bundle is one script compiled through node:vm with V8's code cache (made by the build from runs
// of the CLI, see scripts/build.mjs): V8 then deserialises the bytecode instead of parsing 0.5-1.3 MB of
// JavaScript and compiling every function a run calls, which was most of a short run's time after
// node's own start-up. A cache is used only for the bundle it was made from (the id on the bundle's
// first line, a hash of its text that the build writes, and its length) and the node that made it
// (version, arch); V8 itself also refuses data made under other flags. In any other case the bundle
// is compiled from its text: slower, never different. (Only an edit of dist/bin/ by hand that keeps
// a bundle's length and first line would run stale bytecode: rebuild instead. Hashing the bundle at
// every start needed node:zlib, whose streams cost more than the hash.)
//
// Two bundles: dist/bin/xsm-compile.cjs has only the compile command (37% of the size), and serves
// `xsm compile ...` and the help (`xsm`, `xsm --help`, `xsm -V`, `xsm help`), the runs that load
// no other command; dist/bin/xsm.cjs has them all. The choice mirrors src/cli/main.ts's
// requestedCommand, so either bundle would answer the same; the small one reads, copies and
// deserialises less.
//
// CommonJS (.cjs, whatever package.json's "type"): node runs it without its ES module loader, whose
// resolution, loading and module records cost a few ms of a start-up that is ~40 ms beyond node's own.
"use strict";
const { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } = require("node:fs");
const { Script } = require("node:vm");

const root = `${require("node:path").dirname(__dirname)}/`;
const argv = process.argv.slice(2);
// the command main.ts loads (requestedCommand): `xsm NAME ...`, `xsm help NAME`, or none
const words = argv.filter((a) => !a.startsWith("-"));
const command = words[0] === "help" ? words[1] : words[0];
const bundleName = command === undefined || command === "compile" ? "xsm-compile" : "xsm";
const bundleFile = `${root}dist/bin/${bundleName}.cjs`;
// `xsm`, `xsm --help`, `xsm -V` run none of the commands' code: the cache of a `--help` run alone
// (a third of a compile's) deserialises in a third of the time. A compile that writes a binary
// (-o FILE, --output FILE, -oFILE, -Mo FILE) has its own, which also holds the binary writer: the
// plain compile's is 90 KB smaller (~100 page faults and ~4 ms less to deserialise). A wrong guess
// costs time, never behaviour: the functions missing from a cache are compiled from the bundle.
const writesBinary = () => argv.some((a) => a === "--output" || a.startsWith("--output=") || /^-[^-]*o/.test(a));
const cacheName =
  bundleName !== "xsm-compile" ? `${bundleName}.cache`
  : argv.length === 0 || argv[0].startsWith("-") ? "xsm-help.cache"
  : writesBinary() ? "xsm-compile-o.cache"
  : "xsm-compile.cache";
const cacheFile = `${root}dist/bin/${cacheName}`;
/** XSM_DEBUG=1 says on stderr whether the code cache was used; returns undefined (no cache). */
function debug(line) {
  if (process.env.XSM_DEBUG) stderrNow.write(`xsm: ${line}\n`);
  return undefined;
}

/**
 * Standard output or error written at once with fs.writeSync, for the compile bundle's runs (a
 * compile writes a few lines, or a matrix): process.stdout and process.stderr are streams whose
 * first use loads ~20 of node's modules (stream; net for a pipe, tty for a terminal) and makes
 * their handles: `xsm --help` 2,994 -> 2,479 page faults and ~25 ms less CPU, a compile ~60 faults
 * (node:v8, for --no-opt below, loads the stream modules anyway; docs/performance.md). Written in
 * full before write returns, so nothing is left to flush at exit. A descriptor another process
 * made non-blocking (EAGAIN) is waited on; standard output that fails is handled as the streams'
 * handler below does (a closed pipe, `xsm ... | head`: the rest is dropped and the run goes on; a
 * full disk: one error line, exit 1), and what was meant for a standard error that fails is dropped.
 */
function writeNow(fd) {
  let closed = false;
  return {
    write(chunk) {
      if (closed) return true;
      const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      for (let done = 0; done < data.length; ) {
        try {
          done += writeSync(fd, data, done, data.length - done);
        } catch (err) {
          if (err.code === "EAGAIN") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          else {
            // standard output that fails ends the run (the bundle's stdoutFailed), but for a closed
            // pipe, after which the run goes on with what was meant for it dropped; standard error
            // has nowhere to say so, and what was meant for it is dropped
            if (fd === 1) stdoutFailed(err);
            closed = true;
            return true;
          }
        }
      }
      return true;
    },
  };
}
const stderrNow = writeNow(2);

/** A path newer than the build that still holds what the build read (a checkout rewrote it). */
function asBuilt(path, digest) {
  return digest !== undefined && require("./source-digest.cjs").sourceDigest(`${root}${path}`, path.endsWith("/")) === digest;
}

function staleness() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(`${root}dist/build-stamp.json`, "utf8"));
  } catch {
    return "xsm is not built (no dist/build-stamp.json)";
  }
  if (/[\\/]node_modules[\\/]/.test(root)) return undefined;
  const paths = stamp.bundles?.[`${bundleName}.cjs`];
  if (!Array.isArray(paths)) return "the build in dist/ is stale (made by an older scripts/build.mjs)";
  // (plain concatenation: path.join normalises every path it makes, which once cost more than the
  // rest of `xsm --help`)
  for (const path of paths) {
    const stat = statSync(`${root}${path}`, { throwIfNoEntry: false });
    if (stat === undefined) return path === "src/" ? undefined : `the build in dist/ is stale (${path} is gone)`;
    if (stat.mtimeMs > stamp.builtAt && !asBuilt(path, stamp.digests?.[path])) return `the build in dist/ is older than ${path}${path.endsWith("/") ? " (a file added, removed or renamed there)" : ""}`;
  }
  return undefined;
}

/** What a code cache must have been made for: this node and exactly this bundle (the id its first
 *  line gives, `// xsm-bundle ID`, and its length); undefined for a bundle without an id. */
function cacheKey(bundle) {
  const eol = bundle.indexOf(10);
  const first = eol < 0 ? "" : bundle.toString("latin1", 0, eol);
  if (!first.startsWith("// xsm-bundle ")) return undefined;
  return JSON.stringify({ node: process.version, arch: process.arch, bundleBytes: bundle.length, bundleId: first.slice(14) });
}

/** The cache's V8 data when its first line is this bundle's key, else undefined; read into `room`
 *  (the bundle's buffer, its text already copied out) when the cache fits there. */
function codeCache(key, cache, room) {
  let data;
  try {
    data = readWhole(cache ?? openSync(cacheFile, "r"), room);
  } catch {
    return debug(`code cache: none (dist/bin/${cacheName})`);
  }
  const eol = data.indexOf(10);
  if (key === undefined || eol < 0 || data.toString("latin1", 0, eol).trimEnd() !== key) return debug("code cache: made for another bundle or node, not used");
  return data.subarray(eol + 1);
}

/** A file's bytes, from an open descriptor (closed here), read into `room` when it is large enough. */
function readWhole(fd, room, size = fstatSync(fd).size) {
  try {
    const buf = room !== undefined && room.length >= size ? room : Buffer.allocUnsafeSlow(size);
    let done = 0;
    for (let n; done < size && (n = readSync(fd, buf, done, size - done, done)) > 0; ) done += n;
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** How large `xsm compile`'s files are (its policy, an existing -o target): "short" when they come
 *  to at most 1 MB in all, "long" past that or for standard input (`-`, whose size is not known),
 *  undefined when none exists. */
function inputSize() {
  let bytes = 0;
  let found = false;
  for (const word of argv.slice(argv.indexOf("compile") + 1)) {
    if (word === "-") return "long";
    if (word.startsWith("-")) continue;
    let stat;
    try {
      stat = statSync(word, { throwIfNoEntry: false });
    } catch {
      // (a symbolic link loop, a name too long: the compile reports it, as it does a missing file)
    }
    if (stat === undefined) continue;
    found = true;
    bytes += stat.size;
  }
  return !found ? undefined : bytes <= 1 << 20 ? "short" : "long";
}

/**
 * V8 flags set at run time, through node's own binding behind node:v8 when node has it: node:v8's
 * module requires internal/heap_utils and with it node's ~20 stream modules (`xsm compile` of
 * Xen's policy: ~120 page faults and ~4 ms of its CPU), none of which a compile uses otherwise.
 * process.binding("v8") is deprecated (DEP0111, a warning at its first use), so the warning is
 * held back for this one call; a node without the binding or its function gets node:v8.
 */
function setV8Flags(flags) {
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true;
    const binding = process.binding("v8");
    if (typeof binding?.setFlagsFromString === "function") return binding.setFlagsFromString(flags);
  } catch {
    // (no such binding in this node: node:v8 below)
  } finally {
    process.noDeprecation = quiet;
  }
  require("node:v8").setFlagsFromString(flags);
}

// XSM_WRITE_CODE_CACHE: the build's run that makes the cache (scripts/build.mjs); it starts without one.
const training = process.env.XSM_WRITE_CODE_CACHE === cacheFile;
const stale = staleness();
// The bundle and its code cache are about the same size (0.2-0.6 MB), read one after the other
// into one buffer: the cache into the bundle's bytes once their text is copied out. Fresh memory
// costs a page fault per 4 KB when first touched (~20 µs each on the project's VM), and the
// cache's own buffer was ~120 of them in `xsm compile`.
let bundle;
let cache;
let room;
try {
  if (stale === undefined) {
    const fd = openSync(bundleFile, "r");
    let cacheSize = 0;
    try {
      cache = training ? undefined : openSync(cacheFile, "r");
      if (cache !== undefined) cacheSize = fstatSync(cache).size;
    } catch {
      // (no cache: codeCache opens it again and says so)
    }
    const size = fstatSync(fd).size;
    // (allocUnsafeSlow: never a slice of node's shared pool, which other buffers use)
    room = Buffer.allocUnsafeSlow(Math.max(size, cacheSize));
    bundle = readWhole(fd, room, size);
  }
} catch {
  // (undefined: reported below)
}
if (bundle === undefined) {
  stderrNow.write(`xsm: ${stale ?? `xsm is not built (no dist/bin/${bundleName}.cjs)`}; run \`npm run build\`\n`);
  process.exit(1);
}

const key = cacheKey(bundle);
// the bundle is ASCII (esbuild escapes the rest), so latin1 is its text without a UTF-8 decode
const source = bundle.toString("latin1");
const cachedData = training ? undefined : codeCache(key, cache, room);
const script = new Script(source, { filename: bundleFile, cachedData });
if (cachedData !== undefined) debug(script.cachedDataRejected ? "code cache: rejected by V8" : "code cache: used");
const bundleModule = { exports: {} };
// (this file's own require: it resolves packages from the same node_modules as one made for
// dist/bin/, and node:module, for createRequire, would load node's ES module loader)
script.runInThisContext()(bundleModule.exports, require, bundleModule, bundleFile, `${root}dist/bin`);
const { runCli } = bundleModule.exports;
/** The process's standard output failed: the bundle's stdoutFailed ends the run, or for a closed
 *  pipe lets it go on (src/cli/stdout.ts). */
function stdoutFailed(err) {
  bundleModule.exports.stdoutFailed(err, stderrNow);
}
// A compile of a policy up to 1 MB (Xen's own is 54 KB) is over in 0.1-0.5 s, before optimised code
// pays back TurboFan's compiles: on a compile of Xen's policy they were 5 functions, ~35 ms of a
// background thread's CPU and ~600 page faults (a fifth of the run's), and the interpreter and
// Sparkplug finish sooner without them. Larger policies keep V8's tiering (a 3 MB one takes 1.3x
// longer without TurboFan). Set after the bundle's code cache is read (V8 accepts a cache only
// under the flags it was made with; a build's training run sets none), and after the bundle's top
// level has loaded every module of node's a compile uses: node compiles them from its embedded
// cache, which a changed flag also voids (the compile bundle writes through writeNow and never makes
// process.stdout or process.stderr, whose modules would load later; test/cli/bin.test.ts checks
// that a compile loads no module of node's after the flag is set).
// A larger compile keeps nearly everything it allocates (the AST, the symbols, the tables), so each
// scavenge of the young generation copies live data, and the young generation starts at 1 MB and
// doubles after each one: letting it grow 16x at a time (to V8's maximum) halves the scavenges of
// gen-policy large (12-13 -> 8; their time from 140-166 to 113-135 ms under --trace-gc; wall time
// 575 -> 508 ms, means of two interleaved hyperfine runs). Set at run time, as --no-opt is.
const size = !training && command === "compile" ? inputSize() : undefined;
if (size !== undefined) {
  if (size === "short") {
    setV8Flags("--no-opt");
    debug("TurboFan off (--no-opt): the compile's files are 1 MB or less");
  } else {
    setV8Flags("--semi-space-growth-factor=16");
    debug("young generation grows 16x at a time: the compile's files are over 1 MB, or standard input");
  }
}

// The whole command line keeps the streams: its servers (lsp, studio) read and write them as the
// event loop runs, and its commands may write more than a pipe holds.
let io;
if (bundleName === "xsm-compile") io = { stdout: writeNow(1), stderr: stderrNow };
else {
  io = { stdout: process.stdout, stderr: process.stderr };
  // a closed pipe (`xsm ... | head`) ends the output and the run goes on, a full disk is one error
  // line: neither a stack trace
  process.stdout.on("error", stdoutFailed);
}
runCli(argv, io).then((code) => {
  process.exitCode = code;
  // the key line padded with blanks to a multiple of 8 bytes: V8 copies cache data that does not start
  // at a pointer-aligned address before reading it (570 KB, ~140 page faults), and readFileSync's
  // buffer starts aligned
  if (training && key !== undefined) writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${key.padEnd(Math.ceil((key.length + 1) / 8) * 8 - 1)}\n`), script.createCachedData()]));
  // The compile bundle's runs (`xsm compile` and the help) leave nothing running when runCli
  // settles, and their output is written (writeNow): node's own end of a process (it tears the
  // heap down) cost 75 ms of CPU more than exit() after a compile of gen-policy large (130 MB),
  // 12 ms after Xen's policy (docs/performance.md). The whole command line keeps node's end: its
  // servers (lsp, studio) outlive runCli.
  else if (bundleName === "xsm-compile") process.exit(code);
});
