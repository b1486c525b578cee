// `xsm check`: one access decision, or a file of them, as Xen's security server makes it.
//
//   xsm check POLICY --scontext C --tcontext C --class K --perm P... [--bool NAME=1|0|true|false]... [--json]
//   xsm check POLICY --queries FILE [--bool ...] --json
//
// --queries reads and --json prints exactly what oracle-decide reads and prints, so the two can be
// compared byte for byte.
import { InvalidArgumentError, type Command } from "commander";
import { diagnostic, PolicyError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { groupIdentical, identicalSuffix, locatedNear, locatedReason, nearJson, nearLines, reasonJson, reasonText, type BoolLookup, type LocateRule, type ProposedCall } from "../policy/reasons.js";
import type { CompiledPolicy, Decision, NearMisses } from "../policy/types.js";
import type { ExpandedTree } from "../build/expand.js";
import { loadPolicy, type LoadedPolicy } from "./compile.js";
import { isDirectory, policyInputOptions, readPolicyArgument, refuseTreeOptions } from "./analysis-input.js";
import { failWith, withFormat, writeDiagnostics, type OutputFormat } from "./format.js";
import { parseFormat } from "./format-option.js";
import { CliError, STDIN, displayName, readJsonFile } from "./io.js";
import { nameSet } from "./lists.js";
import { keyedValue } from "./repeats.js";
import type { CliContext } from "./context.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import { didYouMean, nearestName } from "../diagnostics/suggest.js";

export interface Query {
  scontext: string;
  tcontext: string;
  tclass: string;
  perm: string;
}

interface CheckOptions {
  scontext?: string;
  tcontext?: string;
  class?: string;
  perm?: string[];
  bool?: Record<string, boolean>;
  queries?: string;
  json?: boolean;
  mls?: boolean;
  flaskDir?: string;
  define?: string[];
  format: OutputFormat;
}

/** NAME=VALUE with Xen's spellings too: flask-set-bool takes 1/0 as well as true/false. */
export function parseBool(value: string, previous: Record<string, boolean> | undefined): Record<string, boolean> {
  const m = /^([^=\s]+)=(true|false|1|0)$/.exec(value);
  if (!m) throw new InvalidArgumentError("expected NAME=1, NAME=0, NAME=true or NAME=false.");
  return keyedValue(previous, m[1]!, m[2] === "true" || m[2] === "1", value, (earlier) => new InvalidArgumentError(`--bool ${earlier} was given before it: a boolean takes one value; give it once.`));
}

/** --perm is repeatable, and one value may name several: `--perm plug --perm "unplug setup"`. */
function collectPerms(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === "") throw new InvalidArgumentError("expected a permission name.");
  const set = nameSet(value);
  if ("problem" in set) throw new InvalidArgumentError(`${set.problem}; expected a permission name, or several as plug,unplug or '{ plug unplug }'.`);
  const perms = set.names.filter((p, i) => set.names.indexOf(p) === i);
  return [...(previous ?? []), ...perms.filter((p) => !previous?.includes(p))];
}

/** Python's json.dumps(ensure_ascii=True) escapes every non-ASCII character; so do we. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** oracle-decide's answer object: keys sorted (allowed, audited, error), reasons left out. */
export function decisionJson(d: Decision): string {
  const doc: Record<string, unknown> = { allowed: d.allowed, audited: d.audited };
  if (d.error !== undefined) doc.error = d.error;
  return asciiJson(doc);
}

const QUERY_FIELDS = ["scontext", "tcontext", "tclass", "perm"] as const;

