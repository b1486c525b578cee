// The compiler: one ordered list of stages, parse -> platforms -> resolve -> expand -> check ->
// compile, each a small function that reads what earlier stages left in the context and returns
// diagnostics (OPA's ast/compile.go shape). A gate stage that reports an error ends the run;
// compilePolicy throws one PolicyError carrying every diagnostic.
import type { PolicyAst } from "./ast.js";
import { check, unusedDeclarations } from "./check.js";
import { compile } from "./compile.js";
import { PolicyError, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { expand, type Expanded } from "./expand.js";
import { parsePolicy } from "./parse.js";
import { resolve } from "./resolve.js";
import { desugarPlatforms } from "./svp.js";
import type { ResolvedRules, Symbols } from "./symbols.js";
import type { CompileOptions, CompiledPolicy } from "./types.js";

export interface CompileContext {
  text: string;
  file: string;
  options: CompileOptions;
  ast?: PolicyAst;
  symbols?: Symbols;
  rules?: ResolvedRules;
  expanded?: Expanded;
  /** Warnings of the stages so far, handed to the compiled policy. */
  warnings: Diagnostic[];
  policy?: CompiledPolicy;
}

export interface Stage {
  name: string;
  /** Later stages need this one's output: its errors end the run. */
  gate: boolean;
  run(ctx: CompileContext): Diagnostic[];
}

export const stages: readonly Stage[] = [
  {
    name: "parse",
    gate: true,
    run(ctx) {
      const { ast, diagnostics } = parsePolicy(ctx.text, ctx.file);
      ctx.ast = ast;
      return diagnostics;
    },
  },
  {
    // the SVP extension's `platform` blocks become ordinary attributes, types, rules, pcidevicecons
    name: "platforms",
    gate: true,
    run(ctx) {
      const { ast, diagnostics } = desugarPlatforms(ctx.ast!);
      ctx.ast = ast;
      return diagnostics;
    },
  },
  {
    name: "resolve",
    gate: true,
    run(ctx) {
      const { symbols, rules, diagnostics } = resolve(ctx.ast!);
      ctx.symbols = symbols;
      ctx.rules = rules;
      return diagnostics;
    },
  },
  {
    name: "expand",
    gate: true,
    run(ctx) {
      const { expanded, diagnostics } = expand(ctx.symbols!, ctx.rules!);
      ctx.expanded = expanded;
      ctx.rules = undefined; // expanded now; let the resolved sets go
      return diagnostics;
    },
  },
  {
    name: "check",
    gate: true,
    run: (ctx) => [...check(ctx.symbols!, ctx.expanded!), ...(ctx.options.warnings ? unusedDeclarations(ctx.symbols!) : [])],
  },
  {
    name: "compile",
    gate: true,
    run(ctx) {
      ctx.policy = compile(ctx.symbols!, ctx.expanded!, ctx.text, ctx.warnings);
      return [];
    },
  },
];

/** Runs the stages; returns the symbols and expanded rules, or every diagnostic on failure. */
/** Runs the stages in order; stops after a gate stage that reported an error. */
export function runStages(text: string, file: string, options: CompileOptions = {}): { ctx: CompileContext; diagnostics: Diagnostic[]; ok: boolean } {
  const ctx: CompileContext = { text, file, options, warnings: [] };
  const diagnostics: Diagnostic[] = ctx.warnings;
  for (const stage of stages) {
    diagnostics.push(...stage.run(ctx));
    if (stage.gate && hasErrors(diagnostics)) return { ctx, diagnostics, ok: false };
  }
  return { ctx, diagnostics, ok: true };
}

/** policy.conf text -> CompiledPolicy, or throws one PolicyError with every diagnostic. */
export function compilePolicy(text: string, options: CompileOptions = {}): CompiledPolicy {
  const { ctx, diagnostics, ok } = runStages(text, options.file ?? "<policy>", options);
  if (!ok) throw new PolicyError(diagnostics);
  return ctx.policy!;
}

export { PolicyError } from "../diagnostics/diagnostic.js";
