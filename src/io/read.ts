// Reading a file a user names, bounded: every input of xsm (policies, scenarios, queries) comes
// through here, so a directory, a FIFO, /dev/zero, an empty file or a file larger than the limit
// is one clear message (InputError) instead of a hang, an allocation without end or a stack trace.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { decodePolicyText } from "./decode.js";

export { decodePolicyText };

/** A file that cannot be read as the input it should be; the message starts with the path. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Larger than any real policy: gen-policy --size large is ~6 MB, Xen's m4-expanded policy < 1 MB.
 *  Past this we refuse up front rather than let the parser run out of memory. */
/** The name that means standard input wherever a file is read. */
export const STDIN = "-";

/** What diagnostics and reports call a file the user named: `-` is standard input, `<stdin>`
 *  (as compilers name it), so `-:3:1:` never reads as a file named "-". */
export const displayName = (file: string): string => (file === STDIN ? "<stdin>" : file);

export const MAX_POLICY_BYTES = 32 * 1024 * 1024;
/** Queries and other JSON side files. */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

export function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
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

export function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The bytes of a regular, non-empty file of at most `limit` bytes (a procfs or sysfs file, whose
 *  size says 0, read to its end); `what` names it in messages
 *  ("policy", "scenario"). Opened without blocking, so a FIFO is refused rather than waited on. */
export function readBoundedFile(path: string, what: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException)?.code === "EISDIR" ? `is a directory, not a ${what} file` : describeErrno(err);
    throw new InputError(`${path}: ${why}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory, not a ${what} file`);
    if (!st.isFile()) throw new InputError(`${path}: not a regular file (a ${st.isFIFO() ? "FIFO" : st.isCharacterDevice() || st.isBlockDevice() ? "device" : "special file"}), expected a ${what} file`);
    if (st.size > limit) {
      throw new InputError(`${path}: file is too large (${megabytes(st.size)}; the limit for a ${what} file is ${megabytes(limit)})`);
    }
    // procfs and sysfs files say size 0 and have content made as they are read: read them to
    // their end, bounded as a pipe is; a truly empty file ends at once and is refused below
    if (st.size === 0) return nonEmpty(path, what, readToEnd(fd, path, what, limit));
    // a file that grows while read is cut at its size when opened (plus one byte to notice)
    const bytes = Buffer.alloc(st.size + 1);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, null);
      if (n === 0) break;
      got += n;
    }
    if (got > st.size) throw new InputError(`${path}: the file changed while it was read`);
    return nonEmpty(path, what, bytes.subarray(0, got));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: ${describeErrno(err)}`);
  } finally {
    closeSync(fd);
  }
}

function nonEmpty(path: string, what: string, bytes: Buffer): Buffer {
  if (bytes.length === 0) throw new InputError(`${path}: file is empty, expected a ${what} file`);
  return bytes;
}

/** The rest of an open file whose size the file system does not know, in chunks, refused once past
 *  `limit` (a file that never ends, as a pipe may not). */
function readToEnd(fd: number, path: string, what: string, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(1 << 16, limit + 1 - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > limit) throw new InputError(`${path}: file is too large (over ${megabytes(limit)}, the limit for a ${what} file)`);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

/** Text that must be valid UTF-8 without NUL bytes (JSON, queries). A leading byte-order mark is
 *  dropped: editors on Windows write one, and it says nothing. */
export function decodeStrictText(path: string, bytes: Uint8Array, what: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError(`${path}: binary file (NUL byte at offset ${nul}), expected ${what} text`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: not valid UTF-8 text (${what} files are UTF-8)`);
  }
}

/** decodePolicyText's inverse: the text as UTF-8, each escaped byte (a lone U+DC80..U+DCFF) the
 *  byte it stood for, so a tool that rewrites a policy (fmt) keeps a Latin-1 comment's bytes. */
export function encodePolicyText(text: string): Uint8Array {
  // a lone low surrogate: not the second half of a pair (astral characters are pairs)
  const escaped = /(?<![\ud800-\udbff])[\udc80-\udcff]/g;
  if (!escaped.test(text)) return Buffer.from(text, "utf8");
  escaped.lastIndex = 0;
  const parts: Buffer[] = [];
  let from = 0;
  for (const m of text.matchAll(escaped)) {
    parts.push(Buffer.from(text.slice(from, m.index), "utf8"), Buffer.of(m[0].charCodeAt(0) - 0xdc00));
    from = m.index + 1;
  }
  parts.push(Buffer.from(text.slice(from), "utf8"));
  return Buffer.concat(parts);
}

/** Standard input, read in chunks so a runaway pipe stops at the limit instead of filling memory. */
export function readBoundedStdin(what: string, limit: number): Buffer {
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
      throw new InputError(`${displayName(STDIN)}: ${describeErrno(err)}`);
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw new InputError(`${displayName(STDIN)}: too large (the limit for a ${what} file is ${megabytes(limit)})`);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  if (total === 0) throw new InputError(`standard input is empty, expected a ${what}`);
  return Buffer.concat(chunks);
}