/** Validates a queries document as oracle-decide reads it: a list of objects with four strings. */
export function parseQueries(doc: unknown, path: string): Query[] {
  const shape = '{"scontext", "tcontext", "tclass", "perm"}';
  // located as a scenario's errors are: the file and the JSON pointer of the value
  if (!Array.isArray(doc)) throw new CliError(`${path}: /: expected a JSON list of queries [${shape}, ...]; got ${jsonKind(doc)}`);
  return doc.map((q: unknown, i) => {
    if (typeof q !== "object" || q === null || Array.isArray(q)) {
      throw new CliError(`${path}: /${i}: expected an object ${shape}; got ${jsonKind(q)}`);
    }
    const rec = q as Record<string, unknown>;
    for (const field of QUERY_FIELDS) {
      if (rec[field] === undefined) {
        // other keys are left alone (oracle-decide reads only these four), but a near one is a typo
        const near = nearestName(field, Object.keys(rec).filter((k) => !(QUERY_FIELDS as readonly string[]).includes(k)));
        throw new CliError(`${path}: /${i}/${field}: missing${near ? ` (the query has "${near}": a typo for "${field}"?)` : ""}; a query is ${shape}`);
      }
      if (typeof rec[field] !== "string") throw new CliError(`${path}: /${i}/${field}: expected a string; got ${jsonKind(rec[field])}`);
    }
    return { scontext: rec.scontext, tcontext: rec.tcontext, tclass: rec.tclass, perm: rec.perm } as Query;
  });
}

/** A JSON value as an error names it: its text when short, else its kind. */
function jsonKind(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length <= 40 ? text : Array.isArray(v) ? `a list of ${v.length}` : `an ${typeof v === "object" ? "object" : typeof v}`;
}

/** The policy to decide on: a policy.conf or binary (loadPolicy), or a policy tree built as
 *  `xsm build` builds it, whose reasons then name the .te/.if lines and macro calls behind a rule
 *  (and whose interfaces may grant a denial, as `xsm allow -R` offers them). */
async function loadForCheck(cli: CliContext, path: string, opts: CheckOptions): Promise<Omit<LoadedPolicy, "read"> & { locate?: LocateRule; expanded?: ExpandedTree }> {
  if (path === STDIN || !isDirectory(path)) {
    refuseTreeOptions(path, opts);
    return loadPolicy(cli, path, false, opts.format, { mls: opts.mls });
  }
  const tree = await readPolicyArgument(path, { flaskDir: opts.flaskDir, mls: opts.mls, define: opts.define });
  if ("binary" in tree) throw new CliError(`${path}: a directory read as a binary policy`);
  const { compilePolicy } = await import("../policy/index.js");
  try {
    return { policy: compilePolicy(tree.text, { file: tree.compileName, mls: tree.mls }), text: tree.text, path, locate: tree.locate, expanded: tree.expanded };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    if (opts.format === "text") throw new CliError(tree.render(err.diagnostics), 1, true);
    const located = tree.located(err.diagnostics);
    failWith(cli, located.diagnostics, { format: opts.format, text: located.text, fallbackFile: path });
  }
}

/** A decision whose reasons name their rules where a person edits them (a tree's files). */
function locatedDecision(d: Decision, locate: LocateRule | undefined): Decision {
  return locate ? { ...d, reasons: d.reasons.map((r) => locatedReason(r, locate)) } : d;
}

function applyBooleans(policy: CompiledPolicy, bools: Record<string, boolean>, text: string, path: string): CompiledPolicy {
  for (const name of Object.keys(bools)) {
    if (policy.getBoolean(name) === undefined) {
      const known = policy.booleanNames();
      throw new CliError(`--bool: unknown boolean '${name}' (the policy declares ${known.length ? known.join(", ") : "none"})`);
    }
  }
  try {
    return policy.withBooleans(bools);
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(renderDiagnostics(err.diagnostics, text, path), 1, true);
    throw err;
  }
}

/** What comes close to granting a denial no rule grants, and a tree's interface call that would. */
export interface NearInfo {
  near: NearMisses;
  call?: ProposedCall;
}

/**
 * Human form: the verdict, the access asked about, then one line per reason, identical ones once
 * with a count (groupIdentical); under "no allow rule grants it", the rules near it (nearLines).
 */
export function describeDecision(q: Query, d: Decision, lookup?: BoolLookup, near?: NearInfo): string {
  const lines = [verdictOf(d), `  ${q.scontext} -> ${q.tcontext} ${q.tclass} { ${q.perm} }`, ...reasonLines(d, lookup, "  ", near)];
  return `${lines.join("\n")}\n`;
}

const verdictOf = (d: { allowed: boolean; audited: boolean }) => `${d.allowed ? "allowed" : "denied"}, ${d.audited ? "audited" : "not audited"}`;

