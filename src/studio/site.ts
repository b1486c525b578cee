// What the studio serves, and what `--export` writes: the bundled page and the files it was started
// on, each at a fixed path. Fixed when the studio starts: a request for anything else is a 404, so
// the server never maps a URL onto the file system.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, MAX_POLICY_BYTES, readJsonFile, readPolicyInput } from "../cli/io.js";
import { shortJson } from "../io/json.js";
import { describeErrno, encodePolicyText } from "../io/read.js";
import type { TreeReader } from "../cli/scenario-input.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { flaskSectionsIn, foundFlaskDir, modulesConfOf, type PolicyTree } from "../build/tree.js";
import { isBinaryPolicy } from "../binary/read.js";
import { mkflaskSids, TODAYS_XEN_SIDS } from "../binary/initial-sids.js";
import { loadBinary } from "../binary/load.js";
import { PAGE_FILES, type RebuildResponse, type StudioFile, type StudioManifest, type StudioSkipped, type StudioTree, type StudioTreeFile } from "./manifest.js";
import { rebuildTree, servedFiles, type ServedTree } from "./rebuild.js";
import { slotFor, type SaveSlot } from "./save.js";

export interface SiteEntry {
  /** URL path, e.g. "/studio.js", "/files/0/svp.conf". */
  path: string;
  /** Absolute file to send (read on each request), or fixed content. */
  file?: string;
  content?: string;
  /** Brings `content` up to date just before it is served: a tree's files and m4's output after
   *  saves or reads back (m4 runs then, once for all of them). */
  current?: () => void;
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
  /** The files the page may write back, by the URL path it POSTs to (only with `save`). */
  saves: Map<string, SaveSlot>;
  /** What a rebuild or save request must carry in its X-Xsm-Studio header. */
  token: string;
  /** One line each for the terminal: a tree served unbuilt (m4 missing, or the build failing). */
  warnings: string[];
}

/** Why a binary policy is never written: the page has its bytes, not a text to edit. */
const BINARY_NO_SAVE = "a compiled binary policy: the page runs it as xsm simulate does, but has no source text of it to edit or write back";

/** Why the page of an exported site cannot save (a studio started --read-only says its own). */
export const EXPORT_CANNOT_SAVE = "an exported site has no server to write files: edits stay in the page (xsm studio serving the files saves them)";

export interface SiteOptions {
  /** The server, not an export: the page may POST its texts of a tree's files for m4 to run again. */
  rebuild?: boolean;
  /** The server may write the files back (the policy files and scenarios it opened, a tree's own
   *  files; never m4's output). */
  save?: boolean;
  /** Why it may not, for the page (default: an export's reason). */
  noSave?: string;
}

/** `trees` builds the policy trees scenarios name (src/cli/scenario-input.ts), and a DIR that is a
 *  tree: the page gets m4's output as the policy's text, since it compiles in the browser and
 *  cannot run m4, with the tree's files, which it shows and edits. Without it a scenario's tree is
 *  left out (the page then says the policy is missing). */
