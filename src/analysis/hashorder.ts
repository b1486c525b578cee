// The order libsepol 3.4 numbers types, attributes, roles, users and booleans in a kernel policy:
// expand.c copies each symbol table by iterating the base policy's hash table (symtab.c symhash,
// rotate-left-4-xor; chains sorted by strcmp; the table doubles before an insert while
// size <= nel, hashtab.c hashtab_check_resize), so a value follows hash order, not declaration
// order. setools lists a type's attributes by value, which is where users see it.

function symhash(name: string, size: number): number {
  let val = 0;
  for (const byte of Buffer.from(name, "utf8")) val = (((val << 4) | (val >>> 28)) ^ byte) >>> 0;
  return val & (size - 1);
}

/** The table size after inserting `count` names into a table of initial size `initial`. */
function finalSize(initial: number, count: number): number {
  let size = initial;
  for (let nel = 0; nel < count; nel++) while (size <= nel) size *= 2;
  return size;
}

/** A rank per name: iteration order of a libsepol hash table holding `all` (every name the table
 *  holds, aliases included) with initial size `initial` (types 512, roles 16, users 128, bools 16). */
export function hashRank(all: readonly string[], initial: number): Map<string, number> {
  const size = finalSize(initial, all.length);
  const keyed = all.map((name) => ({ name, bucket: symhash(name, size) }));
  keyed.sort((a, b) => a.bucket - b.bucket || (Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))));
  return new Map(keyed.map((k, i) => [k.name, i]));
}
