// A policy tree through m4, as Xen's Makefile runs it: the one way every reader of a tree (xsm
// build and the analysis commands, scenarios, the linter, the language server, the studio) gets
// policy.conf and the means to point its diagnostics back into the tree's files. An editor's or
// page's unsaved texts are built in a scratch copy laid out as the tree is, since m4 names files
// as it is given them: its #line names and errors are then the tree's own.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Locator, type SourceLookup } from "./locate.js";
import { runM4 } from "./m4.js";
import { sectionMacros, type MacroDef } from "./macros.js";
import { readTree, TreeError, treeFiles, type PolicyTree, type TreeOptions } from "./tree.js";

export interface ExpandedTree {
  /** The tree as readTree reads it (from the overlay's texts where it has them); `dir` is the
   *  tree's own directory. */
  tree: PolicyTree;
  /** policy.conf as m4 wrote it (byte-identical to Makefile.common's). */
  conf: string;
  /** m4's warnings and errors, named by the tree's files ("modules/xen.te:3: ..."). */
  diagnostics: Diagnostic[];
  /** m4 reported an error: `conf` is not a policy to compile. */
  failed: boolean;
  /** The tree's files by the names #line gives them (the overlay's text first). */
  sources: SourceLookup;
  /** Every macro the tree's sections define, by name (a later definition wins, as in m4). */
  readonly macros: Map<string, MacroDef>;
  /** Points a diagnostic or rule of `conf` into the tree's files (made on first use). */
  readonly locator: Locator;
}

/** Texts of the tree's files by name relative to the tree (as #line names them), in place of
 *  what is on disk. */
export type TreeOverlay = ReadonlyMap<string, string>;

/** Reads the tree at `dir` (relative to the working directory) and runs m4 over it. Throws
 *  TreeError, worded with `dir` as given, for a tree that cannot be read, a name in `overlay`
 *  that is not one of its files (treeFiles), or m4 that cannot run; m4's own errors are
 *  diagnostics (`failed`). */
export function expandTree(dir: string, options: TreeOptions = {}, overlay?: TreeOverlay): ExpandedTree {
  const root = resolve(dir);
  const disk = treeSources({ dir: root });
  const sources: SourceLookup = overlay && overlay.size > 0 ? (file) => overlay.get(file) ?? disk(file) : disk;
  const { tree, m4 } = overlay && overlay.size > 0 ? expandCopy(dir, options, overlay) : expandInPlace(dir, options);
  let macros: Map<string, MacroDef> | undefined;
  let locator: Locator | undefined;
  return {
    tree,
    conf: m4.text,
    diagnostics: m4.diagnostics,
    failed: m4.diagnostics.some((d) => d.severity === "error"),
    sources,
    get macros() {
      return (macros ??= sectionMacros(tree.sections, sources));
    },
    get locator() {
      return (locator ??= new Locator(m4.text, sources, this.macros));
    },
  };
}

function expandInPlace(dir: string, options: TreeOptions): { tree: PolicyTree; m4: ReturnType<typeof runM4> } {
  const tree = readTree(dir, options);
  return { tree, m4: m4Of(tree, dir) };
}

/** runM4, its failure to run (m4 missing, stopped) named with the tree it was to build, and
 *  holding the tree (`shown` is the tree as the caller knows it). */
function m4Of(tree: PolicyTree, dir: string, shown = tree): ReturnType<typeof runM4> {
  try {
    return runM4(tree);
  } catch (err) {
    if (err instanceof TreeError) throw new TreeError(`${dir}: ${err.message}`, err.m4Missing, shown);
    throw err;
  }
}

function expandCopy(dir: string, options: TreeOptions, overlay: TreeOverlay): { tree: PolicyTree; m4: ReturnType<typeof runM4> } {
  const root = resolve(dir);
  const files = treeFiles(root, options.flaskDir);
  const unknown = [...overlay.keys()].filter((name) => !files.includes(name));
  if (unknown.length > 0) throw new TreeError(`${dir}: not a file of this policy tree: ${unknown.join(", ")}`);
  // deep enough that the flask files' "../../../xen/xsm/flask/policy" stays inside the scratch
  // directory
  const ups = Math.max(0, ...files.map((name) => name.split("/").filter((part) => part === "..").length));
  const scratch = mkdtempSync(join(tmpdir(), "xsm-tree-"));
  const copy = join(scratch, ...Array.from({ length: ups }, (_, i) => `d${i}`));
  try {
    for (const name of files) {
      const to = join(copy, name);
      mkdirSync(dirname(to), { recursive: true });
      const text = overlay.get(name);
      if (text !== undefined) writeFileSync(to, text);
      else cpSync(join(root, name), to);
    }
    mkdirSync(copy, { recursive: true });
    // a --flask-dir at its place in the copy (else readTree finds the copied flask files where it
    // looks in the tree)
    const flaskDir = options.flaskDir !== undefined ? join(copy, relative(root, resolve(options.flaskDir))) : undefined;
    let tree: PolicyTree;
    try {
      tree = readTree(copy, { ...options, ...(flaskDir !== undefined ? { flaskDir } : {}) });
    } catch (err) {
      if (err instanceof TreeError) throw err.movedFrom(copy, dir);
      throw err;
    }
    const shown = { ...tree, dir: root };
    return { tree: shown, m4: m4Of(tree, dir, shown) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Reads the tree's files on demand by the name #line gives them (relative to the tree). */
export function treeSources({ dir }: Pick<PolicyTree, "dir">): SourceLookup {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(join(dir, file), "utf8");
      } catch {
        text = undefined;
      }
      cache.set(file, text);
    }
    return cache.get(file);
  };
}
