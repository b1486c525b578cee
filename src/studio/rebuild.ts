// The studio's rebuild of a policy tree from the page's texts of its files: m4 over them as
// `xsm build` runs it (src/build/expand.ts: the same sections, order and flags, in a scratch copy
// laid out as the tree is), so the page, which cannot run m4, compiles what `xsm build` would
// compile from its edits, with m4's #line names and errors the tree's own.
import { dirname, resolve } from "node:path";
import { expandTree, treeFiles, TreeError, type PolicyTree, type TreeOptions } from "../build/index.js";
import { error, PolicyError } from "../diagnostics/diagnostic.js";
import type { RebuildResponse } from "./manifest.js";

/** What the studio builds a tree from: the tree as it was read at start and how it was built. */
export interface ServedTree {
  tree: PolicyTree;
  options: Omit<TreeOptions, "flaskDir">;
  /** The tree's files the page may send, by name (relative to the tree, as #line names them). */
  files: readonly string[];
}

/** The tree's files the studio serves: m4's sections first, then modules.conf (and 4.3-4.7's
 *  Makefile), every module's files (one that is off can be switched on in the page), and the other
 *  files a build of the tree may read (treeFiles), for a tree readTree refused to be fixed. */
export function servedFiles(tree: PolicyTree, flaskDir?: string): string[] {
  const rank = (name: string) => (name === tree.modulesConf ? 0 : name === "Makefile" ? 1 : /\.(te|if|cons)$/.test(name) ? 2 : 3);
  const others = treeFiles(tree.dir, flaskDir).map((name, i) => ({ name, i })).sort((a, b) => rank(a.name) - rank(b.name) || a.i - b.i);
  return [...new Set([...tree.sections, ...others.map((o) => o.name)])];
}

/** The flask directory a tree was read with (where its first section, security_classes, is). */
function flaskDirReadWith(tree: PolicyTree): string | undefined {
  const first = tree.sections[0];
  return first !== undefined && first.endsWith("security_classes") ? dirname(resolve(tree.dir, first)) : undefined;
}

/** Runs m4 over `texts` (the page's, by name; a file it does not send is read from the tree). A
 *  name the tree does not serve is refused: nothing is written but the scratch copy. */
export function rebuildTree(served: ServedTree, texts: Record<string, string>): RebuildResponse {
  const unknown = Object.keys(texts).filter((n) => !served.files.includes(n));
  if (unknown.length) throw new PolicyError([error("input", `not a file of this tree: ${unknown.join(", ")}`)]);
  const dir = served.tree.dir;
  try {
    // (with the flask directory the tree was read with; none found at start: expandTree looks
    // where readTree always looks, and says so)
    const flaskDir = flaskDirReadWith(served.tree);
    const expanded = expandTree(dir, { ...served.options, ...(flaskDir !== undefined ? { flaskDir } : {}) }, new Map(Object.entries(texts)));
    return { ...(expanded.failed ? {} : { text: expanded.conf }), sections: expanded.tree.sections, diagnostics: expanded.diagnostics };
  } catch (err) {
    // (a module switched on without its .te; m4 missing or stopped)
    if (!(err instanceof TreeError)) throw err;
    return { sections: served.tree.sections, diagnostics: [error("input", `cannot build the policy tree: ${err.fromTree(dir)}`)] };
  }
}
