// What the studio serves, and what `--export` writes: the bundled page and the files it was started
// on, each at a fixed path. Fixed when the studio starts: a request for anything else is a 404, so
// the server never maps a URL onto the file system.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, MAX_POLICY_BYTES } from "../cli/io.js";
import { describeErrno } from "../io/read.js";
import type { TreeReader } from "../cli/scenario-input.js";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { renderInline } from "../diagnostics/render.js";
import { PAGE_FILES, type StudioFile, type StudioManifest, type StudioTree } from "./manifest.js";
import { servedFiles, type ServedTree } from "./rebuild.js";

export interface SiteEntry {
  /** URL path, e.g. "/studio.js", "/files/0/svp.conf". */
  path: string;
  /** Absolute file to send (read on each request), or fixed content. */
  file?: string;
  content?: string;
  type: string;
}

/** Where `npm run build` puts the page (scripts/build-studio.mjs). */
export const PAGE_DIR = fileURLToPath(new URL("../../dist/studio-web/", import.meta.url));
/** What `xsm studio` opens with no argument: the SVP examples. */
export const DEFAULT_TARGET = fileURLToPath(new URL("../../examples/svp/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};
const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf("."))] ?? "text/plain; charset=utf-8";

export interface Site {
  entries: SiteEntry[];
  manifest: StudioManifest;
  /** The trees the page may have rebuilt, by the URL path it POSTs to (only with `rebuild`). */
  rebuilds: Map<string, ServedTree>;
  /** What a rebuild request must carry in its X-Xsm-Studio header. */
  token: string;
}

/** `trees` builds the policy trees scenarios name (src/cli/scenario-input.ts), and a DIR that is a
 *  tree: the page gets m4's output as the policy's text, since it compiles in the browser and
 *  cannot run m4, with the tree's files, which it shows and edits. Without it a scenario's tree is
 *  left out (the page then says the policy is missing). `rebuild` (the server, not an export):
 *  the page may POST its texts of a tree's files for m4 to run again. */
export function buildSite(target: string | undefined, pageDir = PAGE_DIR, trees?: TreeReader, options: { rebuild?: boolean } = {}): Site {
  for (const f of PAGE_FILES) {
    if (!existsSync(join(pageDir, f))) throw new CliError(`the studio page is not built (${join(pageDir, f)} is missing); run npm run build`);
  }
  const collected = collect(target ?? DEFAULT_TARGET, target === undefined ? "examples/svp" : titleOf(target), trees);
  const manifest = collected.manifest;
  const token = randomBytes(16).toString("hex");
  const rebuilds = new Map<string, ServedTree>();
  const entries: SiteEntry[] = PAGE_FILES.map((f) => ({ path: `/${f}`, file: join(pageDir, f), type: typeOf(f) }));
  entries.push({ path: "/", file: join(pageDir, "index.html"), type: typeOf("index.html") });
  manifest.files.forEach((f, i) => {
    const content = collected.contents[i];
    entries.push({ path: `/${f.url}`, ...(content !== undefined ? { content } : { file: collected.paths[i]! }), type: "text/plain; charset=utf-8" });
    const tree = collected.trees[i];
    if (!tree) return;
    const files = tree.served.files.map((name, j) => ({ name, url: `files/${i}/${j}/${encodeURIComponent(name.slice(name.lastIndexOf("/") + 1))}` }));
    files.forEach((t, j) => entries.push({ path: `/${t.url}`, content: tree.texts[j]!, type: "text/plain; charset=utf-8" }));
    const info: StudioTree = { files, sections: tree.served.tree.sections };
    if (options.rebuild) {
      info.rebuild = `rebuild/${i}`;
      info.token = token;
      rebuilds.set(`/${info.rebuild}`, tree.served);
    }
    f.tree = info;
  });
  // (after the trees: files.json says where each is rebuilt)
  entries.push({ path: "/files.json", content: `${JSON.stringify(manifest, null, 2)}\n`, type: typeOf("files.json") });
  return { entries, manifest, rebuilds, token };
}

/** The target as the user would name it from here. */
function titleOf(target: string): string {
  const rel = relative(process.cwd(), resolve(target)).split(sep).join("/");
  return rel === "" ? "." : rel.startsWith("..") ? resolve(target) : rel;
}

interface Collected {
  manifest: StudioManifest;
  /** Absolute path of each manifest file, by index. */
  paths: string[];
  /** A policy tree's built text, by index (served as is; the others are read on each request). */
  contents: (string | undefined)[];
  /** A policy tree's files as read at start (m4's output is theirs), by index. */
  trees: (BuiltTree | undefined)[];
}

interface BuiltTree {
  served: ServedTree;
  /** The text of each of `served.files`, in its order. */
  texts: string[];
}

