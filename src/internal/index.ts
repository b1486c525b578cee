// xsm-policy/internal: engine parts and bench helpers, for tests, benchmarks and tools that need to
// reach inside. No stability promise: names here change with the engine (docs/api.md lists the
// public surface, src/index.ts).
export { parsePolicy } from "../policy/parse.js";
export { desugarPlatforms } from "../policy/svp.js";
export { resolve } from "../policy/resolve.js";
export { expand } from "../policy/expand.js";
export { check, unusedDeclarations } from "../policy/check.js";
export { PolicyTables, boolState } from "../policy/image.js";
export { policyImage } from "../policy/view.js";
export { Avc, DummyXsm, FlaskXsm, SecurityServer, SidTable, INITIAL_SIDS, createDummyXsm, createXsm as createXsmWithCompiler, formatAvcAudit, xsmDefaultAction } from "../xsm/index.js";
export { PF_REMOVAL, devfn, sbdfFromKey } from "../hypervisor/index.js";
export { prepareGenerated, runScaleScenario, writeGeneratedScenario } from "../sim/generate.js";
