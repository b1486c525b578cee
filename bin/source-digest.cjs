// What a source path held when the build started, as a short digest: scripts/build.mjs records one
// per path of src/ in dist/build-stamp.json, and bin/xsm.cjs computes it again only for a path
// whose mtime is newer than the build (git checkouts and stashes rewrite files with the bytes they
// had), so such a path runs the build instead of asking for a rebuild. One definition for both.
"use strict";
const { readdirSync, readFileSync } = require("node:fs");
const { createHash } = require("node:crypto");

/** A file's bytes, or a directory's entry names (a subdirectory's with a trailing "/"), hashed. */
function sourceDigest(path, isDirectory) {
  const hash = createHash("sha256");
  if (isDirectory) {
    const names = readdirSync(path, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    hash.update(names.sort().join("\n"));
  } else hash.update(readFileSync(path));
  return hash.digest("base64").slice(0, 22);
}

module.exports = { sourceDigest };
