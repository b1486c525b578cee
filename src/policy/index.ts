// The compiler: text -> AST -> rewritten AST (the SVP extension's platforms, and any stage a caller
// registers) -> symbols and resolved rules -> expanded rules -> checked -> image. Each stage is a
// function of the previous stage's output (OPA's ast/compile.go stage list, with types); every
// stage returns diagnostics, and a stage that reports an error ends the run.
import type { PolicyAst } from "./ast.js";
import { check, unusedDeclarations } from "./check.js";
import { PolicyError, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { fail as failWith, ok, type Result } from "../diagnostics/result.js";
import { expand, type Expanded } from "./expand.js";
import { PolicyTables } from "./image.js";
import { parsePolicy, type ParseResult } from "./parse.js";
import { declarationErrors, resolve } from "./resolve.js";
import { desugarPlatforms } from "./svp.js";
import type { ResolvedRules, Symbols } from "./symbols.js";
import type { CompileOptions, CompiledPolicy, PolicyImage } from "./types.js";
import { policyImage } from "./view.js";

/** A stage over the AST: a rewrite that runs between parse and resolve. */
export interface AstStage {
  readonly name: string;
  run(ast: PolicyAst): { ast: PolicyAst; diagnostics: Diagnostic[] };
}

/** What a successful run leaves: each stage's output, and the warnings of all of them. */
export interface Compiled {
  /** The AST as parsed, before the AST stages: what they rewrite (the `platform` blocks) as
   *  written, for whoever reads it after a compile without parsing the text again. */
  readonly parsed: PolicyAst;
  /** The AST after every AST stage (platforms desugared). */
  readonly ast: PolicyAst;
  readonly symbols: Symbols;
  /** The resolved rules (type sets still symbolic), as the resolve stage left them. */
  readonly rules: ResolvedRules;
  readonly expanded: Expanded;
  readonly image: PolicyImage;
  /** The image under its default booleans. */
  readonly policy: CompiledPolicy;
  readonly diagnostics: readonly Diagnostic[];
}

/** The SVP extension's `platform` blocks become ordinary attributes, types, rules, pcidevicecons. */
export const platformsStage: AstStage = { name: "platforms", run: desugarPlatforms };

export class Compiler {
  constructor(readonly astStages: readonly AstStage[] = [platformsStage]) {}

  /** Every stage's name, in order. */
  get stages(): string[] {
    return ["parse", ...this.astStages.map((s) => s.name), "resolve", "expand", "check", "image"];
  }

  /** A compiler with `stage` run right after the stage named `after` ("parse" or an AST stage). */
  withStageAfter(after: string, stage: AstStage): Compiler {
    if (after === "parse") return new Compiler([stage, ...this.astStages]);
    const at = this.astStages.findIndex((s) => s.name === after);
    if (at < 0) throw new RangeError(`no AST stage named ${after}; AST stages run after parse: ${this.stages.join(", ")}`);
    return new Compiler([...this.astStages.slice(0, at + 1), stage, ...this.astStages.slice(at + 1)]);
  }

  run(text: string, options: CompileOptions = {}): Result<Compiled, Diagnostic[]> {
    const diagnostics: Diagnostic[] = [];
    const failed = (stageDiagnostics: readonly Diagnostic[]): boolean => {
      // (a loop, not push(...): a flood of diagnostics would overflow the call's arguments)
      for (const d of stageDiagnostics) diagnostics.push(d);
      return hasErrors(stageDiagnostics);
    };
    const fail = (all: Diagnostic[]) => failWith(capDiagnostics(all));
    const parsed = parsePolicy(text, options.file ?? "<policy>", { limits: options.limits });
    let parseDiagnostics = parsed.diagnostics;
    if (hasErrors(parseDiagnostics)) {
      const early = firstPassErrorsBefore(parsed, options.mls === true);
      if (early.length > 0) {
        // (checkpolicy stops at the first error: the section order errors after it mostly follow
        // from it, as a lone MLS declaration in a policy that is not MLS)
        const sections = new Set(parsed.sections);
        parseDiagnostics = parseDiagnostics.filter((d) => !sections.has(d));
        // in the order of the text, as checkpolicy reports them (a stray character may come first)
        const all = [...early, ...parseDiagnostics].sort((a, b) => (a.span?.offset ?? Infinity) - (b.span?.offset ?? Infinity));
        failed(all);
        return fail(diagnostics);
      }
    }
    if (failed(parseDiagnostics)) return fail(diagnostics);
    let ast = parsed.ast;
    for (const stage of this.astStages) {
      const rewritten = stage.run(ast);
      if (failed(rewritten.diagnostics)) return fail(diagnostics);
      ast = rewritten.ast;
    }
    const resolved = resolve(ast, { mls: options.mls === true });
    if (failed(resolved.diagnostics)) return fail(diagnostics);
    const expanded = expand(resolved.symbols, resolved.rules);
    if (failed(expanded.diagnostics)) return fail(diagnostics);
    const checked = check(resolved.symbols, expanded.expanded);
    if (options.warnings) checked.push(...unusedDeclarations(resolved.symbols));
    if (failed(checked)) return fail(diagnostics);
    const image = policyImage(new PolicyTables(resolved.symbols, expanded.expanded, text), diagnostics);
    return ok({ parsed: parsed.ast, ast, symbols: resolved.symbols, rules: resolved.rules, expanded: expanded.expanded, image, policy: image.defaults, diagnostics });
  }
}

/** checkpolicy declares names in its first pass as its parser reads them, and stops at the first
 *  error: a declaration error (an undeclared attribute, a duplicate type) before the first syntax
 *  error is the one it reports. Those errors, from the statements before that syntax error. A
 *  character its scanner does not recognize (`bad-character`) stops nothing: it is counted and
 *  skipped, and the parser reads on to the end of its first pass. */
function firstPassErrorsBefore(parsed: ParseResult, mls: boolean): Diagnostic[] {
  let stop = Infinity;
  for (const d of parsed.diagnostics) if (d.severity === "error" && d.code !== "bad-character") stop = Math.min(stop, d.span?.offset ?? Infinity);
  const source = parsed.before ?? parsed.ast.statements;
  const statements = [];
  for (const s of source) if (s.span.offset < stop) statements.push(s);
  if (statements.length === 0) return [];
  return declarationErrors({ file: parsed.ast.file, statements }, { mls }).filter((d) => (d.span?.offset ?? Infinity) < stop);
}

/** At most this many diagnostics are kept (the first ones, in stage order), then one that counts
 *  the rest: a policy of a million bad rules gives a readable report in bounded memory. */
export const MAX_DIAGNOSTICS = 1000;

function capDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS) return diagnostics;
  const rest = diagnostics.slice(MAX_DIAGNOSTICS);
  const errors = rest.filter((d) => d.severity === "error").length;
  const kept = diagnostics.slice(0, MAX_DIAGNOSTICS);
  kept.push({ code: "too-many", severity: errors > 0 ? "error" : "warning", message: `... and ${rest.length} more (${errors} errors); fix the first ones and compile again` });
  return kept;
}

/** The compiler with the stages this package ships. */
export const compiler = new Compiler();

/** policy.conf text -> every stage's output, or every diagnostic. */
export function compile(text: string, options: CompileOptions = {}): Result<Compiled, Diagnostic[]> {
  return compiler.run(text, options);
}

/** policy.conf text -> the policy under its default booleans, or throws one PolicyError with every diagnostic. */
export function compilePolicy(text: string, options: CompileOptions = {}): CompiledPolicy {
  const run = compiler.run(text, options);
  if (!run.ok) throw new PolicyError(run.error);
  return run.value.policy;
}

export { PolicyError } from "../diagnostics/diagnostic.js";
