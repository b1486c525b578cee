// The CLI's edge with the file system: reading a policy or a queries file a user names, and turning
// every way that can go wrong into one clear message (CliError) instead of a stack trace.
import { readSync } from "node:fs";
import {
  decodePolicyText,
  decodeStrictText,
  describeErrno,
  InputError,
  MAX_JSON_BYTES,
  MAX_POLICY_BYTES,
  megabytes,
  readBoundedFile,
} from "../io/read.js";

/** A user-caused failure the CLI reports as `xsm: error: message` with this exit status; when
 *  `rendered`, the message is already the full text to print (rendered diagnostics). */
export class CliError extends Error {
  readonly exitCode: number;
  readonly rendered: boolean;
  constructor(message: string, exitCode = 1, rendered = false) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.rendered = rendered;
  }
}

export { MAX_POLICY_BYTES };

/** Magic of a compiled policy (libsepol's POLICYDB_MAGIC / Xen's, little endian): checkpolicy's
 *  output, not its input. */
const POLICYDB_MAGIC = [0x8c, 0xff, 0x7c, 0xf9];

/** The name that means standard input wherever a file is read. */
export const STDIN = "-";

/** Reads a file the user named (`-`: standard input) as bounded bytes (src/io/read.ts), any
 *  failure as a CliError. */
function readBytes(path: string, what: string, limit: number): Buffer {
  if (path === STDIN) return readStdin(what, limit);
  try {
    return readBoundedFile(path, what, limit);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
}

/** Standard input, read in chunks so a runaway pipe stops at the limit instead of filling memory. */
function readStdin(what: string, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") continue; // a non-blocking terminal: wait for more
      if (code === "EOF") break;
      throw new CliError(`standard input: ${describeErrno(err)}`);
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw new CliError(`standard input: too large (the limit for a ${what} file is ${megabytes(limit)})`);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  if (total === 0) throw new CliError(`standard input: file is empty, expected a ${what}`);
  return Buffer.concat(chunks);
}

/** Reads a UTF-8 text file the user named (`what` says which: "queries"), refusing directories,
 *  FIFOs and devices, binary files, invalid UTF-8 and anything larger than `limit`. */
export function readTextFile(path: string, what: string, limit = MAX_JSON_BYTES): string {
  const bytes = readBytes(path, what, limit);
  try {
    return decodeStrictText(path, bytes, what);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
}

/** Reads a policy.conf the user named: its bytes as checkpolicy's scanner sees them (see
 *  decodePolicyText; the parser reports a BOM, CR, NUL or non-UTF-8 byte where checkpolicy would). */
export function readPolicyFile(path: string): string {
  const bytes = readBytes(path, "policy", MAX_POLICY_BYTES);
  if (POLICYDB_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CliError(`${path}: this is a compiled binary policy; xsm reads policy.conf source text`);
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

/** Parses a JSON file the user named; a syntax error names the file. */
export function readJsonFile(path: string, what: string): unknown {
  const text = readTextFile(path, what).replace(/^\uFEFF/, "");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: invalid JSON: ${(err as Error).message}`);
  }
}
