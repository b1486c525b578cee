// The CLI's edge with the file system: reading a policy or a queries file a user names, and turning
// every way that can go wrong into one clear message (CliError) instead of a stack trace.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

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

/** Larger than any real policy: gen-policy --size large is ~6 MB, Xen's m4-expanded policy < 1 MB.
 *  Past this we refuse up front rather than let the parser run out of memory. */
export const MAX_POLICY_BYTES = 32 * 1024 * 1024;

/** Magic of a compiled policy (libsepol's POLICYDB_MAGIC / Xen's, little endian): checkpolicy's
 *  output, not its input. */
const POLICYDB_MAGIC = [0x8c, 0xff, 0x7c, 0xf9];

function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory, not a policy file";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "ENAMETOOLONG":
      return "file name too long";
    case "ENOTDIR":
      return "a component of the path is not a directory";
    default:
      return code ? `cannot read (${code})` : String((err as Error)?.message ?? err);
  }
}

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Reads a text file the user named (`what` says which: "policy", "queries"), refusing directories,
 *  binary files, invalid UTF-8 and anything larger than `limit`. `-` is standard input. */
export function readTextFile(path: string, what = "policy", limit = MAX_POLICY_BYTES): string {
  return decodeText(path === STDIN ? "standard input" : path, readFileBytes(path, what, limit), what);
}

/** A policy file as it is: a binary policy (its magic) or policy.conf text. */
export function readPolicyInput(path: string): { binary: Uint8Array } | { text: string } {
  const bytes = readFileBytes(path, "policy", MAX_POLICY_BYTES);
  if (POLICYDB_MAGIC.every((b, i) => bytes[i] === b)) return { binary: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
  return { text: decodeText(path === STDIN ? "standard input" : path, bytes, "policy") };
}

/** The bytes of a file the user named (or standard input), with readTextFile's refusals
 *  (directories, size). */
function readFileBytes(path: string, what: string, limit: number): Buffer {
  if (path === STDIN) return readStdin(what, limit);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new CliError(`${path}: ${describeErrno(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new CliError(`${path}: is a directory, not a ${what} file`);
    if (!st.isFile()) throw new CliError(`${path}: not a regular file`);
    if (st.size > limit) {
      throw new CliError(`${path}: file is too large (${megabytes(st.size)}; the limit for a ${what} file is ${megabytes(limit)})`);
    }
    const bytes = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, bytes, got, st.size - got, null);
      if (n === 0) break;
      got += n;
    }
    return bytes.subarray(0, got);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path}: ${describeErrno(err)}`);
  } finally {
    closeSync(fd);
  }
}

/** The name that means standard input wherever a file is read. */
export const STDIN = "-";

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
  return Buffer.concat(chunks);
}

function decodeText(path: string, bytes: Buffer, what: string): string {
  if (bytes.length === 0) throw new CliError(`${path}: file is empty, expected a ${what}`);
  if (what === "policy" && POLICYDB_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CliError(`${path}: this is a compiled binary policy; xsm reads policy.conf source text`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new CliError(`${path}: binary file (NUL byte at offset ${nul}), expected ${what} text`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${path}: not valid UTF-8 text`);
  }
}

export function readPolicyFile(path: string): string {
  return readTextFile(path, "policy");
}

/** Parses a JSON file the user named; a syntax error names the file. */
export function readJsonFile(path: string, what: string): unknown {
  const text = readTextFile(path, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: invalid JSON: ${(err as Error).message}`);
  }
}
