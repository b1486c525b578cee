// Mutations of binary policies (bit flips, bytes set, truncation, huge counts written over a
// length or count field, chunks dropped or repeated) and a runner that reads one as `xsm check`,
// `xsm simulate` and `load_policy` do (src/binary/load.ts, as Xen's loader) and asks it a few
// decisions. A bad binary must be a PolicyError with its offset, never another exception, and must
// never make the reader allocate what a count claims before the bytes are there.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { rewriteBinary } from "../../src/binary/compile.js";
import { loadPolicyBytes } from "../../src/binary/load.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { repoRoot } from "./corpus.js";
import type { Rng } from "./mutate.js";

/** The committed binary policies (checkpolicy's, versions 24 and 30, Xen's own among them). */
export function binarySeeds(): { file: string; bytes: Uint8Array }[] {
  const out: { file: string; bytes: Uint8Array }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".bin")) out.push({ file: p, bytes: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(join(repoRoot, "test/fixtures/binary"));
  return out;
}

/** Values a count or length field is overwritten with: past the file, past 32 bits signed, zero. */
const COUNTS = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0x01000000, 0x00100000, 65536, 0, 1, 2, 255, 256];

export function mutateBinary(seed: Uint8Array, rng: Rng): { bytes: Uint8Array; ops: string[] } {
  let b = seed.slice();
  const ops: string[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    if (b.length < 8) break;
    switch (rng.int(6)) {
      case 0: {
        // the header (magic, lengths, version, config) is read first: flip there a fifth of the time
        const bits = 1 + rng.int(8);
        for (let k = 0; k < bits; k++) {
          const at = rng.chance(0.2) ? rng.int(Math.min(64, b.length)) : rng.int(b.length);
          b[at]! ^= 1 << rng.int(8);
        }
        ops.push(`flip${bits}`);
        break;
      }
      case 1: {
        const at = rng.int(b.length);
        b[at] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
        ops.push("byte");
        break;
      }
      case 2: {
        const len = rng.chance(0.5) ? rng.int(b.length) : b.length - 1 - rng.int(Math.min(64, b.length - 1));
        b = b.slice(0, len);
        ops.push(`truncate${len}`);
        break;
      }
      case 3: {
        // most fields are 32-bit little endian on 4-byte boundaries
        const at = rng.int(b.length >> 2) << 2;
        const v = rng.pick(COUNTS);
        new DataView(b.buffer, b.byteOffset, b.length).setUint32(at, v >>> 0, true);
        ops.push(`count@${at}=${v}`);
        break;
      }
      case 4: {
        const at = rng.int(b.length);
        const len = 1 + rng.int(Math.min(256, b.length - at));
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + len)]);
        ops.push("drop");
        break;
      }
      default: {
        const at = rng.int(b.length);
        const len = 1 + rng.int(Math.min(256, b.length - at));
        b = new Uint8Array([...b.subarray(0, at + len), ...b.subarray(at, at + len), ...b.subarray(at + len)]);
        ops.push("repeat");
      }
    }
  }
  return { bytes: b, ops };
}

/** Reads a binary as Xen's loader would, then decides a few questions and rewrites it. Throws only
 *  on a bug (anything but a PolicyError). */
export function runBinary(bytes: Uint8Array): "accept" | "reject" {
  let loaded;
  try {
    loaded = loadPolicyBytes(bytes, "fuzz.bin", { asXen: true });
  } catch (err) {
    if (err instanceof PolicyError) return "reject";
    throw err;
  }
  const p = loaded.policy;
  const contexts = ["xen", "dom0", "domU", "domio", "device", "unlabeled", "security"].map((s) => p.initialSidContext(s)).filter((c): c is string => c !== undefined);
  for (const s of contexts.slice(0, 3)) {
    for (const t of contexts.slice(0, 3)) {
      const sc = p.parseContext(s);
      const tc = p.parseContext(t);
      if (!sc.ok || !tc.ok) continue;
      for (let c = 0; c < Math.min(p.stats.classes, 8); c++) p.computeAv(sc.value, tc.value, c);
    }
  }
  try {
    rewriteBinary(bytes, "fuzz.bin");
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
  }
  return "accept";
}