export function buildSite(target: string | undefined, pageDir = PAGE_DIR, trees?: TreeReader, options: SiteOptions = {}): Site {
  for (const f of PAGE_FILES) {
    if (!existsSync(join(pageDir, f))) throw new CliError(`the studio page is not built (${join(pageDir, f)} is missing); run npm run build`);
  }
  const collected = collect(target ?? DEFAULT_TARGET, target === undefined ? "examples/svp" : titleOf(target), trees);
  const manifest = collected.manifest;
  const token = randomBytes(16).toString("hex");
  const rebuilds = new Map<string, ServedTree>();
  const saves = new Map<string, SaveSlot>();
  const entries: SiteEntry[] = PAGE_FILES.map((f) => ({ path: `/${f}`, file: join(pageDir, f), type: typeOf(f) }));
  entries.push({ path: "/", file: join(pageDir, "index.html"), type: typeOf("index.html") });
  const filesJson: SiteEntry = { path: "/files.json", content: "", type: typeOf("files.json") };
  /** Each tree's catch-up, for files.json (which says whether each builds). */
  const catchUps: (() => void)[] = [];
  const writeManifest = () => (filesJson.content = `${JSON.stringify(manifest, null, 2)}\n`);
  manifest.files.forEach((f, i) => {
    const content = collected.contents[i];
    const served: SiteEntry = { path: `/${f.url}`, ...(content !== undefined ? { content } : { file: collected.paths[i]! }), type: "text/plain; charset=utf-8" };
    entries.push(served);
    const tree = collected.trees[i];
    if (!tree) {
      if (options.save) offer(saves, f, `save/${i}`, f.binary ? BINARY_NO_SAVE : slotFor(collected.paths[i]!, f.name));
      return;
    }
    const files: StudioTreeFile[] = tree.served.files.map((name, j) => ({ name, url: `files/${i}/${j}/${encodeURIComponent(name.slice(name.lastIndexOf("/") + 1))}` }));
    const fileEntries: SiteEntry[] = files.map((t, j) => ({ path: `/${t.url}`, content: tree.texts[j]!, type: "text/plain; charset=utf-8" }));
    entries.push(...fileEntries);
    const info: StudioTree = { dir: basename(collected.paths[i]!), files, sections: tree.served.tree.sections, ...(tree.diagnostics ? { diagnostics: tree.diagnostics } : {}), ...(tree.readOnly ? { readOnly: tree.readOnly } : {}) };
    // (without m4 there is nothing to rebuild with, and the files are read only in the page)
    if (options.rebuild && !tree.readOnly) {
      info.rebuild = `rebuild/${i}`;
      info.token = token;
      rebuilds.set(`/${info.rebuild}`, tree.served);
    }
    if (options.save && !tree.readOnly) {
      // what a reload serves follows a save or a read back: the tree's files as on disk, m4 run
      // over them again, when next served (once for a set of files saved or read back meanwhile)
      let stale = false;
      const refresh = () => {
        fileEntries.forEach((e, j) => (e.content = readOrEmpty(join(tree.served.tree.dir, tree.served.files[j]!))));
        const answer = rebuiltFromDisk(tree.served);
        served.content = answer.text ?? "";
        info.sections = answer.sections;
        if (answer.text === undefined) info.diagnostics = answer.diagnostics;
        else delete info.diagnostics;
        writeManifest();
      };
      const catchUp = () => {
        if (!stale) return;
        stale = false;
        refresh();
      };
      for (const e of [served, ...fileEntries]) e.current = catchUp;
      catchUps.push(catchUp);
      files.forEach((t, j) => {
        // (Xen's flask files in xen.git's layout: the hypervisor's, not the tree's)
        const slot = t.name.split("/").includes("..") ? `${t.name} is outside the policy tree (Xen's own flask files): xsm studio writes only the tree's files` : slotFor(join(tree.served.tree.dir, t.name), t.name, tree.served.tree.dir);
        if (typeof slot !== "string") slot.saved = () => (stale = true);
        offer(saves, t, `save/${i}/${j}`, slot);
      });
    }
    f.tree = info;
  });
  manifest.save = options.save ? { token } : { refused: options.noSave ?? EXPORT_CANNOT_SAVE };
  // (after the trees: files.json says where each is rebuilt and saved)
  writeManifest();
  if (catchUps.length) filesJson.current = () => catchUps.forEach((c) => c());
  entries.push(filesJson);
  return { entries, manifest, rebuilds, saves, token, warnings: collected.warnings };
}

/** A file's save path in the manifest and its slot, or why it cannot be saved. */
function offer(saves: Map<string, SaveSlot>, f: { save?: string; noSave?: string }, url: string, slot: SaveSlot | string): void {
  if (typeof slot === "string") {
    f.noSave = slot;
    return;
  }
  f.save = url;
  saves.set(`/${url}`, slot);
}

