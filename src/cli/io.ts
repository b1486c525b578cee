// The CLI's edge with the file system: reading a policy or a queries file a user names, and turning
// every way that can go wrong into one clear message (CliError) instead of a stack trace.
import { readFileSync } from "node:fs";
import {
  decodePolicyText,
  decodeStrictText,
  displayName,
  InputError,
  MAX_JSON_BYTES,
  MAX_POLICY_BYTES,
  readBoundedFile,
  readBoundedStdin,
  STDIN,
} from "../io/read.js";
import { duplicateKeyMessage, findDuplicateKeys, findJsonSyntaxError } from "../io/json-syntax.js";
import { jsonTooDeep } from "../io/json.js";
import { escapeUnshowable } from "../diagnostics/render.js";

const CLI_ERROR = Symbol.for("xsm-policy.CliError");

/** A user-caused failure the CLI reports as `xsm: error: message` with this exit status; when
 *  `rendered`, the message is already the full text to print (rendered diagnostics). */
export class CliError extends Error {
  readonly exitCode: number;
  readonly rendered: boolean;
  /** A usage error (UsageError), which the CLI's edge prints with the command's `--help` hint. */
  readonly usage: boolean = false;
  constructor(message: string, exitCode = 1, rendered = false) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.rendered = rendered;
  }

  /** `instanceof` by a mark every copy of this module gives its errors, not by class: a CommonJS
   *  caller under tsx (`tsx -e`, a .cts script) loads main.ts and its static imports through
   *  require() and the commands main.ts import()s through the ES module loader, two copies of this
   *  module, so a command's CliError was not one of main.ts's and was reported as an internal error.
   *  (The bundle and vitest load one copy.) */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [CLI_ERROR]?: unknown })[CLI_ERROR] === true;
  }
}
Object.defineProperty(CliError.prototype, CLI_ERROR, { value: true });

/** What the command line asks for cannot be done as asked (options that contradict, a value out
 *  of range): exit 2, and main.ts's report adds the `--help` hint commander gives its own usage
 *  errors. Tell it by `usage`, not by class (the two copies of this module, above). */
