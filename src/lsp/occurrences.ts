// Lookups in the model's index on the server's thread: the occurrences of a name as a kind, and
// which kind a word under the cursor is. The index is grouped by name once per model (a counting
// sort of its name column), so a request reads only that name's occurrences, not the half a
// million of a large policy once per kind it tries.
import type { Slot } from "./context.js";
import type { IndexModel, Model } from "./model.js";
import { NAME_KINDS, type NameKind } from "../policy/name-index.js";

interface ByName {
  ids: Map<string, number>;
  /** Occurrences of name n: at[from[n]] .. at[from[n + 1] - 1], in index order. */
  from: Int32Array;
  at: Int32Array;
}

const grouped = new WeakMap<IndexModel, ByName>();

function byName(index: IndexModel): ByName {
  let g = grouped.get(index);
  if (g) return g;
  const n = index.names.length;
  const from = new Int32Array(n + 1);
  for (let i = 0; i < index.name.length; i++) from[index.name[i]! + 1]!++;
  for (let k = 0; k < n; k++) from[k + 1]! += from[k]!;
  const fill = from.slice(0, n);
  const at = new Int32Array(index.name.length);
  for (let i = 0; i < index.name.length; i++) at[fill[index.name[i]!]!++] = i;
  g = { ids: new Map(index.names.map((name, i) => [name, i])), from, at };
  grouped.set(index, g);
  return g;
}

const TYPEISH = NAME_KINDS.indexOf("typeish");

/** Occurrences (indexes into the model's columns, in index order) of `name` as `kind`; a typeish
 *  use (a name in a type set: a type, an attribute or an alias) counts for each of those kinds. */
export function occurrences(index: IndexModel, name: string, kind: NameKind): number[] {
  const g = byName(index);
  const id = g.ids.get(name);
  if (id === undefined) return [];
  const want = NAME_KINDS.indexOf(kind);
  const typeish = kind === "type" || kind === "attribute" || kind === "alias" ? TYPEISH : -1;
  const out: number[] = [];
  for (let k = g.from[id]!; k < g.from[id + 1]!; k++) {
    const i = g.at[k]!;
    if (index.kind[i] === want || index.kind[i] === typeish) out.push(i);
  }
  return out;
}

/** Whether `name` is declared as `kind` anywhere in the index. */
export function declared(index: IndexModel, name: string, kind: NameKind): boolean {
  return occurrences(index, name, kind).some((i) => index.decl[i] === 1);
}

const KIND_ORDER: NameKind[] = [
  "type",
  "alias",
  "attribute",
  "class",
  "common",
  "bool",
  "role",
  "user",
  "sid",
  "platform",
  "sensitivity",
  "category",
];

/** The occurrences of a name: a permission by its class, else the first kind that declares it
 *  (object_r a role, which libsepol's policydb declares and no statement does: its uses, none a
 *  declaration). */
export function occurrencesOf(
  m: Model,
  name: string,
  slot: Slot,
): { kind: NameKind; list: number[] } | undefined {
  const index = m.index;
  if (!index) return undefined;
  if (slot.kind === "perm") {
    const list = occurrences(index, name, "perm");
    if (list.length) return { kind: "perm", list };
  }
  for (const kind of KIND_ORDER) {
    const list = occurrences(index, name, kind);
    if (
      list.some((i) => index.decl[i]) ||
      (kind === "role" && name === "object_r" && list.length > 0)
    )
      return { kind, list };
  }
  const perms = occurrences(index, name, "perm");
  return perms.length ? { kind: "perm", list: perms } : undefined;
}
