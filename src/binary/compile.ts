// policy.conf text -> the binary policy checkpolicy -t Xen writes, plus the compiled policy and
// the warnings for what Xen's loader would refuse. One run of the compiler's stages serves both.
import { PolicyError, aboutFile, error, hasErrors, inBinary, warning, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { compile } from "../policy/index.js";
import type { CompileOptions, CompiledPolicy } from "../policy/types.js";
import { BinaryFormatError } from "./bytes.js";
import { binaryError, readDiagnostics } from "./load.js";
import { decodePolicyText } from "../io/decode.js";
import { lowerPolicy } from "./lower.js";
import type { KernelPolicy } from "./model.js";
import { isBinaryPolicy, readPolicy } from "./read.js";
import { kernelToPolicy } from "./to-policy.js";
import { writePolicy } from "./write.js";
import { FILENAME_TRANS_VERSION, filenameTransDroppedMessage, roleAttributeDominance, xenRefusals } from "./xen-compat.js";
import { initialSidOrder, type XenSidNumbering } from "./initial-sids.js";

export interface BinaryCompileOptions extends CompileOptions {
  /** Policy version: 30 (default) or 24, the two checkpolicy writes for the Xen target. */
  version?: number;
  /** handle_unknown (checkpolicy -U): deny 0, reject 2, allow 4. */
  handleUnknown?: number;
  /** What Xen's loader refuses is an error, not a warning. */
  strict?: boolean;
  /** The initial SIDs of the Xen the policy is for (a tree's flask files); default today's. */
  xenSids?: XenSidNumbering;
}

export interface BinaryCompileResult {
  policy: CompiledPolicy;
  kernel: KernelPolicy;
  bytes: Uint8Array;
  /** The compile's warnings followed by Xen's refusals. */
  warnings: Diagnostic[];
}

export const WRITABLE_VERSIONS = [24, 30] as const;

function checkVersion(version: number): void {
  if (!(WRITABLE_VERSIONS as readonly number[]).includes(version)) {
    throw new PolicyError([error("policy-version", `policy version ${version}: checkpolicy writes the Xen target only at versions 24 and 30`)]);
  }
}

/** write.c writes ocon_num tables for the version: at 24 the devicetreecon entries are left out
 *  (a source's warning is placed at its first devicetreecon, a binary's is about the whole file). */
function droppedAt(kernel: KernelPolicy, version: number, span?: Span): Diagnostic[] {
  const out: Diagnostic[] = [];
  const n = kernel.ocontexts.devicetree.length;
  if (version < 30 && n > 0) out.push(warning("version-dropped", `${n} devicetreecon ${n === 1 ? "entry is" : "entries are"} left out of the version ${version} policy, as checkpolicy -c ${version} leaves them out (Xen reads devicetreecon from version 30)`, span));
  return out;
}

/** write.c ocontext_write_xen: below version 30 an iomemcon holds 32-bit addresses. */
function wideIomemMessage(x: { low: bigint; high: bigint }, version: number): string {
  return `iomemcon 0x${x.low.toString(16)}-0x${x.high.toString(16)} does not fit a version ${version} policy (32-bit addresses); use version 30`;
}

/** A binary rewritten below version 26 (role_trans_write): role_transition rules on a class other
 *  than the process class libsepol's reader names (Xen's `domain`) are left out. */
function roleTransDropped(kernel: KernelPolicy, version: number, processClass: number | undefined): Diagnostic[] {
  const n = kernel.roleTrans.filter((r) => r.tclass !== processClass).length;
  if (version >= 26 || n === 0) return [];
  return [warning("version-dropped", `${n} role_transition ${n === 1 ? "rule is" : "rules are"} left out of the version ${version} policy, as checkpolicy -b -c ${version} leaves out those on a class other than domain (role_transition has a class from version 26)`)];
}

/** Compiles and lowers; throws one PolicyError with every diagnostic when the policy (or, with
 *  `strict`, Xen's loader) refuses. */
export function compileBinary(text: string, options: BinaryCompileOptions = {}): BinaryCompileResult {
  const version = options.version ?? 30;
  checkVersion(version);
  const run = compile(text, options);
  if (!run.ok) throw new PolicyError(run.error);
  const { ast, symbols, policy, diagnostics } = run.value;
  const kernel = lowerPolicy(ast, symbols, { version, handleUnknown: options.handleUnknown });
  const refusals = [...xenRefusals(ast, kernel.avtab.length > 0, options.strict === true, version), ...roleAttributeDominance(ast, symbols), ...initialSidOrder(ast, symbols, options.xenSids)];
  // class_write: "default_range set to GLBLUB but policy version is N (32 required), discarding"
  if (version < 32) {
    for (const s of ast.statements) {
      if (s.kind === "default" && s.value === "glblub") refusals.push(warning("version-dropped", `default_range glblub is left out of the version ${version} policy, as checkpolicy leaves it out (it needs version 32)`, s.span));
    }
  }
  if (version < 30) {
    const wide = ast.statements.find((s) => s.kind === "iomemcon" && s.high > 0xffffffffn);
    if (wide?.kind === "iomemcon") refusals.push(error("policy-version", wideIomemMessage(wide, version), wide.span));
    refusals.push(...droppedAt(kernel, version, ast.statements.find((s) => s.kind === "devicetreecon")?.span));
    // lower.ts left every role_transition out (role_trans_write before version 26)
    const rt = ast.statements.find((s) => s.kind === "role_transition");
    if (rt && (symbols.roleTransitions?.length ?? 0) > 0) refusals.push(warning("version-dropped", `the role_transition rules are left out of the version ${version} policy, as checkpolicy -c ${version} leaves them out (role_transition has a class from version 26; before, checkpolicy writes only the process class's, which it knows only when reading a binary)`, rt.span));
  }
  const warnings = [...diagnostics.filter((d) => d.severity === "warning"), ...refusals];
  if (hasErrors(refusals)) throw new PolicyError(warnings);
  return { policy, kernel, bytes: writePolicy(kernel), warnings };
}

export interface BinaryRewriteResult {
  /** The decision-ready policy; none for an MLS binary (rewritten, not decided on). */
  policy?: CompiledPolicy;
  kernel: KernelPolicy;
  bytes: Uint8Array;
  /** Xen's refusals (errors with `strict`, then thrown). */
  warnings: Diagnostic[];
  /** The binary's rule listing the warnings and explanations point into. */
  listing: string;
}

/** A binary policy read and written again, as `checkpolicy -b -t Xen` without re-bucketing: the
 *  same bytes, or the same policy at another version (`version`) or handle_unknown. Throws one
 *  PolicyError when the file cannot be read, does not fit the version, or (`strict`) Xen refuses it. */
export function rewriteBinary(data: Uint8Array, file: string, options: Omit<BinaryCompileOptions, "warnings"> = {}): BinaryRewriteResult {
  let read;
  try {
    read = readPolicy(data);
  } catch (err) {
    if (err instanceof BinaryFormatError) throw new PolicyError([binaryError(err, file)]);
    throw err;
  }
  const kernel = read.policy;
  // write.c leaves filename transitions out below version 25: Xen's loader does not see them
  const dropsFilenameTrans = options.version !== undefined && options.version < FILENAME_TRANS_VERSION && kernel.filenameTrans.length > 0;
  const warnings = readDiagnostics(read, file, options.strict === true, (r) => !(dropsFilenameTrans && r.code === "xen-filename-trans"));
  if (options.version !== undefined && options.version !== kernel.version) {
    checkVersion(options.version);
    const n = kernel.filenameTrans.length;
    // what the version cannot hold, said of the file as a whole (it is about the rewrite, not one record)
    const dropped: Diagnostic[] = [];
    if (dropsFilenameTrans) dropped.push(warning("version-dropped", filenameTransDroppedMessage(`${n} filename type transition${n === 1 ? "" : "s"}`, n !== 1, options.version!)));
    // write.c ocontext_write_xen: no devicetreecon before 30, and 32-bit iomemcon addresses
    dropped.push(...droppedAt(kernel, options.version), ...roleTransDropped(kernel, options.version, domainClass(kernel)));
    warnings.push(...dropped.map((d) => aboutFile(d, file)));
    const wide = kernel.ocontexts.iomem.find((x) => x.high > 0xffffffffn);
    // (an iomemcon that does not fit is one record: placed at it)
    if (options.version < 30 && wide) warnings.push(inBinary(error("policy-version", wideIomemMessage(wide, options.version)), file, read.offsets.get(wide) ?? 0));
    kernel.version = options.version;
  }
  if (options.handleUnknown !== undefined) kernel.config = (kernel.config & ~6) | options.handleUnknown;
  if (hasErrors(warnings)) throw new PolicyError(warnings);
  const bytes = writePolicy(kernel);
  try {
    const { policy, listing } = kernelToPolicy(kernel, file, warnings, read.offsets);
    return { policy, kernel, bytes, warnings, listing };
  } catch (err) {
    if (err instanceof BinaryFormatError) return { kernel, bytes, warnings, listing: "" };
    throw err;
  }
}

/** The library's binary writer: policy.conf text, or a file's bytes (a binary policy, by its
 *  magic, is rewritten; other bytes are UTF-8 source). */
export function toBinary(input: string | Uint8Array, options: BinaryCompileOptions = {}): { policy?: CompiledPolicy; bytes: Uint8Array; warnings: Diagnostic[] } {
  if (typeof input !== "string" && isBinaryPolicy(input)) {
    const { policy, bytes, warnings } = rewriteBinary(input, options.file ?? "<binary>", options);
    return { policy, bytes, warnings };
  }
  const text = typeof input === "string" ? input : decodePolicyText(input);
  const { policy, bytes, warnings } = compileBinary(text, options);
  return { policy, bytes, warnings };
}

/** The class libsepol's policydb_read takes as a Xen policy's process class. */
function domainClass(kernel: KernelPolicy): number | undefined {
  return kernel.classes.entries.find((c) => c.name === "domain")?.value;
}
