// Reads a scenario file from disk: its size, UTF-8 and JSON syntax (with line and column), then
// validate.ts (schema and meaning) with the policy files it names looked up beside it. The Node
// side of scenario loading; the studio page runs validate.ts over its own files. Every error names
// its JSON path and what was expected there; nothing runs until the whole file is clean.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { atPath, error, PolicyError } from "../diagnostics/diagnostic.js";
import { fail, ok } from "../diagnostics/result.js";
import { decodeStrictText, displayName, InputError, MAX_POLICY_BYTES, readBoundedFile, readBoundedStdin, STDIN } from "../io/read.js";
import { findJsonSyntaxError } from "../io/json-syntax.js";
import { inDocumentOrder } from "../io/json.js";
import type { Scenario } from "./scenario.js";
import { duplicateKeyErrors, scenarioErrors, type LoadedScenario, type LoadResult, type ReadPolicy } from "./validate.js";

export { formatScenarioErrors } from "./validate.js";
export type { LoadedScenario, LoadResult, LocateRule, PolicySource, ReadPolicy } from "./validate.js";

// bounded as `xsm compile` reads a policy (no directory, FIFO, device, empty or oversized file);
// a failure is a PolicyError, which prepare() reports at the path that names the file
const readPolicyFile: ReadPolicy = (dir, rel) => {
  const full = resolve(dir, rel);
  try {
    return new Uint8Array(readBoundedFile(full, "policy", MAX_POLICY_BYTES));
  } catch (err) {
    if (err instanceof InputError) throw new PolicyError([error("input", `cannot read policy ${rel}: ${err.message.slice(full.length + 2)}`)]);
    throw err;
  }
};

/** Larger than any scenario a person writes or the generator makes (10,000 steps is ~2 MB); past
 *  it we refuse up front rather than parse and validate for minutes. */
export const MAX_SCENARIO_BYTES = 16 * 1024 * 1024;

/** Reads and checks a scenario file (`-`: standard input, policy paths then relative to the
 *  working directory). Every mistake is reported at once: a syntax error with its line and column,
 *  else the schema's and the meaning checks' errors together. */
export function loadScenario(file: string, limit = MAX_SCENARIO_BYTES): LoadResult {
  let text: string;
  try {
    text = readScenarioText(file, limit);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const prefix = `${displayName(file)}: `;
    const why = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return fail([atPath("scenario-file", "", `cannot read scenario: ${why}`)]);
  }
  return scenarioFromText(text, file);
}

/** The scenario in `text`, read from `file`, checked as loadScenario checks it: for a caller that
 *  reads the file itself (the CLI, whose message for a file it cannot read names the file, as for
 *  every other input, rather than a JSON path). */
export function scenarioFromText(text: string, file: string): LoadResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const at = findJsonSyntaxError(text);
    const message = `not JSON: ${at?.message ?? (err as Error).message}`;
    return fail([at ? { ...atPath("scenario-file", "", message), line: at.line, col: at.col } : atPath("scenario-file", "", message)]);
  }
  return withRepeatedKeys(text, data, scenarioOf(data, file));
}

/** `loaded` (the checks of `data`, parsed from `text`) with each key the text gives twice in one
 *  object (JSON.parse keeps the last value) as an error at its line and column, among the rest. */
export function withRepeatedKeys(text: string, data: unknown, loaded: LoadResult): LoadResult {
  const twice = duplicateKeyErrors(text);
  if (twice.length === 0) return loaded;
  const unchecked = loaded.ok ? loaded.value : loaded.unchecked;
  return { ...fail(inDocumentOrder(data, [...twice, ...(loaded.ok ? [] : loaded.error)])), ...(unchecked ? { unchecked } : {}) };
}

/** The parsed document of scenario file `file` (`-`: standard input, which has no directory, so
 *  its paths resolve against the working directory), checked as loadScenario checks it. */
export function scenarioOf(data: unknown, file: string): LoadResult {
  return file === "-" ? parseScenario(data, "./<stdin>", existsSync, STDIN_BASE) : parseScenario(data, file);
}

/** A scenario file's text, bounded (src/io/read.ts: no directory, FIFO, device, empty or
 *  oversized file) and strict UTF-8; an InputError (starting with the file's name) when it cannot
 *  be read. */
export function readScenarioText(file: string, limit = MAX_SCENARIO_BYTES): string {
  const bytes = file === STDIN ? readBoundedStdin("scenario", limit) : readBoundedFile(file, "scenario", limit);
  // a byte-order mark says nothing (editors on Windows write one)
  return decodeStrictText(displayName(file), bytes, "scenario").replace(/^\uFEFF/, "");
}

/** What a scenario on standard input resolves its relative paths against, in words. */
const STDIN_BASE = "the working directory, as the scenario is on standard input";

/** Validates an already-parsed document; `file` anchors relative policy paths (`base` says how,
 *  in words, for a missing file's message). */
export function parseScenario(data: unknown, file: string, fileExists: (path: string) => boolean = existsSync, base?: string): LoadResult {
  const dir = dirname(resolve(file));
  const errors = scenarioErrors(data, { exists: (rel) => fileExists(resolve(dir, rel)), where: (rel) => resolve(dir, rel), ...(base ? { base } : {}) });
  const loaded: LoadedScenario = { scenario: data as unknown as Scenario, file, dir, readPolicy: readPolicyFile };
  if (errors.length === 0) return ok(loaded);
  const isObject = typeof data === "object" && data !== null && !Array.isArray(data);
  return { ...fail(errors), ...(isObject ? { unchecked: loaded } : {}) };
}
