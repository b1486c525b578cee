// policy.conf text -> the binary policy checkpolicy -t Xen writes, plus the compiled policy and
// the warnings for what Xen's loader would refuse. One run of the compiler's stages serves both.
import { PolicyError, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { compile } from "../policy/index.js";
import type { CompileOptions, CompiledPolicy } from "../policy/types.js";
import { lowerPolicy } from "./lower.js";
import type { KernelPolicy } from "./model.js";
import { writePolicy } from "./write.js";
import { xenRefusals } from "./xen-compat.js";

export interface BinaryCompileOptions extends CompileOptions {
  /** Policy version: 30 (default) or 24, the two checkpolicy writes for the Xen target. */
  version?: number;
  /** handle_unknown (checkpolicy -U): deny 0, reject 2, allow 4. */
  handleUnknown?: number;
  /** What Xen's loader refuses is an error, not a warning. */
  strict?: boolean;
}

export interface BinaryCompileResult {
  policy: CompiledPolicy;
  kernel: KernelPolicy;
  bytes: Uint8Array;
  /** The compile's warnings followed by Xen's refusals. */
  warnings: Diagnostic[];
}

export const WRITABLE_VERSIONS = [24, 30] as const;

/** Compiles and lowers; throws one PolicyError with every diagnostic when the policy (or, with
 *  `strict`, Xen's loader) refuses. */
export function compileBinary(text: string, options: BinaryCompileOptions = {}): BinaryCompileResult {
  const version = options.version ?? 30;
  if (!(WRITABLE_VERSIONS as readonly number[]).includes(version)) {
    throw new PolicyError([{ code: "policy-version", severity: "error", message: `policy version ${version}: checkpolicy writes the Xen target only at versions 24 and 30` }]);
  }
  if (options.mls) {
    // the MLS sections (levels, categories, ranges, range_transition) are lowered in a later step
    throw new PolicyError([{ code: "policy-version", severity: "error", message: "an MLS binary policy (-M with -o) is not written yet; compile without -o to check and decide on it" }]);
  }
  const run = compile(text, options);
  if (!run.ok) throw new PolicyError(run.error);
  const { ast, symbols, policy, diagnostics } = run.value;
  const kernel = lowerPolicy(ast, symbols, { version, handleUnknown: options.handleUnknown });
  const refusals = xenRefusals(ast, kernel.avtab.length > 0, options.strict === true);
  if (version < 30) {
    // write.c ocontext_write_xen: a v24 iomemcon holds 32-bit addresses
    const wide = kernel.ocontexts.iomem.find((x) => x.high > 0xffffffffn);
    if (wide) refusals.push({ code: "policy-version", severity: "error", message: `iomemcon 0x${wide.low.toString(16)}-0x${wide.high.toString(16)} does not fit a version ${version} policy (32-bit addresses); use version 30` });
  }
  const warnings = [...diagnostics.filter((d) => d.severity === "warning"), ...refusals];
  if (hasErrors(refusals)) throw new PolicyError(warnings);
  return { policy, kernel, bytes: writePolicy(kernel), warnings };
}
