// `xsm studio --export DIR`: the site the server would serve, as plain files. Every path is
// relative (the page fetches files.json and files/... beside itself), so it works from any static
// host or sub-directory. All or nothing: the site is written into a temporary sibling of DIR and
// renamed into place only when every file is there, so a failure (a missing source file, a full
// disk) or a SIGINT, SIGTERM or SIGHUP leaves DIR as it was, a previous export included, and no
// partial site behind. DIR is made if missing, never the directories above it: a missing parent is
// an error, as for every file xsm writes (src/cli/output.ts: `-o a/b/x` with no a/b).
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { SiteEntry } from "./site.js";
import { holdSignals } from "../cli/signals.js";
import { directoryProblem, stdoutSettled } from "../cli/output.js";

/** DIR holds something other than a site: replacing it would lose that. */
export class ExportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportRefused";
  }
}

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

/** The site's files, written under `root`; their paths as they will be under `dir`. Between two
 *  files the event loop turns, so a SIGINT, SIGTERM or SIGHUP stops the export there (holdSignals
 *  removes the staging directory) rather than once every file is written. */
async function writeSite(entries: SiteEntry[], root: string, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const e of entries) {
    if (e.path === "/") continue; // index.html is its own entry
    const rel = e.path.slice(1).split("/").map(decodeURIComponent);
    const to = join(root, ...rel);
    makeDirectories(dirname(to));
    if (e.content !== undefined) writeFileSync(to, e.content);
    else copyFileSync(e.file!, to);
    written.push(join(dir, ...rel));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return written;
}

/** Why nothing can be exported to `dir` where it is (its parent missing or not a directory), in
 *  output.ts's words, or undefined: checked before the site is built, and again when written. */
export function exportParentProblem(dir: string): string | undefined {
  return directoryProblem(dirname(resolve(dir)), dirname(dir));
}

/** Writes the site to `dir` (made if missing, in a directory that exists; an earlier export there
 *  is replaced); returns the files written. A `dir` holding anything a site does not (another
 *  project, a home directory) is refused before anything is written: replacing it would delete
 *  those files. `report` prints what was written once the site is staged, before it takes DIR's
 *  place (as output.ts's writeOutputs does). */
export async function exportSite(entries: SiteEntry[], dir: string, report?: (written: string[]) => void): Promise<string[]> {
  const target = resolve(dir);
  const names = new Set(entries.filter((e) => e.path !== "/").map((e) => decodeURIComponent(e.path.slice(1).split("/")[0]!)));
  const before = statSync(target, { throwIfNoEntry: false });
  if (before?.isDirectory()) {
    const foreign = readdirSync(target).filter((n) => !names.has(n)).sort();
    if (foreign.length > 0) {
      const held = foreign.length === 1 ? `'${foreign[0]}', which is` : `${foreign.length} entries ('${foreign.slice(0, 3).join("', '")}'${foreign.length > 3 ? ", ..." : ""}), which are`;
      throw new ExportRefused(`it holds ${held} not part of a studio site, and the export replaces the directory: give a new or empty directory (or an earlier export)`);
    }
  }
  const parent = dirname(target);
  const missing = exportParentProblem(dir);
  if (missing !== undefined) throw new ExportRefused(missing);
  // (mkdirSync, not mkdtempSync: the site's directory gets the umask's mode, not 0700, so a web
  // server running as another user can read it as before)
  const staging = join(parent, `.${basename(target)}.xsm-export-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  return holdSignals(async (staged) => {
    mkdirSync(staging);
    staged.add(staging, true);
    try {
      const written = await writeSite(entries, staging, dir);
      report?.(written);
      await stdoutSettled();
      swapIn(staging, target, before !== undefined);
      return written;
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  });
}

/** Renames the staged site to `target` (synchronous: a signal meanwhile is taken after it). A
 *  `target` there already steps aside first, and goes once the new site has its name; a failed
 *  second rename puts it back. */
function swapIn(staging: string, target: string, replaces: boolean): void {
  if (!replaces) return renameSync(staging, target);
  const old = `${staging}.old`;
  renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (err) {
    renameSync(old, target);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}
