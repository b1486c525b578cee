// Reads a scenario file: JSON syntax, then scenario.schema.json (ajv's standalone validator,
// compiled from the schema at build time by scripts/build-validator.mjs), then meaning (known domains,
// SBDFs in range, policy files that exist, what flask needs). Every error names its JSON path and
// what was expected there; nothing runs until the whole file is clean.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ErrorObject } from "ajv";
import { parseSbdf } from "../xen/sbdf.js";
import { atPath } from "../diagnostics/diagnostic.js";
import { renderDiagnostic } from "../diagnostics/render.js";
import type { Scenario, ScenarioError, Step } from "./scenario.js";
import { validate as validator } from "./scenario.validate.generated.js";

export type LoadResult =
  | { ok: true; scenario: Scenario; file: string; dir: string }
  | { ok: false; file: string; errors: ScenarioError[] };

function validate(data: unknown): ErrorObject[] {
  const ok = validator(data);
  return ok ? [] : (validator.errors ?? []);
}

export function loadScenario(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    return { ok: false, file, errors: [atPath("scenario-file", "", `cannot read scenario: ${why}`)] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, file, errors: [atPath("scenario-file", "", `not JSON: ${(err as Error).message}`)] };
  }
  return parseScenario(data, file);
}

/** Validates an already-parsed document; `file` anchors relative policy paths. */
export function parseScenario(data: unknown, file: string, fileExists: (path: string) => boolean = existsSync): LoadResult {
  const schemaErrors = schemaMessages(validate(data));
  if (schemaErrors.length > 0) return { ok: false, file, errors: schemaErrors };
  const scenario = data as Scenario;
  const dir = dirname(resolve(file));
  const errors = semanticErrors(scenario, dir, fileExists);
  return errors.length > 0 ? { ok: false, file, errors } : { ok: true, scenario, file, dir };
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

function semanticErrors(s: Scenario, dir: string, fileExists: (path: string) => boolean): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const err = (path: string, message: string) => errors.push(atPath("scenario", path, message));
  const names = new Map<string, number>();
  const domids = new Map<number, number>();
  s.domains.forEach((d, i) => {
    if (names.has(d.name)) err(`/domains/${i}/name`, `duplicate domain name ${JSON.stringify(d.name)} (also /domains/${names.get(d.name)})`);
    else names.set(d.name, i);
    if (domids.has(d.domid)) err(`/domains/${i}/domid`, `duplicate domid ${d.domid} (also /domains/${domids.get(d.domid)})`);
    else domids.set(d.domid, i);
    if (s.xsm === "flask" && d.context === undefined) err(`/domains/${i}/context`, `missing; xsm flask needs every domain's security context (e.g. "system_u:system_r:domU_t")`);
  });
  const known = (path: string, name: string | undefined) => {
    if (name !== undefined && !names.has(name)) err(path, `unknown domain ${JSON.stringify(name)}; expected one of ${[...names.keys()].join(", ")}`);
  };
  s.domains.forEach((d, i) => known(`/domains/${i}/target`, d.target));

  if (s.xsm === "flask") {
    if (s.policy === undefined) err("/policy", "missing; xsm flask needs a policy file (a path relative to the scenario)");
    else policyFile("/policy", s.policy, dir, fileExists, err);
  }

  s.steps.forEach((step, i) => {
    const at = `/steps/${i}`;
    known(`${at}/as`, step.as);
    if ("domain" in step) known(`${at}/domain`, step.domain);
    if ("sbdf" in step) sbdf(`${at}/sbdf`, step.sbdf, err);
    if (step.op === "pci_add_device" && step.physfn !== undefined) {
      sbdf(`${at}/physfn`, step.physfn, err);
      if (step.physfn === step.sbdf) err(`${at}/physfn`, "a VF cannot be its own PF");
      if (step.extfn) err(`${at}/extfn`, "a VF takes extfn from its PF; give either physfn or extfn");
    }
    if (FLASK_ONLY.has(step.op) && s.xsm !== "flask") err(`${at}/op`, `${step.op} needs "xsm": "flask" (the dummy module has no policy)`);
    if (step.op === "load_policy") policyFile(`${at}/policy`, step.policy, dir, fileExists, err);
    for (const [j, d] of (step.expect?.devices ?? []).entries()) {
      sbdf(`${at}/expect/devices/${j}/sbdf`, d.sbdf, err);
      if (typeof d.owner === "string") known(`${at}/expect/devices/${j}/owner`, d.owner);
    }
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