/** m4 over the tree's files as on disk; one that cannot run answers as a failed build does. */
function rebuiltFromDisk(served: ServedTree): RebuildResponse {
  try {
    return rebuildTree(served, {});
  } catch (err) {
    return { sections: served.tree.sections, diagnostics: [error("input", `cannot build the policy tree: ${(err as Error).message}`)] };
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
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
  warnings: string[];
}

interface BuiltTree {
  served: ServedTree;
  /** The text of each of `served.files`, in its order. */
  texts: string[];
  /** The build at start failed (the text is then empty): why, in the tree's files. */
  diagnostics?: Diagnostic[];
  /** m4 is missing: why the page cannot rebuild the tree. */
  readOnly?: string;
}

/** POLICY, SCENARIO (and the policies it names) or DIR (its .conf files and scenarios). */
function collect(target: string, title: string, trees?: TreeReader): Collected {
  const st = statOf(target);
  const base = st.isDirectory() ? resolve(target) : dirname(resolve(target));
  type Entry = { name: string; kind: StudioFile["kind"]; path: string; content?: string; absolute?: string[]; tree?: BuiltTree; binary?: true };
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
      // (the DIR's own tree served unbuilt: the page reports it at this JSON path, as xsm simulate would)
      const unbuilt = files.find((f) => f.path === p && f.tree?.diagnostics);
      if (st?.isFile()) {
        const f = add(p, "policy");
        named(f, rel);
        // (an empty one: xsm simulate refuses it at this JSON path, which the page says too)
        if (st.size === 0 && !emptyAt.has(f)) emptyAt.set(f, `${relative(base, path).split(sep).join("/")}: ${at}: cannot read policy ${rel}: ${EMPTY_POLICY}`);
      }
      else if (unbuilt) named(unbuilt, rel);
      else if (st?.isDirectory() && trees) {
        const f = add(p, "policy", builtTree(trees, rel, dirname(path), data.mls === true));
        named(f, rel);
        // one that does not build opens all the same, as the DIR's own tree does
        if (f.tree?.diagnostics && !unbuiltAt.has(f)) unbuiltAt.set(f, `${relative(base, path).split(sep).join("/")}: ${at}`);
      }
    }
  };
  /** The trees scenarios name that do not build, and where the first names each (file: JSON path). */
  const unbuiltAt = new Map<Entry, string>();
  /** The empty policy files scenarios name, with what xsm simulate says of the first naming each. */
  const emptyAt = new Map<Entry, string>();
  const skipped: StudioSkipped[] = [];
  // a DIR that is a tree: the tree is its policy (a policy.conf m4 once wrote there is listed too);
  // one that does not build opens all the same, to be fixed in the page
  const isTree = st.isDirectory() && trees !== undefined && modulesConfOf(base) !== undefined;
  const dirTree = isTree ? add(base, "policy", builtTree(trees, ".", base, false)).tree : undefined;
  if (st.isDirectory()) {
    const names = readdirSync(base).sort();
    for (const n of names.filter((n) => n.endsWith(".conf"))) add(join(base, n), "policy");
    for (const n of names.filter((n) => n.endsWith(".json"))) {
      const data = scenarioOrWhy(join(base, n));
      if (typeof data === "string") skipped.push({ name: n, reason: data });
      else addScenario(join(base, n), data);
    }
    const why = skipped.map((s) => `; ${s.name}: ${s.reason}`).join("");
    if (!files.length) throw new CliError(`${target}: no policy (.conf) or scenario (.json with "steps") in this directory${why}`);
  } else if (target.endsWith(".json")) addScenario(resolve(target), namedScenario(target));
  else {
    namedPolicy(target);
    add(resolve(target), "policy");
  }
  for (const f of files) {
    const size = f.content !== undefined ? Buffer.byteLength(f.content) : statOf(f.path).size;
    if (size > MAX_POLICY_BYTES) throw new CliError(`${f.path}: larger than ${MAX_POLICY_BYTES / 1024 / 1024} MB`);
    if (f.kind === "policy" && !f.tree && startsBinary(f.path)) f.binary = true;
  }
  const firstScenario = files.find((f) => f.kind === "scenario");
  // without m4 the tree cannot be built: the policy.conf committed beside it opens, with the
  // scenario, as before the studio served trees (and as xsm simulate reads them without m4)
  const committed = dirTree?.readOnly ? files.find((f) => f.kind === "policy" && !f.tree) : undefined;
  // (a tree's own scenarios may name another policy, which opening one would switch to)
  const scenario = isTree && !committed ? undefined : st.isDirectory() ? (files.find((f) => f.name === "nested-trust.json") ?? firstScenario) : firstScenario;
  const policy = committed ?? files.find((f) => f.kind === "policy");
  const warnings: string[] = [];
  let notice: string | undefined;
  if (dirTree?.readOnly) {
    notice = `${dirTree.readOnly}${committed ? `; ${committed.name} is the build committed beside it` : ""}.`;
    warnings.push(`xsm studio: warning: ${notice}`);
  } else if (dirTree?.diagnostics) {
    warnings.push(`xsm studio: warning: the policy tree ${title} ${doesNotBuild(dirTree.diagnostics)}`);
  }
  for (const [f, at] of unbuiltAt) {
    // (without m4, no tree builds: the scenario's policy is the tree all the same, read only)
    if (f.tree!.readOnly) notice ??= `${f.tree!.readOnly}.`;
    warnings.push(`xsm studio: warning: ${at}: ${f.tree!.readOnly ? f.tree!.readOnly : `the policy tree ${f.name} ${doesNotBuild(f.tree!.diagnostics!)}`}`);
  }
  for (const said of emptyAt.values()) warnings.push(`xsm studio: warning: ${said}; the page opens it to be written`);
  return {
    manifest: {
      title,
      files: files.map((f, i) => ({ name: f.name, kind: f.kind, url: `files/${i}/${encodeURIComponent(basename(f.path))}`, ...(f.absolute ? { absolute: f.absolute } : {}), ...(f.binary ? { binary: true as const } : {}) })),
      open: { ...(policy ? { policy: policy.name } : {}), ...(scenario ? { scenario: scenario.name } : {}) },
      ...(notice ? { notice } : {}),
      ...(skipped.length ? { skipped } : {}),
    },
    paths: files.map((f) => f.path),
    contents: files.map((f) => f.content),
    trees: files.map((f) => f.tree),
    warnings,
  };
}

