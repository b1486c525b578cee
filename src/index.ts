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

// The SVP extension and the simulator (src/policy/svp.ts, src/sim): expand platform policies,
// load and run scenarios, render traces/tables/pictures, generate large scenarios.
export { desugarPlatforms, expandPolicyText, printPolicyConf } from "./policy/svp.js";
export { formatScenarioErrors, loadScenario, parseScenario } from "./sim/load.js";
export { SCENARIO_SCHEMA } from "./sim/schema.js";
export type { LoadResult } from "./sim/load.js";
export { prepare, runPrepared, simulate } from "./sim/run.js";
export type { Prepared, PrepareResult, RunOptions, RunResult, RunSummary, StepEvent, StepResult } from "./sim/run.js";
export { renderCompare, renderDot, renderTrace, runTopology, toJson } from "./sim/report.js";
export { buildTopology, platformsOf, topologyDot } from "./sim/topology.js";
export type { PlatformInfo, TopoDenial, TopoDevice, TopoDomain, TopoPlatform, Topology, TopologyInput } from "./sim/topology.js";
export { generateScenario, prepareGenerated, runScaleScenario, writeGeneratedScenario } from "./sim/generate.js";
export type { DeviceCheck, DomainSpec, Expect, Scenario, ScenarioError, Step } from "./sim/scenario.js";

// XSM layer: the dummy and flask modules, the AVC, Xen-format audit, enforcing/permissive, reload.
export { Avc, DummyXsm, FlaskXsm, SecurityServer, SidTable, Xsm, createDummyXsm, createXsm, formatAvcAudit, xsmDefaultAction } from "./xsm/index.js";
export type { AvcAuditData, AvcStats, LoadResult as PolicyLoadResult, XsmOptions, XsmRecord } from "./xsm/index.js";
export type { Domain, ErrnoName, IommuMode, Rc, XsmCheck, XsmDefaultAction, XsmHook, XsmModule } from "./xsm/types.js";

// PCI registry: a model of xen/drivers/passthrough/pci.c with every PF-removal strategy.
export { PF_REMOVAL, PciRegistry, domainTable, STRATEGIES, STRATEGY_TRAITS, VF_WITHOUT_PF, devfn, formatSbdf, parseSbdf, sbdfFromKey, sbdfKey, toSbdfKey } from "./pci/index.js";
export type { AddDeviceInfo, DeviceKind, DeviceState, DomainTable, Parsed, RegistryOptions, Sbdf, SbdfInput, Strategy, StrategyTraits, VfWithoutPf } from "./pci/index.js";