function reasonLines(d: Decision, lookup: BoolLookup | undefined, indent: string, near?: NearInfo): string[] {
  const grouped = groupIdentical(d.reasons, (r) => reasonText(r, lookup));
  return grouped.flatMap(({ item, count }) => [
    `${indent}${reasonText(item, lookup)}${identicalSuffix(count)}`,
    ...(item.kind === "no-rule" && near ? nearLines(nearJson(near.near, near.call), `${indent}  `) : []),
  ]);
}

/**
 * Several permissions asked together, as one avc_has_perm() with a requested mask asks them: the
 * access is allowed only if every one is, audited if any is; each permission then gets its own
 * verdict and reasons.
 */
export function describeDecisions(q: Omit<Query, "perm">, perms: string[], ds: Decision[], lookup?: BoolLookup, near: (NearInfo | undefined)[] = []): string {
  const all = combine(ds);
  const lines = [verdictOf(all), `  ${q.scontext} -> ${q.tcontext} ${q.tclass} { ${perms.join(" ")} }`];
  ds.forEach((d, i) => lines.push(`  ${perms[i]}: ${verdictOf(d)}`, ...reasonLines(d, lookup, "    ", near[i])));
  return `${lines.join("\n")}\n`;
}

function combine(ds: Decision[]): { allowed: boolean; audited: boolean } {
  return { allowed: ds.every((d) => d.allowed), audited: ds.some((d) => d.audited) };
}

/** `check --json` for one question: oracle-decide's fields plus the reasons (and, for several
 *  permissions, each one's answer under `perms`). */
function explainedJson(perms: string[], ds: Decision[], lookup: BoolLookup, near: (NearInfo | undefined)[]): string {
  const one = (d: Decision, n: NearInfo | undefined) => ({
    allowed: d.allowed,
    audited: d.audited,
    ...(d.error !== undefined ? { error: d.error } : {}),
    reasons: d.reasons.map((r) => ({ ...reasonJson(r, lookup), ...(r.kind === "no-rule" && n ? { nearest: nearJson(n.near, n.call) } : {}) })),
  });
  if (ds.length === 1) return asciiJson(one(ds[0]!, near[0]));
  const error = ds.find((d) => d.error !== undefined)?.error;
  return asciiJson({ ...combine(ds), ...(error !== undefined ? { error } : {}), perms: Object.fromEntries(perms.map((p, i) => [p, one(ds[i]!, near[i])])) });
}

/** Each no-rule denial's near rules, named where the tree wrote them, and on a policy tree the
 *  interface call `xsm allow -R` would propose for it (when no rule in a branch that is off would
 *  grant it: audit2allow then proposes the boolean, and -R no interface). */
async function nearInfo(cli: CliContext, policy: CompiledPolicy, q: Omit<Query, "perm">, perms: string[], ds: Decision[], loaded: { locate?: LocateRule; expanded?: ExpandedTree }, mls: boolean | undefined): Promise<(NearInfo | undefined)[]> {
  const near = ds.map((d, i) => {
    if (!d.reasons.some((r) => r.kind === "no-rule")) return undefined;
    const n = policy.nearest(q.scontext, q.tcontext, q.tclass, [perms[i]!]);
    return n && (loaded.locate ? locatedNear(n, loaded.locate) : n);
  });
  if (!loaded.expanded) return near.map((n) => n && { near: n });
  const asked = near.map((n, i) => (n && !ds[i]!.reasons.some((r) => r.kind === "disabled-by-bool") ? i : -1)).filter((i) => i >= 0);
  const { interfaceGrants } = await import("./allow.js");
  const type = (ctx: string) => ctx.split(":")[2]!;
  const missing = asked.map((i) => ({ source: type(q.scontext), target: type(q.tcontext), tclass: q.tclass, perms: [perms[i]!] }));
  // one query at a time: each permission's call is proposed for it alone, as for a log of one denial
  const calls = new Map<number, ProposedCall>();
  for (const [k, i] of asked.entries()) {
    const found = (await interfaceGrants(cli, loaded.expanded, policy, mls, undefined, [missing[k]!]))(missing[k]!);
    const best = found?.grants.find((g) => g.clash === undefined);
    if (best) calls.set(i, { call: best.call, name: best.name, file: best.file, ...(best.distance !== undefined ? { distance: best.distance } : {}) });
  }
  return near.map((n, i) => n && { near: n, ...(calls.has(i) ? { call: calls.get(i)! } : {}) });
}

