// `xsm compile POLICY -o FILE [-c 24|30] [-U deny|reject|allow] [--strict]`: the binary policy
// checkpolicy -t Xen -c 30 writes, byte for byte, with a warning for each construct Xen's loader
// would refuse (an error with --strict).
import { PolicyError, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompiledPolicy } from "../policy/types.js";
import { failWith, type OutputFormat } from "./format.js";
import { UsageError, readPolicyInput, refuseMlsForBinary } from "./io.js";
import type { CliContext } from "./context.js";
import { renderDiagnostics } from "../diagnostics/render.js";

export interface BinaryOutputOptions {
  output: string;
  policyvers?: string;
  handleUnknown?: string;
  strict?: boolean;
  mls?: boolean;
}

const HANDLE_UNKNOWN: Record<string, number> = { deny: 0, reject: 2, allow: 4 };

export function parseVersion(text: string | undefined): number {
  if (text === undefined) return 30;
  const v = Number(text);
  if (text !== "24" && text !== "30") throw new UsageError(`-c ${text}: checkpolicy writes the Xen target only at versions 24 and 30`);
  return v;
}

export function parseHandleUnknown(text: string | undefined): number {
  if (text === undefined) return 0;
  const v = HANDLE_UNKNOWN[text];
  if (v === undefined) throw new UsageError(`-U ${text}: expected deny, reject or allow`);
  return v;
}

/** -c and -U choose how the binary is written: their values are checked before anything is read,
 *  and without -o (no binary) they are a usage error rather than silently ignored. */
export function checkBinaryOptions(opts: { output?: string; policyvers?: string; handleUnknown?: string }): void {
  parseVersion(opts.policyvers);
  parseHandleUnknown(opts.handleUnknown);
  if (opts.output === undefined && (opts.policyvers !== undefined || opts.handleUnknown !== undefined)) {
    throw new UsageError(`${opts.policyvers !== undefined ? "-c" : "-U"} sets how the binary policy is written: give -o FILE too`);
  }
}

export interface BinaryOutput {
  /** The compiled policy for the summary; none when a rewritten binary cannot be decided on. */
  policy?: CompiledPolicy;
  warnings: Diagnostic[];
  /** What the warnings point into: the source, or a binary's rule listing. */
  text: string;
  /** The binary, for the caller to write with whatever else it writes (output.ts). */
  bytes: Uint8Array;
}

/** Rewrites a binary policy: the same bytes (libsepol's read-then-write, the avtab order kept),
 *  at another version with -c, another handle_unknown with -U. */
async function rewrite(cli: CliContext, path: string, data: Uint8Array, opts: BinaryOutputOptions & { format?: OutputFormat }): Promise<BinaryOutput> {
  const format = opts.format ?? "text";
  const { rewriteBinary } = await import("../binary/compile.js");
  let result;
  try {
    result = rewriteBinary(data, path, {
      version: opts.policyvers !== undefined ? parseVersion(opts.policyvers) : undefined,
      handleUnknown: opts.handleUnknown !== undefined ? parseHandleUnknown(opts.handleUnknown) : undefined,
      strict: opts.strict,
    });
  } catch (err) {
    if (err instanceof PolicyError) failWith(cli, err.diagnostics, { format, text: "", fallbackFile: path });
    throw err;
  }
  refuseMlsForBinary(path, data, opts.mls);
  const { policy, warnings, listing } = result;
  if (format === "text" && warnings.length > 0) cli.io.stderr.write(renderDiagnostics(warnings, listing || undefined, path));
  return { policy, warnings, text: listing, bytes: result.bytes };
}

/** Compiles a policy.conf (or rewrites a binary policy) to a binary; returns the compiled policy
 *  for the summary, and the warnings (printed here in text format, returned for a machine format). */
export async function compileToBinary(cli: CliContext, path: string, opts: BinaryOutputOptions & { format?: OutputFormat }): Promise<BinaryOutput> {
  const format = opts.format ?? "text";
  const version = parseVersion(opts.policyvers);
  const handleUnknown = parseHandleUnknown(opts.handleUnknown);
  const input = readPolicyInput(path);
  if ("binary" in input) return rewrite(cli, path, input.binary, opts);
  const text = input.text;
  const { compileBinary } = await import("../binary/compile.js");
  let result;
  try {
    result = compileBinary(text, { file: path, version, handleUnknown, strict: opts.strict, mls: opts.mls === true });
  } catch (err) {
    if (err instanceof PolicyError) failWith(cli, err.diagnostics, { format, text, fallbackFile: path });
    throw err;
  }
  if (format === "text" && result.warnings.length > 0) cli.io.stderr.write(renderDiagnostics(result.warnings, text, path));
  return { policy: result.policy, warnings: result.warnings, text, bytes: result.bytes };
}
