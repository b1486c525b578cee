// xsm-policy's library entry point (package.json "exports"). Others append their exports below.
export { compilePolicy, runStages, stages } from "./policy/index.js";
export type { CompileContext, Stage } from "./policy/index.js";
export { PolicyError } from "./policy/diagnostics.js";
export type { Diagnostic, Severity, Span } from "./policy/diagnostics.js";
export type {
  AvDecision,
  CompileOptions,
  CompiledPolicy,
  ContextResult,
  Decision,
  PolicyStats,
  Reason,
  RuleRef,
  SecurityContext,
} from "./policy/types.js";