/** POLICY, SCENARIO (and the policies it names) or DIR (its .conf files and scenarios). */
function collect(target: string, title: string, trees?: TreeReader): Collected {
  const st = statOf(target);
  const base = st.isDirectory() ? resolve(target) : dirname(resolve(target));
  type Entry = { name: string; kind: StudioFile["kind"]; path: string; content?: string; absolute?: string[]; tree?: BuiltTree };
  const files: Entry[] = [];
  const add = (path: string, kind: StudioFile["kind"], built?: { text: string; tree?: BuiltTree }): Entry => {
    // (a tree the scenario names as "." is named "." too: the page resolves it so)
    const name = relative(base, path).split(sep).join("/") || ".";
    const known = files.find((f) => f.name === name);
    if (known) return known;
    const f: Entry = { name, kind, path, ...(built ? { content: built.text, ...(built.tree ? { tree: built.tree } : {}) } : {}) };
    files.push(f);
    return f;
  };
  const named = (f: Entry, rel: string) => {
    if (isAbsolute(rel) && !f.absolute?.includes(rel)) (f.absolute ??= []).push(rel);
  };
  const addScenario = (path: string, data: ScenarioLike) => {
    add(path, "scenario");
    for (const { rel, at } of policiesOf(data)) {
      const p = resolve(dirname(path), rel);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isFile()) named(add(p, "policy"), rel);
      else if (st?.isDirectory() && trees) named(add(p, "policy", builtTree(trees, path, rel, dirname(path), at, data.mls === true)), rel);
    }
  };
  // a DIR that is a tree: the tree is its policy (a policy.conf m4 once wrote there is listed too)
  const isTree = st.isDirectory() && trees !== undefined && statSync(join(base, "modules", "modules.conf"), { throwIfNoEntry: false })?.isFile() === true;
  if (isTree) add(base, "policy", builtTree(trees, join(base, "modules", "modules.conf"), ".", base, "", false));
  if (st.isDirectory()) {
    const names = readdirSync(base).sort();
    for (const n of names.filter((n) => n.endsWith(".conf"))) add(join(base, n), "policy");
    for (const n of names.filter((n) => n.endsWith(".json"))) {
      const data = scenarioLike(join(base, n));
      if (data) addScenario(join(base, n), data);
    }
    if (!files.length) throw new CliError(`${target}: no policy (.conf) or scenario (.json with "steps") in this directory`);
  } else if (target.endsWith(".json")) {
    const data = scenarioLike(target);
    if (!data) throw new CliError(`${target}: not a scenario (a JSON object with "domains" and "steps")`);
    addScenario(resolve(target), data);
  } else add(resolve(target), "policy");
  for (const f of files) {
    const size = f.content !== undefined ? Buffer.byteLength(f.content) : statOf(f.path).size;
    if (size > MAX_POLICY_BYTES) throw new CliError(`${f.path}: larger than ${MAX_POLICY_BYTES / 1024 / 1024} MB`);
  }
  const firstScenario = files.find((f) => f.kind === "scenario");
  // (a tree's own scenarios may name another policy, which opening one would switch to)
  const scenario = isTree ? undefined : st.isDirectory() ? (files.find((f) => f.name === "nested-trust.json") ?? firstScenario) : firstScenario;
  const policy = files.find((f) => f.kind === "policy");
  return {
    manifest: {
      title,
      files: files.map((f, i) => ({ name: f.name, kind: f.kind, url: `files/${i}/${encodeURIComponent(basename(f.path))}`, ...(f.absolute ? { absolute: f.absolute } : {}) })),
      open: { ...(policy ? { policy: policy.name } : {}), ...(scenario ? { scenario: scenario.name } : {}) },
    },
    paths: files.map((f) => f.path),
    contents: files.map((f) => f.content),
    trees: files.map((f) => f.tree),
  };
}

/** m4's output for a tree a scenario names (or the DIR the studio was started on) and the files it
 *  was built from; a tree that cannot be built stops the studio with the line `xsm simulate` prints
 *  for it (the scenario, the JSON path, the tree's file:line; for DIR, the tree's file:line). */
function builtTree(trees: TreeReader, from: string, rel: string, dir: string, at: string, mls: boolean): { text: string; tree: BuiltTree } {
  let text: string;
  try {
    text = trees.read(dir, rel, { mls }).text;
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    const lines = err.diagnostics.map((d) => (at ? `${from}: ${at}: ${renderInline(d)}` : renderInline(d)));
    throw new CliError(lines.join("\n"));
  }
  const tree = trees.tree(dir, rel, { mls })!;
  const modules = readdirSync(join(tree.dir, "modules")).filter((n) => /\.(te|if|cons)$/.test(n)).sort().map((n) => `modules/${n}`);
  const files = servedFiles(tree, modules);
  const texts = files.map((n) => readFileSync(join(tree.dir, n), "utf8"));
  const options = { mls, ...(trees.options.define ? { defines: trees.options.define } : {}) };
  return { text, tree: { served: { tree, options, files }, texts } };
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch (err) {
    // worded as every command words a file it cannot read ("no such file")
    throw new CliError(`${path}: ${describeErrno(err)}`);
  }
}

interface ScenarioLike {
  policy?: unknown;
  mls?: unknown;
  steps: unknown[];
}

function scenarioLike(path: string): ScenarioLike | undefined {
  try {
    if (statSync(path).size > MAX_POLICY_BYTES) return undefined;
    const data = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return data && typeof data === "object" && Array.isArray((data as ScenarioLike).steps) ? (data as ScenarioLike) : undefined;
  } catch {
    return undefined;
  }
}

/** The policies a scenario names, each with its JSON path. */
function policiesOf(s: ScenarioLike): { rel: string; at: string }[] {
  const out = typeof s.policy === "string" ? [{ rel: s.policy, at: "/policy" }] : [];
  s.steps.forEach((step, i) => {
    const p = (step as { op?: unknown; policy?: unknown } | null)?.policy;
    if ((step as { op?: unknown } | null)?.op === "load_policy" && typeof p === "string") out.push({ rel: p, at: `/steps/${i}/policy` });
  });
  return out;
}
