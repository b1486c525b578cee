// Reads a scenario file from disk: JSON syntax, then validate.ts (schema, meaning) with the policy
// files it names looked up beside it. The Node side of scenario loading; the studio page runs
// validate.ts over its own files.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Scenario } from "./scenario.js";
import { scenarioErrors, type LoadResult, type ReadPolicy } from "./validate.js";

export { formatScenarioErrors } from "./validate.js";
export type { LoadResult, ReadPolicy } from "./validate.js";

const readPolicyFile: ReadPolicy = (dir, rel) => new Uint8Array(readFileSync(resolve(dir, rel)));

export function loadScenario(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    return { ok: false, file, errors: [{ path: "", message: `cannot read scenario: ${why}` }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, file, errors: [{ path: "", message: `not JSON: ${(err as Error).message}` }] };
  }
  return parseScenario(data, file);
}

/** Validates an already-parsed document; `file` anchors relative policy paths. */
export function parseScenario(data: unknown, file: string, fileExists: (path: string) => boolean = existsSync): LoadResult {
  const dir = dirname(resolve(file));
  const errors = scenarioErrors(data, { exists: (rel) => fileExists(resolve(dir, rel)), where: (rel) => resolve(dir, rel) });
  return errors.length > 0 ? { ok: false, file, errors } : { ok: true, scenario: data as Scenario, file, dir, readPolicy: readPolicyFile };
}
