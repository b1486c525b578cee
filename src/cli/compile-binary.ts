// `xsm compile POLICY -o FILE [-c 24|30] [-U deny|reject|allow] [--strict]`: the binary policy
// checkpolicy -t Xen -c 30 writes, byte for byte, with a warning for each construct Xen's loader
// would refuse (an error with --strict).
import { writeFileSync } from "node:fs";
import { PolicyError } from "../policy/diagnostics.js";
import type { CompiledPolicy } from "../policy/types.js";
import { CliError, readPolicyInput } from "./io.js";
import type { CliContext } from "./main.js";
import { renderDiagnostics } from "./render.js";

export interface BinaryOutputOptions {
  output: string;
  policyvers?: string;
  handleUnknown?: string;
  strict?: boolean;
}

const HANDLE_UNKNOWN: Record<string, number> = { deny: 0, reject: 2, allow: 4 };

export function parseVersion(text: string | undefined): number {
  if (text === undefined) return 30;
  const v = Number(text);
  if (text !== "24" && text !== "30") throw new CliError(`-c ${text}: checkpolicy writes the Xen target only at versions 24 and 30`, 2);
  return v;
}

export function parseHandleUnknown(text: string | undefined): number {
  if (text === undefined) return 0;
  const v = HANDLE_UNKNOWN[text];
  if (v === undefined) throw new CliError(`-U ${text}: expected deny, reject or allow`, 2);
  return v;
}

export function writeOutput(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

/** Rewrites a binary policy: the same bytes (libsepol's read-then-write, with the compile's avtab
 *  order kept), at another version with -c, another handle_unknown with -U. Returns the compiled
 *  policy for the summary, when it has one (an MLS binary is rewritten but not decided on). */
async function rewriteBinary(cli: CliContext, path: string, data: Uint8Array, opts: BinaryOutputOptions): Promise<CompiledPolicy | undefined> {
  const { readPolicy } = await import("../binary/read.js");
  const { writePolicy } = await import("../binary/write.js");
  const { binaryError, refusalDiagnostic } = await import("../binary/load.js");
  const { kernelToPolicy } = await import("../binary/to-policy.js");
  const { BinaryFormatError } = await import("../binary/bytes.js");
  let read;
  try {
    read = readPolicy(data);
  } catch (err) {
    if (err instanceof BinaryFormatError) throw new CliError(renderDiagnostics([binaryError(err, path)], undefined, path), 1, true);
    throw err;
  }
  const kernel = read.policy;
  const diags = read.refusals.map((r) => refusalDiagnostic(r, opts.strict === true, path));
  if (opts.policyvers !== undefined) {
    const version = parseVersion(opts.policyvers);
    if (version < 30 && kernel.ocontexts.devicetree.length > 0) throw new CliError(`${path}: devicetreecon entries need policy version 30`);
    if (version < 30 && kernel.ocontexts.iomem.some((x) => x.high > 0xffffffffn)) throw new CliError(`${path}: an iomemcon above 4 GiB needs policy version 30`);
    kernel.version = version;
  }
  if (opts.handleUnknown !== undefined) kernel.config = (kernel.config & ~6) | parseHandleUnknown(opts.handleUnknown);
  if (diags.length > 0) cli.io.stderr.write(renderDiagnostics(diags, undefined, path));
  if (diags.some((d) => d.severity === "error")) throw new CliError("", 1, true);
  writeOutput(opts.output, writePolicy(kernel));
  try {
    return kernelToPolicy(kernel, path).policy;
  } catch (err) {
    if (err instanceof BinaryFormatError) return undefined;
    throw err;
  }
}

/** Compiles a policy.conf (or rewrites a binary policy) to a binary; returns the compiled policy
 *  for the summary. */
export async function compileToBinary(cli: CliContext, path: string, opts: BinaryOutputOptions): Promise<CompiledPolicy | undefined> {
  const version = parseVersion(opts.policyvers);
  const handleUnknown = parseHandleUnknown(opts.handleUnknown);
  const input = readPolicyInput(path);
  if ("binary" in input) return rewriteBinary(cli, path, input.binary, opts);
  const text = input.text;
  const { compileBinary } = await import("../binary/compile.js");
  let result;
  try {
    result = compileBinary(text, { file: path, version, handleUnknown, strict: opts.strict });
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(renderDiagnostics(err.diagnostics, text, path), 1, true);
    throw err;
  }
  if (result.warnings.length > 0) cli.io.stderr.write(renderDiagnostics(result.warnings, text, path));
  writeOutput(opts.output, result.bytes);
  return result.policy;
}
