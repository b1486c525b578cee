// xsm-policy's public API (package.json "exports": "."): a small, documented facade. docs/api.md
// lists every name with its signature (scripts/api-report.ts; test/api/report.test.ts keeps it
// current). Engine parts and bench helpers are in "xsm-policy/internal" (src/internal/index.ts),
// which promises nothing.
import { compileAny, loadAsXen } from "./binary/load.js";
import { toBinary, type BinaryCompileOptions } from "./binary/compile.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { CompileOptions, CompiledPolicy } from "./policy/types.js";
import { createXsm as createXsmWith, type Xsm, type XsmOptions } from "./xsm/index.js";

// ---- compile: policy.conf text -> an image and its default view ----
export { Compiler, compile, compiler, platformsStage } from "./policy/index.js";
export type { AstStage, Compiled } from "./policy/index.js";
export type { CompileOptions, PolicyCompiler } from "./policy/types.js";

/** A policy as a file holds it -> the policy under its default booleans: policy.conf text, or
 *  bytes (a binary policy, recognised by its magic and read as Xen's policydb_read reads it, with
 *  what Xen's loader would refuse among its warnings; other bytes are UTF-8 source). Throws one
 *  PolicyError with every diagnostic. */
export function compilePolicy(input: string | Uint8Array, options: CompileOptions = {}): CompiledPolicy {
  return compileAny(input, options);
}

// ---- binary policies: what `checkpolicy -t Xen` writes ----
export { isBinaryPolicy } from "./binary/read.js";
export type { BinaryCompileOptions } from "./binary/compile.js";

/** The binary policy `checkpolicy -t Xen -c 30` writes for policy.conf text, byte for byte (or
 *  `-c 24`); a binary policy's bytes are read and written again (the same bytes, or another
 *  version or handle_unknown). `warnings` are the compile's and what Xen's loader would refuse
 *  (errors with `strict`). Throws one PolicyError with every diagnostic. */
export function compileBinaryPolicy(input: string | Uint8Array, options: BinaryCompileOptions = {}): { bytes: Uint8Array; policy?: CompiledPolicy; warnings: Diagnostic[] } {
  return toBinary(input, options);
}

// ---- the policy image and its boolean views ----
export type { CompiledPolicy, ContextResult, PolicyImage, OcontextRange, PolicyNames, PolicyStats, PolicyView, SecurityContext } from "./policy/types.js";

// ---- decisions and their reasons ----
export type { AvDecision, ComputedContext, Decision, NearGroup, NearMisses, NearRule, Proposal, Reason, Refusal, RuleRef, TypeRuleKindName } from "./policy/types.js";
export { nearJson, nearLines, reasonJson, reasonText } from "./policy/reasons.js";
export type { BoolLookup, NearJson, NearRuleJson, ProposalJson, ProposedCall, ReasonJson, RefusalJson } from "./policy/reasons.js";

// ---- diagnostics: one catalog of codes, one type, one renderer ----
export { PolicyError } from "./diagnostics/diagnostic.js";
export type { ByteSpan, Diagnostic, DiagnosticCode, Note, Severity, Span } from "./diagnostics/diagnostic.js";
export { CATALOG } from "./diagnostics/catalog.js";
export { renderDiagnostic, renderDiagnostics } from "./diagnostics/render.js";
export type { Result } from "./diagnostics/result.js";

// ---- XSM: the flask and dummy modules behind flask_op's operations ----
export { Xsm } from "./xsm/index.js";
export type { AvcStats, LoadResult as PolicyLoadResult, XsmOptions, XsmRecord } from "./xsm/index.js";
export { ASSIGN_CHECKS } from "./xsm/types.js";
export type { AssignCheck, Domain, Domctl, ErrnoName, EvtchnRef, EvtchnState, IoDomctl, IommuMode, Rc, XsmCheck, XsmDefaultAction, XsmDomainHooks, XsmEvtchnHooks, XsmGrantHooks, XsmHook, XsmIoHooks, IrqRef, XsmModule } from "./xsm/types.js";

/** An XSM with the dummy or flask module; `policyText` and `loadPolicy` take policy.conf text or a
 *  binary policy's bytes and, as Xen's security_load_policy, refuse what Xen's policydb.c refuses. */
export function createXsm(options: XsmOptions): Xsm {
  return createXsmWith({ compile: loadAsXen, ...options });
}

// ---- the PCI registry: xen/drivers/passthrough/pci.c with every PF-removal strategy ----
export { DEASSIGN_TARGETS, DOM_IO, PF_REMOVALS, PciRegistry, QUARANTINE_MODES, STRATEGIES, STRATEGY_TRAITS, VF_WITHOUT_PF, domainTable, formatSbdf, parseSbdf, sbdfKey, toSbdfKey } from "./hypervisor/index.js";
export type { AddDeviceInfo, BridgeType, ContextChange, DeassignTo, DeviceGroup, DeviceKind, DeviceState, DeviceType, DomainTable, Parsed, PciBridge, PfRemovalKind, Quarantine, RegistryOptions, Sbdf, SbdfInput, Strategy, StrategyTraits, VfWithoutPf } from "./hypervisor/index.js";

// ---- scenarios: load, run, report; the SVP policy extension's printer ----
export { formatScenarioErrors, loadScenario, parseScenario } from "./sim/load.js";
export type { LoadedScenario, LoadResult, LocateRule, PolicySource, ReadPolicy } from "./sim/load.js";
export { SCENARIO_SCHEMA } from "./sim/schema.js";
export { prepare, runPrepared, simulate } from "./sim/run.js";
export type { Prepared, PrepareResult, RunOptions, RunResult, RunSummary, StepEvent, StepResult } from "./sim/run.js";
export { renderCompare, renderCompareXen, renderDot, renderTrace, runTopology, toJson } from "./sim/report.js";
export { buildTopology, platformsOf, topologyDot } from "./sim/topology.js";
export type { PlatformInfo, TopoDenial, TopoDevice, TopoDomain, TopoPlatform, Topology, TopologyInput } from "./sim/topology.js";
export { generateScenario } from "./sim/generate.js";
export type { DeviceCheck, DomainSpec, Expect, Scenario, ScenarioError, Step } from "./sim/scenario.js";
export { XEN_RELEASES, xenBehaviour, xenColumns } from "./sim/xen-release.js";
export type { XenBehaviour, XenColumn, XenFields, XenRelease } from "./sim/xen-release.js";
export { expandPolicyText, printPolicyConf } from "./policy/svp.js";
