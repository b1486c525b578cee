// `xsm lint`: the compiler's stages, then the checks (checks.ts) over what they built, then the
// user's say: inline `# xsm-lint: disable=CODE` comments and a config file of severities.
import { sourceRefusals, XEN_REFUSAL_CODES } from "../binary/xen-compat.js";
import { initialSidOrder, type XenSidNumbering } from "../binary/initial-sids.js";
import { type Diagnostic, type DiagnosticCode, type Note, type Severity, type Span } from "../diagnostics/diagnostic.js";
import { compile } from "../policy/index.js";
import type { Locator, SourceLookup } from "../build/locate.js";
import { macroCalls, type MacroDef } from "../build/macros.js";
import type { Compiled } from "../policy/index.js";
import { CHECK_CODES, EARLIER_RULE, ruleMarks, runChecks, type RuleMark } from "./checks.js";
import { MODULE_SWITCH, modulesConfFindings } from "./modules-conf.js";
import type { ModulesConfReading } from "../build/modules-conf.js";

export { CHECKS, CHECK_CODES } from "./checks.js";
export { MODULE_SWITCH, modulesConfFindings, type ModulesConfInput } from "./modules-conf.js";

/** What lint reports besides its own checks: what Xen's loader would refuse or make of the policy
 *  (src/binary: sourceRefusals, initialSidOrder), as `xsm compile -o` warns. */
export const XEN_LINT_CODES: readonly DiagnosticCode[] = [...XEN_REFUSAL_CODES, "role-dominates-attribute", "initial-sid-order"];

/** `xsm lint --list`'s example of each Xen-side code, as the checks carry theirs (each one, added to
 *  test/fixtures/cli/small.conf, is reported under its code). */
export const XEN_LINT_EXAMPLES: Readonly<Record<string, string>> = {
  "xen-common-prefix": "common basic { getattr setattr }   class domain inherits basic { create destroy }",
  "xen-empty-avtab": "if (debug) { allow dom0_t xen_t:xen settime; }   # and no allow, auditallow or dontaudit rule outside a conditional",
  "xen-filename-trans": 'type_transition dom0_t guest_t:domain guest_self_t "xenstore";',
  "role-dominates-attribute": "attribute_role guest_roles;   dominance { role system_r { role guest_roles; } }",
  "initial-sid-order": "sid xen   sid xenboot   # declared first, sid xen is SID 1, which Xen reads as xenboot",
};

/** Every code a lint finding carries: each can be suppressed by a comment and given a severity
 *  (or turned off) by the config, the tree's and the Xen ones as the checks. */
export const LINT_CODES: ReadonlySet<string> = new Set([...CHECK_CODES, MODULE_SWITCH.code, ...XEN_LINT_CODES]);

/** A config file's severities: a code -> "error", "warning", "info", "hint" or "off". */
export type LintConfig = { severity?: Record<string, Severity | "off"> };

export interface LintResult {
  /** Compile errors (then nothing else), or findings and Xen-loadability warnings. */
  diagnostics: Diagnostic[];
  compiled: boolean;
  /** Every rule and whether an earlier one already makes it (when compiled): how a tree's
   *  repeated interface calls are told (locateFolded). */
  rules?: RuleMark[];
}

/** Compiles and runs every check; the findings are located in `text` as the compiler locates.
 *  `mls`: an MLS policy (checkpolicy -M); `xenSids`: the initial SIDs of the Xen it is for (a
 *  tree's flask files), today's by default. */
export function lintText(text: string, file: string, options: { mls?: boolean; xenSids?: XenSidNumbering } = {}): LintResult {
  const run = compile(text, { file, mls: options.mls === true });
  if (!run.ok) return { diagnostics: run.error, compiled: false };
  return lintCompiled(run.value, options);
}

/** The findings over what a compile built (the language server's own compile, src/lsp). */
export function lintCompiled(compiled: Pick<Compiled, "ast" | "symbols" | "expanded">, options: { xenSids?: XenSidNumbering } = {}): LintResult {
  const { symbols, expanded, ast } = compiled;
  // what Xen's loader would refuse (policydb.c), as `xsm compile -o` warns
  const diagnostics = [...sourceRefusals(ast, symbols, false), ...initialSidOrder(ast, symbols, options.xenSids), ...runChecks(symbols, expanded, ast)];
  return { diagnostics, compiled: true, rules: ruleMarks(expanded, ast) };
}

/** What tells a repeated interface call in a tree: every rule of m4's output (lintText's `rules`),
 *  the outermost call that wrote a span of it (the .te line), and a call's text. */
