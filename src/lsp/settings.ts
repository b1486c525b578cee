// What a client sets for `xsm lsp`: at initialize (initializationOptions) and afterwards in the
// `xsm` section of its settings (workspace/didChangeConfiguration; pulled with
// workspace/configuration where the client supports it). The same keys either way: `flaskDir`
// (Xen's xen/xsm/flask/policy, for trees), `mls` (checkpolicy -M), `lint` (run `xsm lint`'s checks
// after each compile; true unless set false), `inlayHints` ({ parameterNames, attributeTypes }). A setting left out (or null) is what the command line and initialize gave;
// settings that are wrong anywhere change nothing.
import { flaskDirProblem } from "../build/tree.js";
import { DEFAULT_INLAY, type InlayOptions } from "./inlay.js";

/** The options the analyses and the inlay hints are made with. */
export interface Settings {
  flaskDir?: string;
  mls: boolean;
  /** Lint findings published with the compiler's diagnostics (src/lsp/lint.ts). */
  lint: boolean;
  inlay: InlayOptions;
}

/** What is wrong with a set of options: the key (a path below the object given), what it should
 *  be, and what it is. */
export interface SettingsProblem {
  path: string;
  expected: string;
  value: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const given = (v: unknown): boolean => v !== undefined && v !== null;
const INLAY_KEYS = Object.keys(DEFAULT_INLAY) as (keyof InlayOptions)[];

/** The first key of `value` that `withSettings` cannot take; undefined when every key is fine.
 *  Keys it does not know are left alone (a client keeps its own, as VS Code's `trace`), except
 *  under `inlayHints`, which only says which hints to give. */
export function settingsProblem(value: unknown): SettingsProblem | undefined {
  if (!given(value)) return undefined;
  if (!isObject(value)) {
    return { path: "", expected: "an object { flaskDir?, mls?, lint?, inlayHints? }", value };
  }
  const { flaskDir, mls, lint, inlayHints } = value;
  const bool = "true or false";
  if (given(flaskDir)) {
    const path = ".flaskDir";
    if (typeof flaskDir !== "string") {
      return { path, expected: "a path (Xen's xen/xsm/flask/policy)", value: flaskDir };
    }
    // as `xsm lsp --flask-dir` checks it: a wrong one would fail every tree's build
    if (flaskDirProblem(flaskDir) !== undefined) {
      const expected = "Xen's xen/xsm/flask/policy directory, with security_classes in it";
      return { path, expected, value: flaskDir };
    }
  }
  if (given(mls) && typeof mls !== "boolean") return { path: ".mls", expected: bool, value: mls };
  if (given(lint) && typeof lint !== "boolean") return { path: ".lint", expected: bool, value: lint };
  if (given(inlayHints)) {
    if (!isObject(inlayHints)) {
      const expected = "an object { parameterNames?, attributeTypes? }";
      return { path: ".inlayHints", expected, value: inlayHints };
    }
    for (const [k, v] of Object.entries(inlayHints)) {
      const path = `.inlayHints.${k}`;
      if (!(INLAY_KEYS as string[]).includes(k)) {
        return { path, expected: `no such option (${INLAY_KEYS.join(", ")})`, value: v };
      }
      if (given(v) && typeof v !== "boolean") return { path, expected: bool, value: v };
    }
  }
  return undefined;
}

/** `base` with the options `value` sets (one `settingsProblem` accepts). */
export function withSettings(base: Settings, value: unknown): Settings {
  if (!isObject(value)) return base;
  const inlay = { ...base.inlay };
  if (isObject(value.inlayHints)) {
    for (const k of INLAY_KEYS) {
      const v = value.inlayHints[k];
      if (typeof v === "boolean") inlay[k] = v;
    }
  }
  return {
    flaskDir: typeof value.flaskDir === "string" ? value.flaskDir : base.flaskDir,
    mls: typeof value.mls === "boolean" ? value.mls : base.mls,
    lint: typeof value.lint === "boolean" ? value.lint : base.lint,
    inlay,
  };
}

/** The problem as a sentence: `where` names the object (`params.initializationOptions`, `xsm`). */
export function problemText(where: string, p: SettingsProblem): string {
  const got =
    p.value === undefined ? "nothing" : (JSON.stringify(p.value) ?? String(p.value)).slice(0, 60);
  const why = p.path === ".flaskDir" && typeof p.value === "string" ? flaskWhy(p.value) : "";
  return `xsm: ${where}${p.path}: expected ${p.expected}; got ${got}${why}`;
}

/** Why a flask directory is refused, in --flask-dir's words without the option's name. */
function flaskWhy(dir: string): string {
  const problem = flaskDirProblem(dir);
  const why = problem === undefined ? undefined : /^--flask-dir .*?: ([^;]*);/.exec(problem)?.[1];
  return why === undefined ? "" : ` (${why})`;
}