export class UsageError extends CliError {
  override readonly usage = true;
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

export { MAX_POLICY_BYTES };

/** Magic of a compiled policy (libsepol's POLICYDB_MAGIC / Xen's, little endian): checkpolicy's
 *  output, not its input. */
const POLICYDB_MAGIC = [0x8c, 0xff, 0x7c, 0xf9];

export { displayName, STDIN };

/** Reads a file the user named (`-`: standard input) as bounded bytes (src/io/read.ts), any
 *  failure as a CliError. */
function readBytes(path: string, what: string, limit: number): Buffer {
  try {
    return path === STDIN ? readBoundedStdin(what, limit) : readBoundedFile(path, what, limit);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
}

/** Reads a UTF-8 text file the user named (`what` says which: "queries"), refusing directories,
 *  FIFOs and devices, binary files, invalid UTF-8 and anything larger than `limit`. */
export function readTextFile(path: string, what: string, limit = MAX_JSON_BYTES): string {
  const bytes = readBytes(path, what, limit);
  try {
    return decodeStrictText(displayName(path), bytes, what);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
}

/** Reads a policy.conf the user named: its bytes as checkpolicy's scanner sees them (see
 *  decodePolicyText; the parser reports a BOM, CR, NUL or non-UTF-8 byte where checkpolicy would). */
export function readPolicyFile(path: string, command = "xsm"): string {
  const bytes = readBytes(path, "policy", MAX_POLICY_BYTES);
  if (POLICYDB_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CliError(`${displayName(path)}: this is a compiled binary policy; ${command} reads policy.conf source text (or a policy tree)`);
  }
  return decodePolicyText(bytes);
}

/** A policy file as it is: a binary policy (its magic) or policy.conf text, read as
 *  readPolicyFile reads it. */
export function readPolicyInput(path: string): { binary: Uint8Array } | { text: string } {
  const bytes = readBytes(path, "policy", MAX_POLICY_BYTES);
  if (POLICYDB_MAGIC.every((b, i) => bytes[i] === b)) return { binary: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
  return { text: decodePolicyText(bytes) };
}

/**
 * -M given with a binary policy that is not MLS: checkpolicy -b -M refuses it ("non-MLS policy, but
 * MLS is specified", exit 1), and so does every command here, once the binary has been read (a
 * binary that cannot be read is reported as such first, as policydb_read fails first). A binary that
 * is MLS says so itself (POLICYDB_CONFIG_MLS in its config word), so -M may be left out for it, as
 * setools' tools take none; checkpolicy -b without -M refuses it, which xsm does not follow.
 */
export function refuseMlsForBinary(name: string, binary: Uint8Array, mls: boolean | undefined): void {
  // the config word follows the magic, the target string's length (8, "XenFlask") and the version
  if (!mls || binary.length < 24) return;
  const header = new DataView(binary.buffer, binary.byteOffset, 24);
  if (header.getUint32(4, true) !== 8 || (header.getUint32(20, true) & CONFIG_MLS) !== 0) return;
  throw new CliError(`${name}: -M: this binary policy is not MLS (checkpolicy -b -M refuses it: "non-MLS policy, but MLS is specified"); leave -M out: a binary says itself whether it is MLS`);
}

/** POLICYDB_CONFIG_MLS, the config word's MLS bit (libsepol policydb.h). */
const CONFIG_MLS = 1;

/** Deeper than any file xsm reads (a query list, a lint config, a test file, a scenario: a few
 *  levels): their checks and messages recurse, and V8's stack ends at some thousands of levels. */
export const MAX_JSON_DEPTH = 64;

/** Parses a JSON file the user named; a syntax error names the file, and so does nesting past
 *  MAX_JSON_DEPTH (at its JSON path) and a key given twice in one object (each, at its line,
 *  column and JSON path), unless `repeatedKeys` is "keep" (a caller that reports them itself). */
export function readJsonFile(path: string, what: string, options: { repeatedKeys?: "refuse" | "keep" } = {}): unknown {
  const text = readTextFile(path, what).replace(/^\uFEFF/, "");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // V8 names a position for some mistakes only: locate it as the scenario reader does
    const at = findJsonSyntaxError(text);
    throw new CliError(at ? `${path}:${at.line}:${at.col}: invalid JSON: ${at.message}` : `${path}: invalid JSON: ${(err as Error).message}`);
  }
  const deep = tooDeep(doc, what);
  if (deep !== undefined) throw new CliError(`${path}: ${deep}`);
  const twice = options.repeatedKeys === "keep" ? [] : duplicateKeys(text, path);
  if (twice.length === 1) throw new CliError(twice[0]!);
  if (twice.length > 1) throw new CliError(twice.map((line) => `xsm: error: ${escapeUnshowable(line)}\n`).join(""), 1, true);
  return doc;
}

/** Each key `text` (parsed JSON of file `name`) gives twice in one object, as a located line:
 *  "FILE:LINE:COL: /0/perm: key "perm" given again ...". */
export function duplicateKeys(text: string, name: string): string[] {
  return findDuplicateKeys(text).map((d) => `${name}:${d.line}:${d.col}: ${d.path}: ${duplicateKeyMessage(d)}`);
}

/** "PATH: nested deeper than ..." for a document nested past MAX_JSON_DEPTH. */
export function tooDeep(doc: unknown, what: string): string | undefined {
  const at = jsonTooDeep(doc, MAX_JSON_DEPTH);
  return at === undefined ? undefined : `${at}: nested deeper than ${MAX_JSON_DEPTH} levels; a ${what} is a few levels deep`;
}

/** This package's version (`xsm -V`, SARIF's tool version), from package.json beside src/ and dist/
 *  (the bundles define import.meta.url as their own path under dist/bin/); "0.0.0" if unreadable. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