export interface CallRepeats {
  rules: readonly RuleMark[];
  /** The outermost "in expansion of" note of a policy.conf span; undefined outside any macro. */
  outermost: (span: Span) => Note | undefined;
  /** The call a note names as written (name and arguments, blanks folded). */
  callText: (call: Note) => string | undefined;
}

/** CallRepeats of a built tree: its locator, its files' texts and its macros. */
export function treeCallRepeats(rules: readonly RuleMark[], locator: Locator, sources: SourceLookup, macros: ReadonlyMap<string, MacroDef>): CallRepeats {
  return {
    rules,
    outermost: (span) => locator.locate(span).context.at(-1),
    callText: (call) => {
      const text = call.span && sources(call.span.file);
      if (text === undefined || !call.span) return undefined;
      const found = macroCalls(text, call.span.offset, call.span.offset + 1, macros)[0];
      if (!found || found.offset !== call.span.offset) return undefined;
      return `${found.name}(${found.args.map((a) => a.replace(/\s+/g, " ").trim()).join(", ")})`;
    },
  };
}

/** A tree's findings located in its files (`locate`: src/build/locate.ts), with the duplicates a
 *  macro makes folded, two ways, each where one change acts on them all:
 *  - an interface called twice the same way (Xen's domU.te calls domain_self_comms(domU_t) twice)
 *    makes every rule of the second call a duplicate-rule finding: with `calls`, when every rule
 *    that call makes is already there, those are one finding at the second call, naming the first;
 *  - a macro that writes a rule not depending on the arguments its calls differ in (Xen's
 *    use_device_noiommu writes `allow $1 domio_t:mmu ...` for every device) makes every call after
 *    the first a duplicate-rule finding, one a call: one finding a rule and macro, at the first
 *    repeat, with every further repeat and the first call's rule as notes.
 *  `conf` is the text the raw findings' spans are in (m4's policy.conf). */
export function locateFolded(raw: readonly Diagnostic[], conf: string, locate: (d: Diagnostic) => Diagnostic, calls?: CallRepeats): Diagnostic[] {
  const out: Diagnostic[] = [];
  const repeatedCalls = calls ? callsRepeating(calls) : new Map<string, Note>();
  const callFolded = new Set<string>();
  const groups = new Map<string, { at: number; macro: string; kind: string; repeats: Repeat[] }>();
  for (const d of raw) {
    const located = locate(d);
    if (d.code === "duplicate-rule") {
      const call = ownNotes(located).filter((n) => n.macro !== undefined).at(-1);
      const key = call?.span && callKey(call.span);
      const first = key === undefined ? undefined : repeatedCalls.get(key);
      if (first && key !== undefined) {
        if (!callFolded.has(key)) {
          callFolded.add(key);
          out.push({
            ...located,
            message: `this call repeats the one at ${first.span!.file}:${first.span!.line}: every rule it makes is already there`,
            span: call!.span,
            notes: [{ message: REPEATED_CALL, span: first.span }],
          });
        }
        continue;
      }
    }
    const repeat = d.code === "duplicate-rule" ? macroRepeat(located) : undefined;
    if (repeat === undefined || !d.span) {
      out.push(located);
      continue;
    }
    // the same rule text from the same macro (m4's expansion, spaces as they came)
    const text = conf.slice(d.span.offset, d.span.offset + d.span.length).replace(/\s+/g, " ");
    const key = `${repeat.macro}\0${text}`;
    let group = groups.get(key);
    if (!group) {
      group = { at: out.length, macro: repeat.macro, kind: /^\S+/.exec(text)?.[0] ?? "", repeats: [] };
      groups.set(key, group);
      out.push(located); // (replaced below)
    }
    group.repeats.push(repeat);
  }
  for (const { at, macro, kind, repeats } of groups.values()) {
    if (repeats.length === 1) continue;
    const [first, ...more] = repeats;
    // each further repeat by its outermost call (the .te line a maintainer would change)
    const again = more.map(({ own }) => {
      const call = own.filter((n) => n.macro !== undefined).at(-1)!;
      return { message: `the same rule again, from this call of \`${call.macro}\``, span: call.span };
    });
    out[at] = {
      ...first!.finding,
      message: `\`${macro}\` writes this ${kind} rule the same way in ${repeats.length + 1} calls, so every call after the first adds nothing to it`,
      notes: [...first!.own, ...again, ...first!.earlier],
    };
  }
  return out;
}

/** The note of a folded repeated call that names the call it repeats. */
export const REPEATED_CALL = "the call it repeats";

const callKey = (span: Span) => `${span.file}\0${span.offset}`;

/** A located finding's notes about its own span (its "in expansion of" chain), before the notes
 *  about the rule it repeats. */