function singleQuery(cmd: Command, opts: CheckOptions): Omit<Query, "perm"> & { perms: string[] } {
  const missing = (["scontext", "tcontext", "class", "perm"] as const).filter((k) => opts[k] === undefined);
  if (missing.length > 0) {
    cmd.error(`error: missing ${missing.map((k) => `--${k}`).join(", ")} (or give --queries FILE)`, { exitCode: 2 });
  }
  return { scontext: opts.scontext!, tcontext: opts.tcontext!, tclass: opts.class!, perms: opts.perm! };
}

async function runCheck(cli: CliContext, cmd: Command, path: string, opts: CheckOptions): Promise<void> {
  const single = opts.queries === undefined;
  if (!single && (["scontext", "tcontext", "class", "perm"] as const).some((k) => opts[k] !== undefined)) {
    cmd.error("error: --queries cannot be combined with --scontext/--tcontext/--class/--perm", { exitCode: 2 });
  }
  if (opts.json && opts.format !== "text") cmd.error("error: --json and --format both choose the output; give one", { exitCode: 2 });
  const query = single ? singleQuery(cmd, opts) : undefined;
  if (opts.format !== "text") return withFormat(cli, opts.format, () => checkReport(cli, path, query ? query.perms.map((perm) => ({ scontext: query.scontext, tcontext: query.tcontext, tclass: query.tclass, perm })) : undefined, opts));
  const queries = single ? [] : parseQueries(readJsonFile(opts.queries!, "query list"), displayName(opts.queries!));
  const loaded = await loadForCheck(cli, path, opts);
  const policy = applyBooleans(loaded.policy, opts.bool ?? {}, loaded.text, loaded.path);

  if (query) {
    const lookup: BoolLookup = (name) => policy.getBoolean(name);
    const ds = query.perms.map((perm) => locatedDecision(policy.explain(query.scontext, query.tcontext, query.tclass, perm), loaded.locate));
    const near = await nearInfo(cli, policy, query, query.perms, ds, loaded, opts.mls);
    if (opts.json) cli.io.stdout.write(`${explainedJson(query.perms, ds, lookup, near)}\n`);
    const failed = ds.findIndex((d) => d.error !== undefined);
    if (failed >= 0) throw new CliError(queryProblem(policy, query, query.perms[failed]!, ds[failed]!.error!));
    if (!opts.json) {
      const text = ds.length === 1 ? describeDecision({ ...query, perm: query.perms[0]! }, ds[0]!, lookup, near[0]) : describeDecisions(query, query.perms, ds, lookup, near);
      cli.io.stdout.write(text);
    }
    return;
  }
  const answers = queries.map((q) => policy.check(q.scontext, q.tcontext, q.tclass, q.perm));
  if (opts.json) {
    // oracle-decide: one list, no spaces, a newline; invalid queries are answers, not failures
    cli.io.stdout.write(`[${answers.map(decisionJson).join(",")}]\n`);
    return;
  }
  const lines = answers.map((d, i) => {
    const q = queries[i];
    // (--json keeps oracle-decide's words; a reader gets the name it likely meant too)
    const verdict = d.error !== undefined ? `error: ${d.error}${nearestAsked(policy, q!.tclass, q!.perm)}` : verdictOf(d);
    return `${q!.scontext} -> ${q!.tcontext} ${q!.tclass} { ${q!.perm} }: ${verdict}\n`;
  });
  cli.io.stdout.write(lines.join(""));
}

/** " (did you mean 'X'?)" for a question naming a class the policy lacks, or a permission its
 *  class lacks (its common's included), when one is near; else "". */
function nearestAsked(policy: CompiledPolicy, tclass: string, perm: string): string {
  const cls = policy.classId(tclass);
  if (cls < 0) return didYouMean(tclass, Array.from({ length: policy.stats.classes }, (_, i) => policy.className(i)));
  return policy.permMask(cls, perm) === 0 ? didYouMean(perm, policy.permNames(cls, 0xffffffff)) : "";
}

