// One entry for "a policy, as a file holds it": policy.conf text or a binary policy (recognised by
// its magic), into the same compiled policy, with what Xen's loader would refuse as diagnostics.
// The CLI, the simulator's scenario policies and load_policy steps all come through here.
import { PolicyError, error, hasErrors, inBinary, warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import { compile, compilePolicy } from "../policy/index.js";
import type { PolicyAst } from "../policy/ast.js";
import type { Expanded } from "../policy/expand.js";
import type { Symbols } from "../policy/symbols.js";
import type { CompileOptions, CompiledPolicy } from "../policy/types.js";
import { BinaryFormatError } from "./bytes.js";
import type { KernelPolicy } from "./model.js";
import { isBinaryPolicy, readPolicy, type LibsepolRefusal, type ReadResult, type ValueRefusal, type XenRefusal } from "./read.js";
import { kernelToPolicy, type ListingDeclarations } from "./to-policy.js";
import { decodePolicyText } from "../io/decode.js";
import {
  classDefaultsMessage,
  commonPrefixMessage,
  emptyAvtabMessage,
  emptyConstraintMessage,
  extraPermsConstraintMessage,
  filenameTransMessage,
  handleUnknownMessage,
  permissiveMapMessage,
  permLimitMessage,
  sourceRefusals,
  unknownValueMessage,
  validatetransPermsMessage,
} from "./xen-compat.js";

export interface LoadOptions {
  /** What Xen's loader refuses is an error (as Xen's security_load_policy), not a warning. */
  asXen?: boolean;
  /** A policy.conf is MLS (checkpolicy -M); a binary says itself whether it is. */
  mls?: boolean;
}

export interface PolicyInput {
  policy: CompiledPolicy;
  /** The text diagnostics point into: the source, or a binary's rule listing. */
  text: string;
  /** Set when the input was a binary policy. */
  kernel?: KernelPolicy;
  /** Set when the input was a source: its AST as parsed (the `platform` blocks as written, which
   *  the compiled policy keeps only desugared). */
  ast?: PolicyAst;
  /** The symbol tables decisions read: a source's from its compile, a binary's as kernelToPolicy
   *  rebuilt them (the names a binary keeps, for the studio's explorer as for a source). */
  symbols: Symbols;
  /** The compile's warnings, Xen's refusals (warnings unless asXen) and libsepol's (warnings). */
  warnings: Diagnostic[];
  /** A binary's: where its listing declares the roles, users, initial SIDs and ocontexts. */
  declared?: ListingDeclarations;
  /** A binary's rules as kernelToPolicy rebuilt them (one per avtab entry, at its listing line). */
  expanded?: Expanded;
}

/** A binary's refusal as a diagnostic at its offset in `file`: the construct and Xen's log line. */
export function refusalDiagnostic(r: XenRefusal, asXen: boolean, file: string): Diagnostic {
  const message = r.code === "xen-common-prefix" ? commonPrefixMessage(r.what) : r.code === "xen-empty-avtab" ? emptyAvtabMessage() : filenameTransMessage(r.what);
  return inBinary(asXen ? error(r.code, message) : warning(r.code, message), file, r.offset);
}

/** What only libsepol refuses, as a warning whatever the mode (Xen loads the policy), at its
 *  offset in `file`. */
export function libsepolRefusalDiagnostic(r: LibsepolRefusal, file: string): Diagnostic {
  if (!("permissions" in r)) return inBinary(warning(r.code, valueRefusalMessage(r)), file, r.offset);
  const message =
    r.code === "constraint-class-twice"
      ? emptyConstraintMessage(r.what)
      : r.code === "constraint-extra-perms"
        ? extraPermsConstraintMessage(r.what, r.permissions, r.nprim, r.named)
        : r.code === "binary-perm-limit"
          ? permLimitMessage(r.what, r.nprim)
          : validatetransPermsMessage(r.what, r.permissions);
  return inBinary(warning(r.code, message), file, r.offset);
}

function valueRefusalMessage(r: ValueRefusal): string {
  switch (r.code) {
    case "binary-class-defaults":
      return classDefaultsMessage(r.what, r.values[0]!);
    case "binary-handle-unknown":
      return handleUnknownMessage(r.values[0]!);
    case "binary-permissive-map":
      return permissiveMapMessage(r.values, r.count!);
    case "binary-unknown-value":
      return unknownValueMessage(r.what, r.place!, r.values, r.count!);
  }
}

/** A read binary's findings in file order: Xen's refusals (errors when `asXen`) and what only
 *  libsepol refuses; `keep` drops refusals a rewrite makes moot. */
export function readDiagnostics(read: Pick<ReadResult, "refusals" | "libsepolRefusals">, file: string, asXen: boolean, keep: (r: XenRefusal) => boolean = () => true): Diagnostic[] {
  const found: { offset: number; d: Diagnostic }[] = [
    ...read.refusals.filter(keep).map((r) => ({ offset: r.offset, d: refusalDiagnostic(r, asXen, file) })),
    ...read.libsepolRefusals.map((r) => ({ offset: r.offset, d: libsepolRefusalDiagnostic(r, file) })),
  ];
  return found.sort((a, b) => a.offset - b.offset).map((f) => f.d);
}

/** A binary that cannot be read, as the one error it is, at the offset where reading stopped. */
export function binaryError(err: BinaryFormatError, file: string): Diagnostic {
  const xen = err.xenLog !== undefined ? `; Xen's loader refuses it too ("${err.xenLog}")` : "";
  return inBinary(error("binary-format", `${err.message}${xen}`), file, err.offset);
}

/** Reads a binary policy into the compiled form; throws PolicyError (one diagnostic) if it cannot. */
export function loadBinary(data: Uint8Array, file: string, options: LoadOptions = {}): PolicyInput {
  const asXen = options.asXen === true;
  let read: ReadResult;
  try {
    read = readPolicy(data);
  } catch (err) {
    if (err instanceof BinaryFormatError) throw new PolicyError([binaryError(err, file)]);
    throw err;
  }
  const kernel: KernelPolicy = read.policy;
  const warnings = readDiagnostics(read, file, asXen);
  if (hasErrors(warnings)) throw new PolicyError(warnings);
  try {
    const { policy, listing, sym, ex, declared } = kernelToPolicy(kernel, file, warnings, read.offsets);
    return { policy, text: listing, kernel, symbols: sym, warnings, declared, expanded: ex };
  } catch (err) {
    if (err instanceof BinaryFormatError) throw new PolicyError([binaryError(err, file)]);
    throw err;
  }
}

/** Compiles policy.conf text, adding what Xen's loader would refuse; throws PolicyError. */
export function loadSource(text: string, file: string, options: LoadOptions = {}): PolicyInput {
  const run = compile(text, { file, mls: options.mls === true });
  if (!run.ok) throw new PolicyError(run.error);
  const { parsed, ast, symbols, policy, diagnostics } = run.value;
  const refusals = sourceRefusals(ast, symbols, options.asXen === true);
  const warnings = [...diagnostics.filter((d) => d.severity === "warning"), ...refusals];
  if (hasErrors(refusals)) throw new PolicyError(warnings);
  return { policy, text, ast: parsed, symbols, warnings };
}

/** A policy file's bytes, source or binary. */
export function loadPolicyBytes(data: Uint8Array, file: string, options: LoadOptions = {}): PolicyInput {
  if (isBinaryPolicy(data)) return loadBinary(data, file, options);
  return loadSource(decodePolicyText(data), file, options);
}

/** The library's compilePolicy: policy.conf text, or a file's bytes (a binary policy by its magic,
 *  read as Xen's policydb_read reads it, Xen's refusals among its warnings; other bytes are UTF-8
 *  source). Throws one PolicyError with every diagnostic. */
export function compileAny(input: string | Uint8Array, options: CompileOptions = {}): CompiledPolicy {
  const file = options.file ?? "<input>";
  if (typeof input !== "string" && isBinaryPolicy(input)) return loadBinary(input, file).policy;
  return compilePolicy(typeof input === "string" ? input : decodePolicyText(input), options);
}

/** Xen's loader (security_load_policy) as a PolicyCompiler: source or binary, and what
 *  policydb.c refuses is an error. */
export function loadAsXen(input: string | Uint8Array, options: CompileOptions = {}): CompiledPolicy {
  const file = options.file ?? "<input>";
  return (typeof input === "string" ? loadSource(input, file, { asXen: true }) : loadPolicyBytes(input, file, { asXen: true })).policy;
}