function doesNotBuild(diagnostics: readonly Diagnostic[]): string {
  const n = diagnostics.length;
  return `does not build (${n} error${n === 1 ? "" : "s"}); the page shows ${n === 1 ? "it" : "them"} in the tree's files, to be fixed there`;
}

/** m4's output for a tree a scenario names (or the DIR the studio was started on) and the files it
 *  was built from. One that cannot be built is served all the same, with no text and the build's
 *  errors (the page opens at the first, to be fixed there), and read only when m4 is missing. */
function builtTree(trees: TreeReader, rel: string, dir: string, mls: boolean): { text: string; tree: BuiltTree } {
  const r = trees.attempt(dir, rel, { mls });
  const full = resolve(dir, rel);
  // (readTree refused it: the files it would have read, as far as they are there)
  const tree = r.tree ?? looseTree(full, trees.options.flaskDir);
  const files = servedFiles(tree, trees.options.flaskDir);
  const texts = files.map((n) => readFileSync(join(tree.dir, n), "utf8"));
  const options = { mls, ...(trees.options.define ? { defines: trees.options.define } : {}) };
  const served: ServedTree = { tree, options, files };
  if (r.ok) return { text: r.source.text, tree: { served, texts } };
  const readOnly = r.m4Missing ? "m4 is not installed where xsm studio runs, so the policy tree's files are shown read only and edits to them cannot be rebuilt (Debian: apt-get install m4, then start xsm studio again)" : undefined;
  return { text: "", tree: { served, texts, diagnostics: r.diagnostics, ...(readOnly ? { readOnly } : {}) } };
}

/** A tree readTree refuses (a module on without its .te, a missing section): Xen's flask files as
 *  build/tree.ts finds them (the sections, which place them in a rebuild's scratch copy), for the
 *  page to show and fix with the tree's other files (servedFiles). */