/** Which option of a single question is wrong, and why, in more words than oracle-decide's. */
export function queryProblem(policy: CompiledPolicy, q: Omit<Query, "perm">, perm: string, oracleError: string): string {
  for (const side of ["scontext", "tcontext"] as const) {
    const why = policy.explainContext(q[side]);
    if (why !== undefined) return `--${side} ${q[side]}: ${why}`;
  }
  const cls = policy.classId(q.tclass);
  if (cls < 0) {
    const classes = Array.from({ length: policy.stats.classes }, (_, i) => policy.className(i));
    return `--class: unknown class '${q.tclass}'${didYouMean(q.tclass, classes)}`;
  }
  if (policy.permMask(cls, perm) === 0) {
    const perms = policy.permNames(cls, 0xffffffff);
    const near = nearestName(perm, perms);
    return `--perm: class ${q.tclass} has no permission '${perm}'${near ? ` (did you mean '${near}'?)` : ` (its permissions: ${perms.join(" ")})`}`;
  }
  return oracleError;
}

/** --format json|sarif: the policy's diagnostics as one document; json adds each answer
 *  (oracle-decide's fields); an invalid single query is an error diagnostic (exit 1). */
async function checkReport(cli: CliContext, path: string, single: Query[] | undefined, opts: CheckOptions): Promise<void> {
  const queries = single ?? parseQueries(readJsonFile(opts.queries!, "query list"), displayName(opts.queries!));
  const loaded = await loadForCheck(cli, path, opts);
  const policy = applyBooleans(loaded.policy, opts.bool ?? {}, loaded.text, path);
  const answers = queries.map((q) => policy.check(q.scontext, q.tcontext, q.tclass, q.perm));
  // with --queries an invalid query is an answer, as oracle-decide gives it; alone it is the error
  const bad = single ? answers.findIndex((d) => d.error !== undefined) : -1;
  const invalid: Diagnostic[] = bad >= 0 ? [diagnostic("invalid-query", undefined, queryProblem(policy, single![bad]!, single![bad]!.perm, answers[bad]!.error!))] : [];
  const decisions = answers.map((d) => JSON.parse(decisionJson(d)) as unknown);
  writeDiagnostics(cli, invalid, { format: opts.format, text: loaded.text, fallbackFile: path }, { decisions });
  if (single && invalid.length > 0) throw new CliError("", 1, true);
}

export function registerCheck(program: Command, cli: CliContext): void {
  const cmd = program
    .command("check")
    .description("decide an access as Xen's security server would: TE rules, booleans, constraints, audit")
    .argument("<policy>", "policy.conf or binary policy file, a policy tree directory (as xsm build reads it), or - for standard input")
    .option("--scontext <context>", "source context, user:role:type (user:role:type:s0-s1:c0.c3 with --mls)")
    .option("--tcontext <context>", "target context, user:role:type (user:role:type:s0-s1:c0.c3 with --mls)")
    .option("-M, --mls", "an MLS policy: a policy.conf as checkpolicy -M reads it; a tree's MLS build (Makefile.common's CONFIG_MLS=y: -D enable_mls); a binary says so itself (and refuses -M when it is not MLS, as checkpolicy -b -M does). Contexts carry levels, mlsconstrain applies")
    .option("--class <class>", "object class, e.g. resource")
    .option("--perm <perm>", "permission, e.g. plug (repeatable, or a list as plug,unplug or '{ plug unplug }': each is decided and printed)", collectPerms)
    .option("--bool <name=value>", "set a boolean for this decision, value 1/0/true/false (repeatable)", parseBool)
    .option("--queries <file>", "decide every query of a JSON list, as oracle-decide reads it")
    .option("--json", "print the decision as JSON: oracle-decide's fields, plus reasons for a single question")
    .option("--format <format>", "how diagnostics are written: text (stderr), json (with the answers) or sarif (one document on stdout)", parseFormat, "text" as OutputFormat);
  policyInputOptions(cmd, { mls: false }).action((path: string, opts: CheckOptions, c: Command) => runCheck(cli, c, path, opts));
}
