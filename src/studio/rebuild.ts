// The studio's rebuild of a policy tree from the page's texts of its files: m4 over them as
// `xsm build` runs it (src/build: the same sections, order and flags), so the page, which cannot
// run m4, compiles what `xsm build` would compile from its edits. m4 names files as it is given
// them, so the files are written into a scratch copy laid out as the tree is (Xen's flask files
// included, at the same relative place): m4's #line names and errors are the tree's own.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { readTree, runM4, TreeError, type PolicyTree, type TreeOptions } from "../build/index.js";
import { error, PolicyError } from "../diagnostics/diagnostic.js";
import type { RebuildResponse } from "./manifest.js";

/** What the studio builds a tree from: the tree as it was read at start and how it was built. */
export interface ServedTree {
  tree: PolicyTree;
  options: Omit<TreeOptions, "flaskDir">;
  /** The tree's files the page may send, by name (relative to the tree, as #line names them). */
  files: readonly string[];
}

/** The tree's files the studio serves: m4's sections, modules/modules.conf, and every module's
 *  .te/.if/.cons (one that is off can be switched on in the page). */
export function servedFiles(tree: PolicyTree, moduleFiles: readonly string[]): string[] {
  // (4.3-4.7's Makefile says whether device_contexts is a section: a rebuild's copy needs it)
  const makefile = tree.modulesConf === "policy/modules.conf" ? ["Makefile"] : [];
  return [...new Set([...tree.sections, tree.modulesConf, ...makefile, ...moduleFiles])];
}

/** Runs m4 over `texts` (the page's, by name; a file it does not send is read from the tree). A
 *  name the tree does not serve is refused: nothing outside the scratch copy is written. */
export function rebuildTree(served: ServedTree, texts: Record<string, string>): RebuildResponse {
  const unknown = Object.keys(texts).filter((n) => !served.files.includes(n));
  if (unknown.length) throw new PolicyError([error("input", `not a file of this tree: ${unknown.join(", ")}`)]);
  // deep enough that the flask files' "../../../xen/xsm/flask/policy" stays inside the scratch
  // directory
  const up = Math.max(0, ...served.files.map((n) => n.split("/").filter((p) => p === "..").length));
  const scratch = mkdtempSync(join(tmpdir(), "xsm-studio-build-"));
  const dir = join(scratch, ...Array<string>(up).fill("up"), "tree");
  try {
    for (const name of served.files) {
      const text = texts[name] ?? readOrUndefined(join(served.tree.dir, name));
      if (text === undefined) continue;
      const to = join(dir, name);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, text);
    }
    mkdirSync(dir, { recursive: true });
    let tree: PolicyTree;
    let m4;
    try {
      // the flask directory the tree was read with, at its place in the copy (none found at start:
      // readTree looks where it always looks, and says so)
      const flask = served.tree.sections[0];
      tree = readTree(dir, { ...served.options, ...(flask !== undefined ? { flaskDir: join(dir, posix.dirname(flask)) } : {}) });
      m4 = runM4(tree);
    } catch (err) {
      // (a module switched on without its .te; m4 missing or stopped)
      if (!(err instanceof TreeError)) throw err;
      // (the copy's paths, named as the tree's)
      return { sections: served.tree.sections, diagnostics: [error("input", `cannot build the policy tree: ${err.fromTree(dir)}`)] };
    }
    const failed = m4.diagnostics.some((d) => d.severity === "error");
    return { ...(failed ? {} : { text: m4.text }), sections: tree.sections, diagnostics: m4.diagnostics };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
