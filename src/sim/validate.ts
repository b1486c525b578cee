// Checks a parsed scenario document: scenario.schema.json (ajv's standalone validator, compiled
// from the schema at build time by scripts/build-validator.mjs), then meaning (known domains, SBDFs
// in range, policy files that exist, what flask needs). Pure: where files live is the caller's
// business (PolicyFiles), so the same checks run in the CLI and in the studio page.
import type { ErrorObject } from "ajv";
import { parseSbdf } from "../pci/sbdf.js";
import type { Scenario, ScenarioError, Step } from "./scenario.js";
import { validate as validator } from "./scenario.validate.generated.js";

/** Reads the policy a scenario names (a path relative to the scenario's directory `dir`). */
/** A policy file as text, or its bytes (a source or a binary policy; run.ts tells them apart). */
export type ReadPolicy = (dir: string, rel: string) => string | Uint8Array;

export type LoadResult =
  | { ok: true; scenario: Scenario; file: string; dir: string; /** how prepare() reads the policies it names */ readPolicy?: ReadPolicy }
  | { ok: false; file: string; errors: ScenarioError[] };

/** The policy files a scenario may name, relative to its directory. */
export interface PolicyFiles {
  exists(rel: string): boolean;
  /** Where `rel` was looked for, for the message when it is missing. */
  where(rel: string): string;
}

function validate(data: unknown): ErrorObject[] {
  const ok = validator(data);
  return ok ? [] : (validator.errors ?? []);
}

/** Every error of a parsed document against scenario.schema.json, then of its meaning. */
export function scenarioErrors(data: unknown, files: PolicyFiles): ScenarioError[] {
  const schemaErrors = schemaMessages(validate(data));
  if (schemaErrors.length > 0) return schemaErrors;
  return semanticErrors(data as Scenario, files);
}

export function formatScenarioErrors(file: string, errors: readonly ScenarioError[]): string {
  return errors.map((e) => `${file}: ${e.path || "/"}: ${e.message}\n`).join("");
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
      return { path: `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, message: "missing; it is required here" };
    case "additionalProperties": {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return { path: `${e.instancePath}/${name}`, message: `unknown property; expected one of ${allowed.join(", ")}` };
    }
    case "enum":
      return { path: e.instancePath, message: `expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}${got}` };
    case "pattern":
      return { path: e.instancePath, message: `expected ${desc ?? `a string matching ${(e.params as { pattern: string }).pattern}`}${got}` };
    case "type":
      return { path: e.instancePath, message: `expected ${(e.params as { type: string }).type}${got}` };
    case "oneOf":
    case "anyOf":
      return { path: e.instancePath, message: `expected ${desc ?? "one of the allowed forms"}${got}` };
    case "const":
      return { path: e.instancePath, message: `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}${got}` };
    default:
      return { path: e.instancePath, message: `${e.message ?? "invalid"}${got}` };
  }
}

// ---- meaning -----------------------------------------------------------------------------------

const FLASK_ONLY = new Set<Step["op"]>(["set_bool", "load_policy", "set_enforcing"]);

function semanticErrors(s: Scenario, files: PolicyFiles): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
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
    else policyFile("/policy", s.policy, files, err);
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
    if (step.op === "load_policy") policyFile(`${at}/policy`, step.policy, files, err);
    for (const [j, d] of (step.expect?.devices ?? []).entries()) {
      sbdf(`${at}/expect/devices/${j}/sbdf`, d.sbdf, err);
      if (typeof d.owner === "string") known(`${at}/expect/devices/${j}/owner`, d.owner);
    }
  });
  return errors;
}

function sbdf(path: string, text: string, err: (path: string, message: string) => void): void {
  const p = parseSbdf(text);
  if (!p.ok) err(path, `expected a PCI address SSSS:BB:DD.F (device 00-1f, function 0-7): ${p.message}`);
}

function policyFile(path: string, rel: string, files: PolicyFiles, err: (path: string, message: string) => void): void {
  if (!files.exists(rel)) err(path, `policy file ${JSON.stringify(rel)} not found (looked for ${files.where(rel)}; paths are relative to the scenario file)`);
}
