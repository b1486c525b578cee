// Reads a scenario file: JSON syntax, then scenario.schema.json (ajv's standalone validator,
// compiled from the schema at build time by scripts/build-validator.mjs), then meaning (known domains,
// SBDFs in range, policy files that exist, what flask needs). Every error names its JSON path and
// what was expected there; nothing runs until the whole file is clean.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ErrorObject } from "ajv";
import { parseSbdf } from "../xen/sbdf.js";
import { atPath } from "../diagnostics/diagnostic.js";
import { renderDiagnostic } from "../diagnostics/render.js";
import { findJsonSyntaxError } from "./json-syntax.js";
import type { Scenario, ScenarioError, Step } from "./scenario.js";
import { validate as validator } from "./scenario.validate.generated.js";

export type LoadResult =
  | { ok: true; scenario: Scenario; file: string; dir: string }
  | { ok: false; file: string; errors: ScenarioError[] };

function validate(data: unknown): ErrorObject[] {
  const ok = validator(data);
  return ok ? [] : (validator.errors ?? []);
}

/** Larger than any scenario a person writes or the generator makes (10,000 steps is ~2 MB); past
 *  it we refuse up front rather than parse and validate for minutes. */
export const MAX_SCENARIO_BYTES = 16 * 1024 * 1024;

/** Reads and checks a scenario file (`-`: standard input, policy paths then relative to the
 *  working directory). Every mistake is reported at once: a syntax error with its line and column,
 *  else the schema's and the meaning checks' errors together. */
export function loadScenario(file: string, limit = MAX_SCENARIO_BYTES): LoadResult {
  const read = readScenarioText(file, limit);
  if (typeof read !== "string") return { ok: false, file, errors: [read] };
  let data: unknown;
  try {
    data = JSON.parse(read);
  } catch (err) {
    const at = findJsonSyntaxError(read);
    const message = `not JSON: ${at?.message ?? (err as Error).message}`;
    return { ok: false, file, errors: [at ? { ...atPath("scenario-file", "", message), line: at.line, col: at.col } : atPath("scenario-file", "", message)] };
  }
  return parseScenario(data, file === "-" ? "./<stdin>" : file);
}

function readScenarioText(file: string, limit: number): string | ScenarioError {
  const cannot = (why: string): ScenarioError => atPath("scenario-file", "", `cannot read scenario: ${why}`);
  try {
    if (file !== "-") {
      const st = statSync(file);
      if (st.isDirectory()) return cannot("is a directory, not a scenario file");
      if (st.size > limit) return cannot(`file is too large (${mb(st.size)}; the limit for a scenario is ${mb(limit)})`);
    }
    const bytes = readFileSync(file === "-" ? 0 : file);
    if (bytes.length > limit) return cannot(`too large (over ${mb(limit)}, the limit for a scenario)`);
    if (bytes.length === 0) return cannot("the file is empty; a scenario is a JSON object");
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return cannot("no such file");
    if (err instanceof TypeError) return cannot("not valid UTF-8 text");
    return cannot(code ?? (err as Error).message);
  }
}

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Validates an already-parsed document; `file` anchors relative policy paths. The meaning checks
 *  run even where the schema found mistakes (on the parts that have the right shape), so one run
 *  reports both; a meaning error at a path the schema already reported is left out. */
export function parseScenario(data: unknown, file: string, fileExists: (path: string) => boolean = existsSync): LoadResult {
  const schemaErrors = schemaMessages(validate(data));
  const dir = dirname(resolve(file));
  const reported = new Set(schemaErrors.map((e) => e.path));
  const meaning = isObject(data) ? semanticErrors(data, dir, fileExists).filter((e) => !reported.has(e.path)) : [];
  const errors = [...schemaErrors, ...meaning];
  return errors.length > 0 ? { ok: false, file, errors } : { ok: true, scenario: data as unknown as Scenario, file, dir };
}

export function formatScenarioErrors(file: string, errors: readonly ScenarioError[]): string {
  return errors.map((e) => renderDiagnostic(e, undefined, file)).join("");
}

// ---- schema errors -> one message per JSON path ----------------------------------------------------

function schemaMessages(errors: ErrorObject[]): ScenarioError[] {
  // `if` failures are how the step schema dispatches on `op`, not mistakes; a oneOf's branches say
  // less than the oneOf itself, so keep only the oneOf at that path.
  const relevant = errors.filter((e) => e.keyword !== "if");
  const oneOfPaths = new Set(relevant.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.instancePath));
  const out: ScenarioError[] = [];
  const seen = new Set<string>();
  for (const e of relevant) {
    const underOneOf = e.keyword !== "oneOf" && e.keyword !== "anyOf" && [...oneOfPaths].some((p) => e.instancePath === p && e.schemaPath.includes("/oneOf/"));
    if (underOneOf) continue;
    const m = message(e);
    const key = `${m.path}\0${m.message}`;
    if (!seen.has(key)) out.push(m), seen.add(key);
  }
  return out;
}

