// Our pieces, loaded when the benchmark runs. Each loader returns the piece or the reason it is
// missing, so a section can print "skipped: ..." instead of failing while the piece is being written.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CompileOptions, CompiledPolicy } from "../../src/policy/types.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type Missing = { missing: string };
export const isMissing = (x: unknown): x is Missing => typeof x === "object" && x !== null && "missing" in x;

async function load<T>(rel: string, pick: (m: Record<string, unknown>) => T | undefined, what: string): Promise<T | Missing> {
  if (!existsSync(`${ROOT}${rel}`)) return { missing: `${rel} is not there yet` };
  try {
    const m = (await import(`${ROOT}${rel}`)) as Record<string, unknown>;
    return pick(m) ?? { missing: `${rel} does not export ${what}` };
  } catch (e) {
    return { missing: `${rel} failed to load: ${(e as Error).message.split("\n")[0]}` };
  }
}

export type CompilePolicy = (text: string, options?: CompileOptions) => CompiledPolicy;

export function loadCompiler(): Promise<CompilePolicy | Missing> {
  return load("src/policy/index.ts", (m) => m.compilePolicy as CompilePolicy | undefined, "compilePolicy");
}

export interface XsmFront {
  module: import("../../src/xsm/types.js").XsmModule;
  avcStats(): { lookups: number; hits: number; misses: number; entries: number };
}
export type CreateXsm = (options: { module: "flask" | "dummy"; policyText?: string; compile?: CompilePolicy; file?: string; enforcing?: boolean }) => XsmFront;

export function loadXsm(): Promise<CreateXsm | Missing> {
  return load("src/xsm/index.ts", (m) => m.createXsm as CreateXsm | undefined, "createXsm");
}

export type RegistryCtor = new (
  xsm: import("../../src/xsm/types.js").XsmModule,
  domains: import("../../src/hypervisor/types.js").DomainTable,
  opts: import("../../src/hypervisor/types.js").RegistryOptions,
) => RegistryLike;

/** The part of PciRegistry the benchmark drives. */
export interface RegistryLike {
  addDevice(cur: import("../../src/xsm/types.js").Domain, sbdf: number, info?: { physfn?: string }): import("../../src/xsm/types.js").Rc;
  removeDevice(cur: import("../../src/xsm/types.js").Domain, sbdf: number): import("../../src/xsm/types.js").Rc;
  recordCount(): number;
  checkInvariants(): string[];
}

export function loadRegistry(): Promise<RegistryCtor | Missing> {
  return load("src/hypervisor/index.ts", (m) => m.PciRegistry as RegistryCtor | undefined, "PciRegistry");
}

export function loadDummyXsm(): Promise<(() => import("../../src/xsm/types.js").XsmModule) | Missing> {
  return load("src/xsm/dummy.ts", (m) => m.createDummyXsm as (() => import("../../src/xsm/types.js").XsmModule) | undefined, "createDummyXsm");
}

export interface SimPieces {
  generateScenario: (opts?: { platforms?: number; pfs?: number; vfsPerPf?: number; steps?: number }) => {
    scenario: { name: string; steps: unknown[]; strategy?: string };
    policyText: string;
  };
  prepareGenerated: (gen: ReturnType<SimPieces["generateScenario"]>) => unknown;
  runPrepared: (prepared: unknown, opts?: { strategy?: import("../../src/hypervisor/types.js").Strategy; trackPartial?: boolean }) => {
    steps: unknown[];
    summary: Record<string, number>;
  };
}

export async function loadSim(): Promise<SimPieces | Missing> {
  const gen = await load("src/sim/generate.ts", (m) => (m.generateScenario && m.prepareGenerated ? m : undefined), "generateScenario/prepareGenerated");
  if (isMissing(gen)) return gen;
  const run = await load("src/sim/run.ts", (m) => m.runPrepared, "runPrepared");
  if (isMissing(run)) return run;
  return { generateScenario: gen.generateScenario, prepareGenerated: gen.prepareGenerated, runPrepared: run } as SimPieces;
}
