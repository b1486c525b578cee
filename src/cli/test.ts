// `xsm test FILE... [--coverage] [--json] [--junit FILE] [-v]`: policy tests for CI. A file is a
// policy test file (src/analysis/policytest.schema.json) or an SVP scenario, whose steps' `expect`s
// are its tests. Every file is read and checked before anything runs: a malformed file, an unknown
// name or a policy that does not compile is reported (all of them, located) and nothing runs.
// Exit 0 when every test passes, 1 when one fails or a file is bad, 2 on a usage error.
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Command } from "commander";
import type { AnalysisPolicy } from "../analysis/load.js";
import type { PolicyTestFile } from "../analysis/policytest.js";
import type { CaseResult, SuiteResult, TestRun } from "../analysis/testreport.js";
import { CoverageTracker, allowSites } from "../analysis/coverage.js";
import { duplicateKeyMessage, findDuplicateKeys, findJsonSyntaxError } from "../io/json-syntax.js";
import { inDocumentOrder, shortJson } from "../io/json.js";
import type { Prepared } from "../sim/run.js";
import { loadAnalysis, policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";
import { CliError, UsageError, STDIN, displayName, readTextFile, tooDeep } from "./io.js";
import type { CliContext } from "./context.js";
import { checkOutputs, writeOutput } from "./output.js";

/** A test file holds expectations, not policies: a few MB is thousands of tests. */
export const MAX_TEST_BYTES = 8 * 1024 * 1024;

interface TestOptions extends PolicyInputOptions {
  coverage?: boolean;
  json?: boolean;
  junit?: string;
  verbose?: boolean;
}

type Loaded =
  | { kind: "policy-tests"; file: string; doc: PolicyTestFile; policyPath: string; ap: AnalysisPolicy }
  | { kind: "scenario"; file: string; prepared: Prepared; policyPath?: string };

/** A path a file names, relative to that file's directory (stdin: the working directory). */
const beside = (file: string, rel: string) => (isAbsolute(rel) ? rel : join(file === STDIN ? "." : dirname(file), rel));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A scenario is told apart by its own required keys; anything else is read as policy tests. */
const isScenario = (doc: unknown): boolean => isObject(doc) && ("steps" in doc || "xsm" in doc) && !("tests" in doc);

/** One file, read and checked; problems are collected as printed lines. */
async function loadFile(file: string, problems: string[], options: PolicyInputOptions): Promise<Loaded | undefined> {
  const name = displayName(file);
  let text: string;
  try {
    text = readTextFile(file, "test", MAX_TEST_BYTES);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    problems.push(err.message);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = findJsonSyntaxError(text);
    problems.push(at ? `${name}:${at.line}:${at.col}: not JSON: ${at.message}` : `${name}: not JSON: ${(err as Error).message}`);
    return undefined;
  }
  const deep = tooDeep(doc, "test file");
  if (deep !== undefined) {
    problems.push(`${name}: ${deep}`);
    return undefined;
  }
  // (the document as read: standard input cannot be read twice)
  if (isScenario(doc)) return loadScenarioFile(file, text, doc, problems, options);
  // a key given twice (JSON.parse keeps the last value): each, located, and nothing of the file runs
  const repeated = findDuplicateKeys(text);
  if (repeated.length > 0) {
    for (const d of repeated) problems.push(`${name}:${d.line}:${d.col}: ${d.path}: ${duplicateKeyMessage(d)}`);
    return undefined;
  }
  const { validateTestFile } = await import("../analysis/policytest-validate.js");
  const shape = validateTestFile(doc);
  if (!shape.ok) {
    for (const p of inDocumentOrder(doc, shape.problems)) problems.push(`${name}: ${p.path || "/"}: ${p.message}`);
    return undefined;
  }
  // (reported with the names the policy lacks: every problem of the file at once, in its order)
  const twice = duplicateNames(shape.file);
  const policyPath = beside(file, shape.file.policy);
  let ap: AnalysisPolicy;
  try {
    ap = await loadAnalysis(policyPath, policyPath, options);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    // a policy that does not compile prints its own located diagnostics
    problems.push(err.rendered ? `${err.message}${name}: /policy: ${shape.file.policy} does not compile (above)` : `${name}: /policy: ${err.message}`);
    for (const p of twice) problems.push(`${name}: ${p.path}: ${p.message}`);
    return undefined;
  }
  const { testProblems } = await import("../analysis/policytest.js");
  const bad = testProblems(ap, shape.file);
  for (const p of inDocumentOrder(doc, [...twice, ...bad])) problems.push(`${name}: ${p.path}: ${p.message}`);
  return bad.length || twice.length ? undefined : { kind: "policy-tests", file, doc: shape.file, policyPath, ap };
}

/** Two tests of a file with one name: their results, failures and JUnit test cases could not be
 *  told apart (a CI system keeps one of them). Each later one is a problem at its own path, naming
 *  where the name was first given. */
function duplicateNames(doc: PolicyTestFile): { path: string; message: string }[] {
  const first = new Map<string, number>();
  const out: { path: string; message: string }[] = [];
  doc.tests.forEach((t, i) => {
    if (t.name === undefined) return;
    const seen = first.get(t.name);
    if (seen === undefined) first.set(t.name, i);
    else out.push({ path: `/tests/${i}/name`, message: `duplicate test name ${shortJson(t.name)} (also /tests/${seen}/name)` });
  });
  return out;
}

/** A scenario; a policy tree it names is built with the command's --flask-dir and -D, and its
 *  "mls" (as -M). */
async function loadScenarioFile(file: string, text: string, doc: unknown, problems: string[], options: PolicyInputOptions): Promise<Loaded | undefined> {
  const { formatScenarioErrors, scenarioOf, withRepeatedKeys } = await import("../sim/load.js");
  const { prepareLoaded } = await import("../sim/prepare-checked.js");
  const { treeReader, withTrees } = await import("./scenario-input.js");
  // every error of the file at once, in its order, as xsm simulate reports them
  const loaded = withTrees(withRepeatedKeys(text, doc, scenarioOf(doc, file)), await treeReader({ flaskDir: options.flaskDir, define: options.define }));
  const prepared = prepareLoaded(loaded);
  if (!prepared.ok) {
    problems.push(formatScenarioErrors(displayName(file), prepared.error).replace(/\n$/, ""));
    return undefined;
  }
  const s = prepared.value.scenario;
  return { kind: "scenario", file, prepared: prepared.value, ...(s.xsm === "flask" && s.policy ? { policyPath: beside(file, s.policy) } : {}) };
}

/** Coverage is per policy file: every test file and scenario naming the same file adds to it. */
class Coverage {
  private readonly byPath = new Map<string, CoverageTracker>();

  constructor(private readonly options: PolicyInputOptions) {}

  /** `spanName` is what the decisions' rule locations call the file; `mls`: a scenario's "mls"
   *  (the MLS build of a tree it names). */
  async tracker(path: string, spanName: string, ap?: AnalysisPolicy, mls?: boolean): Promise<CoverageTracker> {
    const key = resolve(path);
    let t = this.byPath.get(key);
    if (!t) {
      const options = mls ? { ...this.options, mls } : this.options;
      t = new CoverageTracker(path, allowSites(ap ?? (await loadAnalysis(path, spanName, options))));
      this.byPath.set(key, t);
    }
    return t;
  }

  reports() {
    return [...this.byPath.values()].map((t) => t.report());
  }
}

async function runPolicyTests(l: Extract<Loaded, { kind: "policy-tests" }>, coverage?: Coverage): Promise<SuiteResult> {
  const { TestRunner } = await import("../analysis/policytest.js");
  const { policyCase } = await import("../analysis/testreport.js");
  const outcomes = new TestRunner(l.ap).run(l.doc);
  const tracker = coverage ? await coverage.tracker(l.policyPath, l.policyPath, l.ap) : undefined;
  if (tracker) for (const o of outcomes) for (const p of o.perms) for (const r of p.reasons) if (r.kind === "granted-by") tracker.hit(r.rule.span);
  // (coverage counts by the compiled spans; a tree's reports name its own files)
  const { locatedReason } = await import("../analysis/load.js");
  const shown = outcomes.map((o) => ({ ...o, perms: o.perms.map((p) => ({ ...p, reasons: p.reasons.map((r) => locatedReason(l.ap, r)) })) }));
  return { file: displayName(l.file), kind: "policy-tests", policy: l.doc.policy, cases: shown.map(policyCase) };
}

/** A scenario's steps that say what they expect are its tests; its decisions exercise rules. */
async function runScenario(l: Extract<Loaded, { kind: "scenario" }>, coverage?: Coverage): Promise<SuiteResult> {
  const { runPrepared } = await import("../sim/run.js");
  const s = l.prepared.scenario;
  const result = runPrepared(l.prepared, { explain: coverage ? "all" : "denied" });
  // the simulator names the policy's rules by the path the scenario wrote; a decision exercises the
  // policy loaded when it is made: the scenario's, then each one a load_policy step loads (its own
  // check runs under the old policy; Xen keeps the old one when a load fails)
  // (a tree's rules come named in its files, with the macro call: hitAt finds their site)
  let tracker = coverage && l.policyPath && s.policy ? await coverage.tracker(l.policyPath, s.policy, undefined, s.mls) : undefined;
  const cases: CaseResult[] = [];
  for (const step of result.steps) {
    if (tracker) for (const d of step.decisions) for (const r of d.reasons ?? []) if (r.kind === "granted-by" && r.rule) tracker.hitAt(r.rule);
    const written = s.steps[step.step - 1];
    if (coverage && written?.op === "load_policy" && step.rc === 0) tracker = await coverage.tracker(beside(l.file, written.policy), written.policy, undefined, s.mls);
    if (step.expect.length === 0) continue;
    const passed = step.expect.every((e) => e.ok);
    const failure: string[] = [];
    if (!passed) {
      for (const e of step.expect.filter((x) => !x.ok)) failure.push(`${e.what}: expected ${e.expected}, got ${e.actual}`);
      for (const d of step.decisions.filter((x) => !x.allowed)) {
        const access = d.scontext !== undefined ? `${d.scontext} -> ${d.tcontext} ${d.tclass} { ${d.perm} }` : `${d.hook} (${d.action ?? "dummy"})`;
        failure.push(`denied: ${access}`, ...(d.reasons ?? []).map((r) => `  ${r.text}`));
      }
    }
    const name = `step ${step.step}: ${step.op}${step.sbdf ? ` ${step.sbdf}` : ""}${step.as ? ` as ${step.as}` : ""}`;
    cases.push({ path: `/steps/${step.step - 1}`, name, passed, failure, detail: { strategy: result.strategy, rc: step.rc, expect: step.expect } });
  }
  return { file: displayName(l.file), kind: "scenario", ...(s.policy ? { policy: s.policy } : {}), cases };
}

async function runTest(cli: CliContext, files: string[], o: TestOptions): Promise<void> {
  if (files.filter((f) => f === STDIN).length > 1) throw new UsageError("standard input (-) can be read only once");
  // (checked before any test runs; '-' would be a file named '-')
  if (o.junit === STDIN) throw new UsageError("--junit -: cannot write the JUnit report: --junit takes a file name, not - (the results already go to standard output; --json makes them one document)");
  if (o.junit !== undefined) checkOutputs([{ path: o.junit, what: "JUnit report", option: "--junit" }], files);
  const problems: string[] = [];
  const loaded: Loaded[] = [];
  for (const f of files) {
    const l = await loadFile(f, problems, o);
    if (l) loaded.push(l);
  }
  if (problems.length) {
    throw new CliError(`${problems.join("\n")}\nxsm: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the test files; no test was run\n`, 1, true);
  }
  const coverage = o.coverage ? new Coverage(o) : undefined;
  const run: TestRun = { suites: [] };
  for (const l of loaded) run.suites.push(l.kind === "policy-tests" ? await runPolicyTests(l, coverage) : await runScenario(l, coverage));
  if (coverage) run.coverage = coverage.reports();
  const { counts, renderJson, renderJunit, renderText } = await import("../analysis/testreport.js");
  const printed = o.json ? renderJson(run) : renderText(run, o.verbose === true);
  if (o.junit !== undefined) {
    // the policies the files name are read too: --junit never replaces one
    const { scenarioPolicyFiles } = await import("./scenario-input.js");
    const policies = loaded.flatMap((l) => (l.kind === "scenario" ? scenarioPolicyFiles(l.file, l.prepared.scenario) : [l.policyPath]));
    // (the results are printed before the report is renamed into place: output.ts)
    await writeOutput(o.junit, renderJunit(run), "JUnit report", [...files, ...policies], "--junit", () => cli.io.stdout.write(printed));
  } else cli.io.stdout.write(printed);
  const { passed, failed } = counts(run);
  if (passed + failed === 0) throw new CliError("no test ran: the files hold no tests (a scenario's tests are the steps with an \"expect\")");
  if (failed > 0) throw new CliError("", 1, true);
}

export function registerTest(program: Command, cli: CliContext): void {
  const cmd = program
    .command("test")
    .description("run policy tests (expected allowed/denied accesses; scenario expectations) with coverage of the allow rules")
    .argument("<files...>", "policy test files (JSON, policytest.schema.json) or scenarios; - for standard input (named <stdin>; its relative policy paths then resolve against the working directory)")
    .option("--coverage", "report the allow rules (file:line) the tests exercised and those none did")
    .option("--json", "print the results as one JSON document")
    .option("--junit <file>", "also write the results as JUnit XML to FILE (for CI systems)")
    .option("-v, --verbose", "list passing tests too");
  policyInputOptions(cmd)
    .action((files: string[], o: TestOptions) => runTest(cli, files, o));
}
