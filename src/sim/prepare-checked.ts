// Every error of a scenario in one report, in the document's order: the checks' (validate.ts: JSON,
// schema, meaning) and prepare()'s (its policies compiled, its contexts and booleans read against
// them). prepare() needs a well-formed scenario, so it used to run only once the checks passed: a
// misspelt property and a context the policy rejects came in two runs, the second after the first
// was fixed. Here prepare() also runs over the parts of a faulty document that have the shape it
// reads, and what it finds joins the checks' errors, each path reported once.
import { atPath } from "../diagnostics/diagnostic.js";
import { fail, type Result } from "../diagnostics/result.js";
import { inDocumentOrder } from "../io/json.js";
import { prepare, type Prepared, type PrepareResult } from "./run.js";
import type { Scenario, ScenarioError } from "./scenario.js";
import { MAX_REPORTED_ERRORS, type LoadedScenario, type LoadResult } from "./validate.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A path at or under `reported` (a value the checks found wrong holds nothing else to report). */
const covers = (reported: string, path: string): boolean => reported === "" || path === reported || path.startsWith(`${reported}/`);

/** The scenario checked and prepared: `errors` are the checks' on `loaded.scenario` (none: it is
 *  well formed, and this is prepare()). With errors, the result is them and prepare()'s on the
 *  document's well-formed parts, in the document's order. */
export function prepareChecked(errors: readonly ScenarioError[], loaded: LoadedScenario | undefined): PrepareResult {
  if (errors.length === 0 && loaded) return prepare(loaded);
  const all = [...errors];
  // (a capped list ends in its count, a document nested too deep was not read: both stand alone)
  const view = loaded && errors.length <= MAX_REPORTED_ERRORS && !errors.some((e) => e.code === "scenario-limit") ? preparable(loaded.scenario, errors) : undefined;
  if (view) {
    const p = prepare({ ...loaded!, scenario: view });
    if (!p.ok) all.push(...p.error.filter((e) => !errors.some((r) => covers(r.path, e.path))));
  }
  const ordered = loaded ? inDocumentOrder(loaded.scenario, all) : all;
  if (ordered.length <= MAX_REPORTED_ERRORS) return fail(ordered);
  return fail([...ordered.slice(0, MAX_REPORTED_ERRORS), atPath("scenario-limit", "", `... and ${ordered.length - MAX_REPORTED_ERRORS} more errors`)]);
}

/** A loaded scenario (the checks' result) prepared, or every error of the two. */
export function prepareLoaded(loaded: LoadResult): Result<Prepared, ScenarioError[]> {
  return loaded.ok ? prepare(loaded.value) : prepareChecked(loaded.error, loaded.unchecked);
}

/** What prepare() reads of a faulty document, where it has the shape prepare() needs; a part that
 *  does not (a domain without a string context, a step that is no load_policy of a path) is left
 *  out at its index, so the errors' paths are the document's. Undefined when nothing can be
 *  prepared: no flask, or no policy to read contexts against. */
function preparable(doc: unknown, errors: readonly ScenarioError[]): Scenario | undefined {
  if (!isObject(doc) || doc.xsm !== "flask" || typeof doc.policy !== "string") return undefined;
  // the policy file is missing, or how to compile it is in doubt: its contexts cannot be read
  if (errors.some((e) => ["/policy", "/xsm", "/mls"].some((p) => covers(e.path, p)))) return undefined;
  return {
    ...doc,
    domains: list(doc.domains).map((d) => (isObject(d) && typeof d.context === "string" ? d : {})),
    steps: list(doc.steps).map((s) => (isObject(s) && s.op === "load_policy" && typeof s.policy === "string" ? s : {})),
    booleans: isObject(doc.booleans) ? doc.booleans : {},
  } as unknown as Scenario;
}
