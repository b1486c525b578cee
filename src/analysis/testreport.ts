// What `xsm test` prints: each failure with the decision's reasons, a summary line, coverage; the
// same results as one JSON document (--json) and as JUnit XML (--junit, the format CI systems read:
// a testsuite per file, a testcase per test, a failure element with the explanation).
import { nearJson, nearLines, proposalJson, proposalLines, reasonJson, reasonText, togetherTitle, type ReasonJson } from "../policy/reasons.js";
import type { PolicyCoverage } from "./coverage.js";
import { locationText } from "./load.js";
import type { TestOutcome } from "./policytest.js";

/** One test of a file, whatever kind of file it came from. */
export interface CaseResult {
  /** Its JSON path in the file, e.g. "/tests/3" or "/steps/7". */
  path: string;
  name: string;
  passed: boolean;
  /** Why it failed (empty when it passed): lines a person reads. */
  failure: string[];
  /** What --json prints for it besides name, path and passed. */
  detail: Record<string, unknown>;
}

export interface SuiteResult {
  file: string;
  kind: "policy-tests" | "scenario";
  /** The policy the tests ran against, as the file names it (resolved beside the file). */
  policy?: string;
  cases: CaseResult[];
}

export interface TestRun {
  suites: SuiteResult[];
  coverage?: PolicyCoverage[];
}

const onOff = (b: Record<string, boolean>) =>
  Object.entries(b)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");

/** A policy test's outcome as a case: the explanation lists each permission that went the other way. */
export function policyCase(o: TestOutcome): CaseResult {
  const failure: string[] = [];
  if (!o.passed) {
    const with_ = Object.keys(o.booleans).length ? ` with ${onOff(o.booleans)}` : "";
    failure.push(`expected ${o.expect}${with_}: ${o.access}`);
    for (const p of o.perms) {
      if (p.allowed === (o.expect === "allowed")) continue;
      failure.push(`  ${p.perm}: ${p.allowed ? "allowed" : "denied"}${o.mode === "types" ? " (TE rules)" : ""}`);
      for (const r of p.reasons) {
        failure.push(`    ${reasonText(r)}`);
        // (its own proposal unless it is made with the others', after them)
        if (r.kind === "no-rule" && p.near) failure.push(...nearLines(nearJson(p.near), "      ", !o.together?.perms.includes(p.perm)));
      }
    }
    if (o.together) failure.push(`  ${togetherTitle(o.together.perms)}`, ...proposalLines(proposalJson(o.together.proposal), "    "));
  }
  const detail = {
    expect: o.expect,
    access: o.access,
    mode: o.mode,
    booleans: o.booleans,
    perms: o.perms.map((p) => ({ perm: p.perm, allowed: p.allowed, reasons: p.reasons.map((r): ReasonJson => ({ ...reasonJson(r), ...(r.kind === "no-rule" && p.near ? { nearest: nearJson(p.near) } : {}) })) })),
    ...(o.together ? { proposal: { perms: o.together.perms, ...proposalJson(o.together.proposal) } } : {}),
  };
  return { path: o.path, name: o.name, passed: o.passed, failure, detail };
}

export function counts(run: TestRun): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const s of run.suites) for (const c of s.cases) c.passed ? passed++ : failed++;
  return { passed, failed };
}

/** Failures (and, verbose, every passing test), then `N passed, M failed`, then coverage. */
export function renderText(run: TestRun, verbose: boolean): string {
  let out = "";
  for (const s of run.suites) {
    for (const c of s.cases) {
      if (c.passed) {
        if (verbose) out += `ok   ${s.file} ${c.path}: ${c.name}\n`;
        continue;
      }
      out += `FAIL ${s.file} ${c.path}: ${c.name}\n${c.failure.map((l) => `  ${l}\n`).join("")}`;
    }
  }
  const { passed, failed } = counts(run);
  out += `${passed} passed, ${failed} failed\n`;
  if (run.coverage) out += renderCoverage(run.coverage);
  return out;
}

/** A platform block or a long m4-written rule, cut to one screen line. */
const clip = (text: string) => (text.length > 120 ? `${text.slice(0, 116)} ...` : text);

export function renderCoverage(cov: PolicyCoverage[]): string {
  const total = cov.reduce((n, c) => n + c.total, 0);
  const covered = cov.reduce((n, c) => n + c.covered, 0);
  const pct = total === 0 ? 100 : Math.round((covered / total) * 1000) / 10;
  let out = `coverage: ${covered} of ${total} allow rules exercised (${pct}%)\n`;
  for (const c of cov) {
    out += `  ${c.policy}: ${c.covered} of ${c.total} (${c.percent}%)\n`;
    if (c.uncovered.length) out += `    not exercised:\n${c.uncovered.map((s) => `      ${locationText(s)}: ${clip(s.text)}\n`).join("")}`;
  }
  return out;
}

export function renderJson(run: TestRun): string {
  const doc = {
    ...counts(run),
    files: run.suites.map((s) => ({
      file: s.file,
      kind: s.kind,
      ...(s.policy !== undefined ? { policy: s.policy } : {}),
      tests: s.cases.map((c) => ({ name: c.name, path: c.path, passed: c.passed, ...(c.passed ? {} : { failure: c.failure }), ...c.detail })),
    })),
    ...(run.coverage ? { coverage: run.coverage } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/** JUnit XML (the schema Jenkins, GitLab and GitHub's test reporters read). */
export function renderJunit(run: TestRun): string {
  const { passed, failed } = counts(run);
  let out = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="xsm test" tests="${passed + failed}" failures="${failed}">\n`;
  for (const s of run.suites) {
    const f = s.cases.filter((c) => !c.passed).length;
    out += `  <testsuite name="${xml(s.file)}" tests="${s.cases.length}" failures="${f}" errors="0" skipped="0">\n`;
    for (const c of s.cases) {
      const head = `    <testcase classname="${xml(s.file)}" name="${xml(`${c.path}: ${c.name}`)}"`;
      if (c.passed) out += `${head}/>\n`;
      else out += `${head}>\n      <failure message="${xml(c.failure[0] ?? "failed")}">${xml(c.failure.join("\n"))}</failure>\n    </testcase>\n`;
    }
    out += "  </testsuite>\n";
  }
  return `${out}</testsuites>\n`;
}
