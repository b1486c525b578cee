// The scenario commands' shared edge (simulate, test, studio): a scenario's `policy` (and a
// load_policy step's) may name a policy tree directory, built here as `xsm build` builds it (m4 as
// Makefile.common runs it, the flask directory found as build/tree.ts finds it, the scenario's
// "mls" as -M, --flask-dir and -D from the command line). src/sim may not import src/build, so the
// tree reaches the simulator as text with its Locator (a PolicySource): its rules are named in the
// tree's files as the analysis commands name them, and a tree that cannot be built is a
// PolicyError that prepare() reports at the JSON path naming it, one line per problem.
import { statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { error, PolicyError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { ok } from "../diagnostics/result.js";
import type { LoadedScenario, LoadResult, PolicySource, ReadPolicy } from "../sim/load.js";
import type { PolicyTree } from "../build/tree.js";
import type { Scenario } from "../sim/scenario.js";

/** How a tree a scenario names is built besides its "mls": xsm build's --flask-dir and -D. */
export interface ScenarioTreeOptions {
  flaskDir?: string;
  define?: string[];
}

const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

/** Builds the trees a scenario names; `used` lists the ones it built (by absolute path). */
export interface TreeReader {
  read: (dir: string, rel: string, options: { mls: boolean }) => PolicySource;
  /** The tree `read` built for these arguments (the studio serves its files), if it did. */
  tree: (dir: string, rel: string, options: { mls: boolean }) => PolicyTree | undefined;
  /** `read` that returns a failure instead of throwing it, with the tree when readTree could read
   *  it (m4 failed, or is missing): the studio opens such a tree to have it fixed in the page. */
  attempt: (dir: string, rel: string, options: { mls: boolean }) => TreeAttempt;
  readonly used: Set<string>;
  /** --flask-dir and -D, as every tree is built with them. */
  readonly options: ScenarioTreeOptions;
}

export type TreeAttempt =
  | { ok: true; source: PolicySource; tree: PolicyTree }
  | { ok: false; diagnostics: Diagnostic[]; tree?: PolicyTree; m4Missing: boolean };

const keyOf = (full: string, mls: boolean) => `${mls ? "mls" : "te"}\0${full}`;

/** A reader of policy trees with these options (the build modules load here, not for every command). */
export async function treeReader(options: ScenarioTreeOptions = {}): Promise<TreeReader> {
  const { expandTree, TreeError } = await import("../build/index.js");
  const built = new Map<string, { source: PolicySource; tree: PolicyTree }>();
  const used = new Set<string>();
  const attempt = (dir: string, rel: string, { mls }: { mls: boolean }): TreeAttempt => {
    const full = resolve(dir, rel);
    used.add(full);
    // a scenario naming one tree for its policy and a load_policy step builds it once
    const cached = built.get(keyOf(full, mls));
    if (cached) return { ok: true, ...cached };
    let expanded;
    try {
      expanded = expandTree(full, { flaskDir: options.flaskDir, mls, defines: options.define });
    } catch (err) {
      // (the JSON path names the tree already)
      if (!(err instanceof TreeError)) throw err;
      const diagnostics = [error("input", `cannot build the policy tree: ${err.fromTree(full)}`)];
      return { ok: false, diagnostics, ...(err.tree ? { tree: err.tree } : {}), m4Missing: err.m4Missing };
    }
    const { tree } = expanded;
    // (located in the tree's files: "modules/x.te:3:1: m4: ...")
    const m4Errors = expanded.diagnostics.filter((d) => d.severity === "error");
    if (m4Errors.length) return { ok: false, diagnostics: m4Errors, tree, m4Missing: false };
    const { locator } = expanded;
    const source: PolicySource = {
      text: expanded.conf,
      name: "policy.conf",
      locate: locator.rule,
      diagnostic: (d: Diagnostic) => locator.oneLine(d),
    };
    built.set(keyOf(full, mls), { source, tree });
    return { ok: true, source, tree };
  };
  const read = (dir: string, rel: string, options: { mls: boolean }): PolicySource => {
    const r = attempt(dir, rel, options);
    if (!r.ok) throw new PolicyError(r.diagnostics);
    return r.source;
  };
  const tree = (dir: string, rel: string, { mls }: { mls: boolean }) => built.get(keyOf(resolve(dir, rel), mls))?.tree;
  return { read, tree, attempt, used, options };
}

/** The loaded scenario with a reader that builds the trees it names and reads every other policy
 *  as before. */
export function withTrees(loaded: LoadResult, trees: TreeReader): LoadResult {
  const withReader = (scenario: LoadedScenario): LoadedScenario => {
    const base = scenario.readPolicy;
    if (!base) return scenario;
    const read: ReadPolicy = (dir, rel, options) => (isDirectory(resolve(dir, rel)) ? trees.read(dir, rel, options) : base(dir, rel, options));
    return { ...scenario, readPolicy: read };
  };
  if (loaded.ok) return ok(withReader(loaded.value));
  // (one with errors is prepared too, for its contexts' and policies' errors: prepareChecked)
  return loaded.unchecked ? { ...loaded, unchecked: withReader(loaded.unchecked) } : loaded;
}

/** The policy files a scenario reads: its `policy` and each `load_policy` step's, as paths from
 *  here (relative to the scenario file, or to the working directory for standard input). An output
 *  (`--dot`, `--svg`, `--junit`) must replace none of them. */
export function scenarioPolicyFiles(file: string, scenario: Scenario): string[] {
  const from = file === "-" ? "." : dirname(file);
  const named = [scenario.policy, ...scenario.steps.map((s) => (s.op === "load_policy" ? s.policy : undefined))];
  return named.filter((p): p is string => p !== undefined).map((p) => (isAbsolute(p) ? p : join(from, p)));
}