function ownNotes(located: Diagnostic): Note[] {
  const notes = located.notes ?? [];
  const at = notes.findIndex((n) => n.message === EARLIER_RULE);
  return at < 0 ? notes : notes.slice(0, at);
}

/** Outermost calls every rule of which an earlier rule already makes, when an earlier call is
 *  written the same (macro and arguments): each such call's key -> that earlier call. */
function callsRepeating(calls: CallRepeats): Map<string, Note> {
  const byCall = new Map<string, { call: Note; at: number; repeated: boolean }>();
  for (const mark of calls.rules) {
    const call = calls.outermost(mark.span);
    if (!call?.span) continue;
    const key = callKey(call.span);
    const entry = byCall.get(key);
    if (!entry) byCall.set(key, { call, at: mark.span.offset, repeated: mark.repeated });
    else {
      entry.at = Math.min(entry.at, mark.span.offset);
      entry.repeated &&= mark.repeated;
    }
  }
  const firstByText = new Map<string, Note>();
  const out = new Map<string, Note>();
  for (const [key, { call, repeated }] of [...byCall].sort((x, y) => x[1].at - y[1].at)) {
    const text = calls.callText(call);
    if (text === undefined) continue;
    const first = firstByText.get(text);
    if (!first) firstByText.set(text, call);
    else if (repeated) out.set(key, first);
  }
  return out;
}

/** A located duplicate-rule finding whose rule and earlier rule one macro wrote: the macro, and
 *  the finding's notes split at the earlier rule (its own "in expansion of" notes; that rule's). */
interface Repeat {
  finding: Diagnostic;
  macro: string;
  own: Note[];
  earlier: Note[];
}

/** The finding as a Repeat when the innermost "in expansion of" of its rule and of its earlier
 *  rule name the same macro; undefined when they differ or one is no macro's. */
function macroRepeat(finding: Diagnostic): Repeat | undefined {
  const notes = finding.notes ?? [];
  const at = notes.findIndex((n) => n.message === EARLIER_RULE);
  if (at < 0) return undefined;
  const own = notes.slice(0, at);
  const earlier = notes.slice(at);
  const macro = own.find((n) => n.macro !== undefined)?.macro;
  const theirs = earlier.slice(1).find((n) => n.macro !== undefined)?.macro;
  return macro !== undefined && macro === theirs ? { finding, macro, own, earlier } : undefined;
}

/** The text of a finding's line and of the line above it, where a suppression comment may sit. */
export type LinesAt = (span: Span) => { line: string; above: string } | undefined;

/** Lines of the parsed text itself (a policy.conf; comments m4 copied in are there too). */
export function physicalLines(text: string): LinesAt {
  return (span) => {
    if (span.offset < 0 || span.offset > text.length) return undefined;
    const start = text.lastIndexOf("\n", span.offset - 1) + 1;
    let end = text.indexOf("\n", span.offset);
    if (end < 0) end = text.length;
    const prevStart = start > 0 ? text.lastIndexOf("\n", start - 2) + 1 : start;
    return { line: text.slice(start, end), above: start > 0 ? text.slice(prevStart, start - 1) : "" };
  };
}

/** Lines of the file a span names (a built tree's .te/.if files). */
export function fileLines(source: (file: string) => string | undefined): LinesAt {
  return (span) => {
    const text = source(span.file);
    if (text === undefined) return undefined;
    const lines = text.split("\n");
    return { line: lines[span.line - 1] ?? "", above: lines[span.line - 2] ?? "" };
  };
}

const DISABLE = /#\s*xsm-lint:\s*disable=([A-Za-z0-9_,\s-]+)/;
const DISABLE_FILE = /#\s*xsm-lint:\s*disable-file=([A-Za-z0-9_,\s-]+)/g;

function codesIn(list: string): string[] {
  return list.split(",").map((c) => c.trim()).filter(Boolean);
}

/** Codes a file turns off everywhere with `# xsm-lint: disable-file=CODE`. */
export function fileDisables(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(DISABLE_FILE)) for (const c of codesIn(m[1]!)) out.add(c);
  return out;
}

/** Drops findings suppressed by a comment on their line (`# xsm-lint: disable=CODE`, several codes
 *  separated by commas) or alone on the line above, or turned off for their whole file; then
 *  applies the config's severities. Compile diagnostics are never suppressed. */
