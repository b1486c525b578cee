// A policy.conf's bytes as checkpolicy's scanner sees them, with nothing of Node's: the CLI
// (src/io/read.ts), the library's compile of bytes (src/binary/load.ts) and the studio's page
// decode a policy the same way.

/** A policy.conf's bytes as text, keeping what checkpolicy sees: a byte-order mark stays (the
 *  parser reports it, as checkpolicy rejects it), and each byte that is not part of valid UTF-8
 *  becomes one lone surrogate U+DC80..U+DCFF (the byte's own value, as Python's surrogateescape),
 *  which the parser accepts inside a comment and reports at its line and column outside one
 *  (policy_scan.l reads bytes: anything but ASCII outside a comment is an unrecognized character),
 *  and counts as the one byte it was where checkpolicy counts bytes (YYLMAX). Printed, it shows as
 *  U+FFFD. NUL bytes stay too: a comment may hold them. */
export function decodePolicyText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // not UTF-8 throughout: decode the valid runs, escape each byte between them
  }
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const parts: string[] = [];
  let run = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = utf8SequenceAt(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    parts.push(decoder.decode(bytes.subarray(run, i)), String.fromCharCode(0xdc00 + bytes[i]!));
    run = ++i;
  }
  parts.push(decoder.decode(bytes.subarray(run)));
  return parts.join("");
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode's table 3-7), or 0. */
function utf8SequenceAt(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