function looseTree(dir: string, flaskDir: string | undefined): PolicyTree {
  const flask = foundFlaskDir(dir, flaskDir);
  const sections = flask === undefined ? [] : flaskSectionsIn(dir, flask);
  const initialSids = sections.find((n) => n.endsWith("initial_sids"));
  const sids = initialSids !== undefined ? mkflaskSids(readFileSync(join(dir, initialSids), "utf8"), initialSids) : TODAYS_XEN_SIDS;
  return { dir, enabled: [], sections, m4Params: [], xenSids: sids, modulesConf: modulesConfOf(dir) ?? "modules/modules.conf" };
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch (err) {
    // worded as every command words a file it cannot read ("no such file")
    throw new CliError(`${path}: ${describeErrno(err)}`);
  }
}

/** A POLICY the user named is read as every command reads one (readPolicyInput): an empty file or
 *  a FIFO is refused as they refuse it; a binary policy opens as xsm why and xsm search read one
 *  (the page loads its bytes as Xen does, and asks it the questions it asks a source), and one
 *  they cannot read is refused as they refuse it. Text holding
 *  a NUL byte is a binary file the page's editor cannot hold (nor save unchanged), refused in
 *  decodeStrictText's words; a policy.conf that does not parse opens, its errors shown in the
 *  page, as xsm compile lists them. */
function namedPolicy(path: string): void {
  const input = readPolicyInput(path);
  // one the page could not load (truncated, hostile, refused by Xen's reader) is refused here with
  // the reader's error at its offset, as every command refuses it: the page has no text of it to fix
  if ("binary" in input) return void loadBinary(input.binary, path);
  const text = input.text;
  const nul = text.indexOf("\0");
  if (nul >= 0) throw new CliError(`${path}: binary file (NUL byte at offset ${encodePolicyText(text.slice(0, nul)).length}), expected policy text`);
}

/** A SCENARIO the user named, read as xsm simulate reads one (empty, binary, not JSON: refused with
 *  the file, or its line and column); JSON that is no scenario at all is refused at the JSON path
 *  that says so. One that is a scenario with mistakes opens, its errors shown in the page. */
function namedScenario(path: string): ScenarioLike {
  // (a repeated key is a mistake the page shows at its line, as the schema's are)
  const data = readJsonFile(path, "scenario", { repeatedKeys: "keep" });
  const not = 'not a scenario (a JSON object with "domains" and "steps")';
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new CliError(`${path}: /: expected an object; got ${shortJson(data)}: ${not}`);
  const steps = (data as { steps?: unknown }).steps;
  if (steps === undefined) throw new CliError(`${path}: /steps: missing: ${not}`);
  if (!Array.isArray(steps)) throw new CliError(`${path}: /steps: expected an array; got ${shortJson(steps)}: ${not}`);
  return data as ScenarioLike;
}

interface ScenarioLike {
  policy?: unknown;
  mls?: unknown;
  steps: unknown[];
}

/** What xsm simulate says of an empty policy file (src/io/read.ts), after "cannot read policy X: ". */
const EMPTY_POLICY = "file is empty, expected a policy file";

/** A .json of the DIR: a scenario, or why it is not offered (namedScenario's words, without the
 *  path the page names it by; a syntax error's place as "line L, column C"). */
function scenarioOrWhy(path: string): ScenarioLike | string {
  try {
    return namedScenario(path);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const said = err.message.startsWith(path) ? err.message.slice(path.length) : err.message;
    const at = /^:(\d+):(\d+): /.exec(said);
    return at ? `line ${at[1]}, column ${at[2]}: ${said.slice(at[0].length)}` : said.replace(/^: /, "");
  }
}

/** The file starts with the binary policy magic (a policy Xen loads as is). */
function startsBinary(path: string): boolean {
  const head = new Uint8Array(4);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    return isBinaryPolicy(head.subarray(0, readSync(fd, head, 0, 4, 0)));
  } catch {
    return false; // (unreadable: served as the server serves it, a 404 the page reports)
  } finally {
    if (fd !== undefined) closeSync(fd);
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
