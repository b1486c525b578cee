// What the studio serves, and what `--export` writes: the bundled page and the files it was started
// on, each at a fixed path. Fixed when the studio starts: a request for anything else is a 404, so
// the server never maps a URL onto the file system.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, MAX_POLICY_BYTES } from "../cli/io.js";
import { describeErrno } from "../io/read.js";
import type { TreeReader } from "../cli/scenario-input.js";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { renderInline } from "../diagnostics/render.js";
import { PAGE_FILES, type StudioFile, type StudioManifest } from "./manifest.js";

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

/** `trees` builds the policy trees scenarios name (src/cli/scenario-input.ts): the page gets m4's
 *  output as the policy's text, since it compiles in the browser and cannot run m4. Without it a
 *  scenario's tree is left out (the page then says the policy is missing). */
export function buildSite(target: string | undefined, pageDir = PAGE_DIR, trees?: TreeReader): { entries: SiteEntry[]; manifest: StudioManifest } {
  for (const f of PAGE_FILES) {
    if (!existsSync(join(pageDir, f))) throw new CliError(`the studio page is not built (${join(pageDir, f)} is missing); run npm run build`);
  }
  const manifest = collect(target ?? DEFAULT_TARGET, target === undefined ? "examples/svp" : titleOf(target), trees);
  const entries: SiteEntry[] = PAGE_FILES.map((f) => ({ path: `/${f}`, file: join(pageDir, f), type: typeOf(f) }));
  entries.push({ path: "/", file: join(pageDir, "index.html"), type: typeOf("index.html") });
  entries.push({ path: "/files.json", content: `${JSON.stringify(manifest.manifest, null, 2)}\n`, type: typeOf("files.json") });
  manifest.manifest.files.forEach((f, i) => {
    const content = manifest.contents[i];
    entries.push({ path: `/${f.url}`, ...(content !== undefined ? { content } : { file: manifest.paths[i]! }), type: "text/plain; charset=utf-8" });
  });
  return { entries, manifest: manifest.manifest };
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
}

/** POLICY, SCENARIO (and the policies it names) or DIR (its .conf files and scenarios). */
function collect(target: string, title: string, trees?: TreeReader): Collected {
  const st = statOf(target);
  const base = st.isDirectory() ? resolve(target) : dirname(resolve(target));
  type Entry = { name: string; kind: StudioFile["kind"]; path: string; content?: string; absolute?: string[] };
  const files: Entry[] = [];
  const add = (path: string, kind: StudioFile["kind"], content?: string): Entry => {
    // (a tree the scenario names as "." is named "." too: the page resolves it so)
    const name = relative(base, path).split(sep).join("/") || ".";
    const known = files.find((f) => f.name === name);
    if (known) return known;
    const f: Entry = { name, kind, path, ...(content !== undefined ? { content } : {}) };
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
      else if (st?.isDirectory() && trees) named(add(p, "policy", builtTree(trees, path, rel, at, data.mls === true)), rel);
    }
  };
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
  const scenario = st.isDirectory() ? (files.find((f) => f.name === "nested-trust.json") ?? firstScenario) : firstScenario;
  const policy = files.find((f) => f.kind === "policy");
  return {
    manifest: {
      title,
      files: files.map((f, i) => ({ name: f.name, kind: f.kind, url: `files/${i}/${encodeURIComponent(basename(f.path))}`, ...(f.absolute ? { absolute: f.absolute } : {}) })),
      open: { ...(policy ? { policy: policy.name } : {}), ...(scenario ? { scenario: scenario.name } : {}) },
    },
    paths: files.map((f) => f.path),
    contents: files.map((f) => f.content),
  };
}

/** m4's output for a tree a scenario names; a tree that cannot be built stops the studio with the
 *  line `xsm simulate` prints for it (the scenario, the JSON path, the tree's file:line). */
function builtTree(trees: TreeReader, scenario: string, rel: string, at: string, mls: boolean): string {
  try {
    return trees.read(dirname(scenario), rel, { mls }).text;
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    const lines = err.diagnostics.map((d) => `${scenario}: ${at}: ${renderInline(d)}`);
    throw new CliError(lines.join("\n"));
  }
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