export function applyUserSay(diags: readonly Diagnostic[], linesAt: LinesAt, fileText: (file: string) => string | undefined, config: LintConfig = {}): Diagnostic[] {
  const perFile = new Map<string, Set<string>>();
  const disabledInFile = (file: string): Set<string> => {
    let set = perFile.get(file);
    if (!set) perFile.set(file, (set = fileDisables(fileText(file) ?? "")));
    return set;
  };
  const out: Diagnostic[] = [];
  for (const d of diags) {
    if (!LINT_CODES.has(d.code)) {
      out.push(d);
      continue;
    }
    if (d.span) {
      if (disabledInFile(d.span.file).has(d.code)) continue;
      const at = linesAt(d.span);
      const onLine = at && DISABLE.exec(at.line);
      const above = at && /^\s*#/.test(at.above) ? DISABLE.exec(at.above) : null;
      if ((onLine && codesIn(onLine[1]!).includes(d.code)) || (above && codesIn(above[1]!).includes(d.code))) continue;
    }
    const severity = config.severity?.[d.code];
    if (severity === "off") continue;
    out.push(severity ? { ...d, severity } : d);
  }
  return out;
}

/** A policy.conf's findings, as `xsm lint FILE` reports them and the language server publishes. */
export function confFindings(raw: LintResult, text: string, file: string, config: LintConfig): Diagnostic[] {
  return applyUserSay(raw.diagnostics, physicalLines(text), (f) => (f === file ? text : undefined), config);
}

/** What a built tree gives lint (build's ExpandedTree has all but the last): m4's output, its
 *  locator into the tree's files, those files' texts, the macros, and how the tree's Makefile
 *  reads its modules.conf (build's modulesConfReading). */
export interface LintTree {
  conf: string;
  locator: Locator;
  sources: SourceLookup;
  macros: ReadonlyMap<string, MacroDef>;
  modulesConf: ModulesConfReading;
}

/** A tree's findings in its files, as `xsm lint DIR` reports them (before it names the files from
 *  where it ran) and the language server publishes: modules.conf's first, whether or not the tree
 *  built (a module listed twice is why it does not); then, when m4's output was linted (`raw`),
 *  the checks' findings located in the .te/.if files, a macro's repeats folded. */
export function treeFindings(raw: LintResult | undefined, tree: LintTree, config: LintConfig): Diagnostic[] {
  const { locator, sources, macros, conf, modulesConf } = tree;
  const switches = modulesConfFindings({ ...modulesConf, text: sources(modulesConf.file) ?? "" });
  if (raw === undefined) return applyUserSay(switches, fileLines(sources), sources, config);
  const calls = raw.rules && treeCallRepeats(raw.rules, locator, sources, macros);
  const located = locateFolded(raw.diagnostics, conf, (d) => locator.diagnostic(d), calls);
  return applyUserSay([...switches, ...located], fileLines(sources), sources, config);
}

/** What is wrong with a config document: where (a JSON pointer, RFC 6901) and what. `key`: the
 *  pointer's last key is itself the mistake (an unknown check), not its value. */
export interface ConfigProblem {
  pointer: string;
  message: string;
  key: boolean;
}

/** The severities a config may give a code (besides "off"). */
const CONFIG_SEVERITIES: readonly Severity[] = ["error", "warning", "info", "hint"];
const SEVERITY_WORDS = `"error", "warning", "info", "hint" or "off"`;

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** Reads a config document: its severities, or its first problem (unknown keys and codes, bad
 *  severities), in the order of the document. */
export function checkConfig(doc: unknown): { config: LintConfig } | { problem: ConfigProblem } {
  const problem = (pointer: string, message: string, key = false) => ({ problem: { pointer, message, key } });
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return problem("", `expected an object {"severity": {CODE: ${SEVERITY_WORDS}}}`);
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== "severity") return problem(`/${escapePointer(k)}`, 'unknown key (only "severity")', true);
  const sev = o.severity ?? {};
  if (typeof sev !== "object" || sev === null || Array.isArray(sev)) return problem("/severity", "expected an object");
  const out: Record<string, Severity | "off"> = {};
  for (const [code, v] of Object.entries(sev as Record<string, unknown>)) {
    const at = `/severity/${escapePointer(code)}`;
    if (!LINT_CODES.has(code)) return problem(at, `unknown check (known: ${[...LINT_CODES].join(", ")})`, true);
    if (v !== "off" && !CONFIG_SEVERITIES.includes(v as Severity)) return problem(at, `expected ${SEVERITY_WORDS}`);
    out[code] = v as Severity | "off";
  }
  return { config: { severity: out } };
}

/** Reads a config document, refusing unknown codes and severities with a JSON path. */
export function parseConfig(doc: unknown, path: string): LintConfig {
  const read = checkConfig(doc);
  if ("problem" in read) throw new Error(`${path}: ${read.problem.pointer || "/"}: ${read.problem.message}`);
  return read.config;
}
