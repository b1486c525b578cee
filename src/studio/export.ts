// `xsm studio --export DIR`: the site the server would serve, as plain files. Every path is
// relative (the page fetches files.json and files/... beside itself), so it works from any static
// host or sub-directory.
import { copyFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SiteEntry } from "./site.js";

/** `mkdir -p`, one level at a time: node's mkdirSync(dir, { recursive: true }) loops forever when
 *  mkdir answers ENOENT under a directory that exists (/proc/x: node 20 retries the parent and the
 *  child without end); here that ENOENT is thrown. */
function makeDirectories(dir: string): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st?.isDirectory()) return;
  const parent = dirname(dir);
  if (st === undefined && parent !== dir) makeDirectories(parent);
  mkdirSync(dir); // a file at `dir`: EEXIST, which the caller reports
}

export function exportSite(entries: SiteEntry[], dir: string): string[] {
  const written: string[] = [];
  for (const e of entries) {
    if (e.path === "/") continue; // index.html is its own entry
    const to = join(dir, ...e.path.slice(1).split("/").map(decodeURIComponent));
    makeDirectories(dirname(to));
    if (e.content !== undefined) writeFileSync(to, e.content);
    else copyFileSync(e.file!, to);
    written.push(to);
  }
  return written;
}
