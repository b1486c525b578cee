// The two hash functions whose bucket order decides the bytes of a binary policy, as libsepol 3.4
// has them: symtab.c symhash (every symbol table and permission table is written in
// hashtab_map order: bucket 0..size-1, each chain sorted by strcmp) and avtab.c avtab_hash
// (MurmurHash3 over class, target, source; chains sorted by (source, target, class)). The writer
// (src/binary) and the neverallow check (check.ts reports in avtab_map order) both read them.

const utf8 = new TextEncoder();

/** symtab.c symhash (3.4; 3.6 switched to DJB2a): rotate left by 4, xor the byte. */
export function symhash(name: Uint8Array): number {
  let val = 0;
  for (let i = 0; i < name.length; i++) val = (((val << 4) | (val >>> 28)) ^ name[i]!) >>> 0;
  return val;
}

/** hashtab_check_resize: the table doubles before an insert while size <= nel, so n entries end
 *  in max(initial, the smallest power of two above n - 1). */
export function tableSize(initial: number, n: number): number {
  let size = initial;
  for (let nel = 0; nel < n; nel++) while (size <= nel) size *= 2;
  return size;
}

/** policydb.c symtab_sizes: commons, classes, roles, types, users, bools, levels, cats. */
export const SYMTAB_SIZES = [2, 32, 16, 512, 128, 16, 16, 16] as const;
/** PERM_SYMTAB_SIZE: every class's and common's permission table. */
export const PERM_TABLE_SIZE = 32;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The hashtab_map order of `items` keyed by `name` in a table that started at `initial` slots
 *  and grew to hold `count` entries (count may exceed items: role attributes are in the table
 *  but not written). */
export function hashOrder<T>(items: readonly T[], name: (t: T) => string, initial: number, count = items.length): T[] {
  const mask = tableSize(initial, count) - 1;
  const keyed = items.map((item) => {
    const bytes = utf8.encode(name(item));
    return { item, bytes, bucket: symhash(bytes) & mask };
  });
  keyed.sort((a, b) => a.bucket - b.bucket || compareBytes(a.bytes, b.bytes));
  return keyed.map((k) => k.item);
}

/** A rank per name: its place in the hashtab_map order of a table that started at `initial` slots
 *  and holds `all` (aliases included: they take slots though they get no value). Values follow
 *  this order (expand.c *_copy_callback), and setools lists by value. */
export function hashRank(all: readonly string[], initial: number): Map<string, number> {
  return new Map(hashOrder(all, (name) => name, initial).map((name, i) => [name, i]));
}

function mix(h: number, v: number): number {
  v = Math.imul(v, 0xcc9e2d51);
  v = (v << 15) | (v >>> 17);
  v = Math.imul(v, 0x1b873593);
  h ^= v;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** avtab.c avtab_hash: the bucket of (source, target, class) under `mask`. */
export function avtabHash(source: number, target: number, tclass: number, mask: number): number {
  let h = 0;
  h = mix(h, tclass);
  h = mix(h, target);
  h = mix(h, source);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h & mask) >>> 0;
}

/** MAX_AVTAB_HASH_BUCKETS: expand allocates this many for a compiled policy (avtab_alloc(2^21)). */
export const AVTAB_COMPILE_MASK = (1 << 20) - 1;

/** avtab.c avtab_alloc(nrules)'s mask: what libsepol's reader (checkpolicy -b) re-buckets with. */
export function avtabAllocMask(nrules: number): number {
  if (nrules === 0) return 0;
  let shift = 0;
  for (let work = nrules; work !== 0; work >>>= 1) shift++;
  if (shift > 2) shift -= 2;
  const nslot = Math.min(1 << shift, 1 << 20);
  return nslot - 1;
}