function message(e: ErrorObject): ScenarioError {
  const got = e.data === undefined ? "" : `; got ${JSON.stringify(e.data)}`;
  const desc = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case "required":
      return atPath("scenario-schema", `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, "missing; it is required here");
    case "additionalProperties": {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return atPath("scenario-schema", `${e.instancePath}/${name}`, `unknown property; expected one of ${allowed.join(", ")}`);
    }
    case "enum":
      return atPath("scenario-schema", e.instancePath, `expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}${got}`);
    case "pattern":
      return atPath("scenario-schema", e.instancePath, `expected ${desc ?? `a string matching ${(e.params as { pattern: string }).pattern}`}${got}`);
    case "type":
      return atPath("scenario-schema", e.instancePath, `expected ${(e.params as { type: string }).type}${got}`);
    case "oneOf":
    case "anyOf":
      return atPath("scenario-schema", e.instancePath, `expected ${desc ?? "one of the allowed forms"}${got}`);
    case "const":
      return atPath("scenario-schema", e.instancePath, `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}${got}`);
    default:
      return atPath("scenario-schema", e.instancePath, `${e.message ?? "invalid"}${got}`);
  }
}

// ---- meaning -----------------------------------------------------------------------------------

const FLASK_ONLY = new Set<Step["op"]>(["set_bool", "load_policy", "set_enforcing"]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The meaning of a scenario, read defensively: the schema may have found the document malformed,
 *  so every field is looked at only when it has the shape the check needs. */
function semanticErrors(s: Json, dir: string, fileExists: (path: string) => boolean): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const err = (path: string, message: string) => errors.push(atPath("scenario", path, message));
  const names = new Map<string, number>();
  const domids = new Map<number, number>();
  const flask = s.xsm === "flask";
  const domains = list(s.domains);
  domains.forEach((d, i) => {
    if (!isObject(d)) return;
    const name = str(d.name);
    if (name !== undefined) {
      if (names.has(name)) err(`/domains/${i}/name`, `duplicate domain name ${JSON.stringify(name)} (also /domains/${names.get(name)})`);
      else names.set(name, i);
    }
    if (typeof d.domid === "number") {
      if (domids.has(d.domid)) err(`/domains/${i}/domid`, `duplicate domid ${d.domid} (also /domains/${domids.get(d.domid)})`);
      else domids.set(d.domid, i);
    }
    if (flask && d.context === undefined) err(`/domains/${i}/context`, `missing; xsm flask needs every domain's security context (e.g. "system_u:system_r:domU_t")`);
  });
  const known = (path: string, name: unknown) => {
    if (typeof name === "string" && !names.has(name)) err(path, `unknown domain ${JSON.stringify(name)}; expected one of ${[...names.keys()].join(", ")}`);
  };
  domains.forEach((d, i) => isObject(d) && known(`/domains/${i}/target`, d.target));

  if (flask) {
    if (s.policy === undefined) err("/policy", "missing; xsm flask needs a policy file (a path relative to the scenario)");
    else if (typeof s.policy === "string") policyFile("/policy", s.policy, dir, fileExists, err);
  }

  list(s.steps).forEach((step, i) => {
    if (!isObject(step)) return;
    const at = `/steps/${i}`;
    const op = str(step.op);
    known(`${at}/as`, step.as);
    known(`${at}/domain`, step.domain);
    if (typeof step.sbdf === "string") sbdf(`${at}/sbdf`, step.sbdf, err);
    if (op === "pci_add_device" && typeof step.physfn === "string") {
      sbdf(`${at}/physfn`, step.physfn, err);
      if (step.physfn === step.sbdf) err(`${at}/physfn`, "a VF cannot be its own PF");
      if (step.extfn === true) err(`${at}/extfn`, "a VF takes extfn from its PF; give either physfn or extfn");
    }
    if (op !== undefined && FLASK_ONLY.has(op as Step["op"]) && !flask) err(`${at}/op`, `${op} needs "xsm": "flask" (the dummy module has no policy)`);
    if (op === "load_policy" && typeof step.policy === "string") policyFile(`${at}/policy`, step.policy, dir, fileExists, err);
    const expect = isObject(step.expect) ? step.expect : {};
    list(expect.devices).forEach((d, j) => {
      if (!isObject(d)) return;
      if (typeof d.sbdf === "string") sbdf(`${at}/expect/devices/${j}/sbdf`, d.sbdf, err);
      known(`${at}/expect/devices/${j}/owner`, d.owner);
    });
  });
  return errors;
}

function sbdf(path: string, text: string, err: (path: string, message: string) => void): void {
  const p = parseSbdf(text);
  if (!p.ok) err(path, `expected a PCI address SSSS:BB:DD.F (device 00-1f, function 0-7): ${p.error}`);
}

function policyFile(path: string, rel: string, dir: string, fileExists: (path: string) => boolean, err: (path: string, message: string) => void): void {
  const full = resolve(dir, rel);
  if (!fileExists(full)) err(path, `policy file ${JSON.stringify(rel)} not found (looked for ${full}; paths are relative to the scenario file)`);
}
