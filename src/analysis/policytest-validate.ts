// A policy test file's shape, checked against policytest.schema.json with ajv: one message per JSON
// path, in words a test author acts on (which property, what was expected, what was there).
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import schema from "./policytest.schema.json" with { type: "json" };
import type { PolicyTestFile, TestProblem } from "./policytest.js";

export const POLICY_TEST_SCHEMA: object = schema;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // the schema is small: compiling it when a test file is read costs a few milliseconds
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: false }).compile(schema);
  return compiled;
}

/** The document as a PolicyTestFile, or every place it does not match the schema. */
export function validateTestFile(data: unknown): { ok: true; file: PolicyTestFile } | { ok: false; problems: TestProblem[] } {
  const validate = validator();
  if (validate(data)) return { ok: true, file: data as PolicyTestFile };
  const errors = validate.errors ?? [];
  // a oneOf's branches say less than the oneOf itself ("a permission, or a list of them"), except
  // when the value is a list: then it took the list's branch, and what is wrong is inside it or
  // its length, said at the exact path (/tests/0/perm/1), not at the list
  const isList = (e: ErrorObject) => e.keyword === "oneOf" && Array.isArray(e.data);
  const inList = (o: ErrorObject, e: ErrorObject) => e.instancePath.startsWith(`${o.instancePath}/`) || (e.instancePath === o.instancePath && (e.keyword === "minItems" || e.keyword === "maxItems"));
  const lists = errors.filter((o) => isList(o) && errors.some((e) => inList(o, e)));
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf" && !lists.includes(e)).map((e) => e.instancePath));
  const seen = new Set<string>();
  const problems: TestProblem[] = [];
  for (const e of errors) {
    if (lists.includes(e)) continue;
    if (lists.some((o) => o.instancePath === e.instancePath) && !inList(lists.find((o) => o.instancePath === e.instancePath)!, e)) continue;
    if (e.keyword !== "oneOf" && [...oneOfPaths].some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`))) continue;
    const p = problem(e);
    const key = `${p.path}\0${p.message}`;
    if (!seen.has(key)) problems.push(p), seen.add(key);
  }
  return { ok: false, problems };
}

function problem(e: ErrorObject): TestProblem {
  const got = e.data === undefined ? "" : `; got ${JSON.stringify(e.data).slice(0, 80)}`;
  const desc = (e.parentSchema as { description?: string } | undefined)?.description;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { path: `${e.instancePath}/${String(params.missingProperty)}`, message: "missing; it is required here" };
    case "additionalProperties": {
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).filter((k) => k !== "$schema");
      return { path: `${e.instancePath}/${String(params.additionalProperty)}`, message: `unknown property; expected one of ${allowed.join(", ")}` };
    }
    case "enum":
      return { path: e.instancePath, message: `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}${got}` };
    case "type":
      return { path: e.instancePath, message: `expected ${String(params.type)}${got}` };
    case "oneOf":
      return { path: e.instancePath, message: `expected ${desc ?? "one of the allowed forms"}${got}` };
    case "minItems":
      return { path: e.instancePath, message: `expected at least ${String(params.limit)} item${params.limit === 1 ? "" : "s"}` };
    case "maxItems":
      return { path: e.instancePath, message: `too many items: at most ${String(params.limit)} (split the tests over several files)` };
    case "minLength":
      return { path: e.instancePath, message: "expected a non-empty string" };
    default:
      return { path: e.instancePath, message: `${e.message ?? "invalid"}${got}` };
  }
}
