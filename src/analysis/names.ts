// Unknown names in a query: the error names what was asked for and suggests the nearest known
// name (edit distance), as a user mistyping `gvp1_pci` for `gvp1_pci_t` needs.

/** A query names something the policy does not have; `option` says where (e.g. "-s", "/tests/3/source"). */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super(option ? `${option}: ${message}` : message);
    this.name = "QueryError";
  }
}

/** Levenshtein distance, bounded: stops counting past `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name closest to `name`, if one is close enough to be a likely typo. */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  const max = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDist = max + 1;
  for (const k of known) {
    const d = distance(name, k, Math.min(max, bestDist));
    if (d < bestDist || (d === bestDist && best !== undefined && k < best)) {
      best = k;
      bestDist = d;
    }
  }
  return bestDist <= max ? best : undefined;
}

/** "unknown type 'x' (did you mean 'y'?)" */
export function unknownName(what: string, name: string, known: Iterable<string>, option?: string): QueryError {
  const near = nearestName(name, known);
  return new QueryError(`unknown ${what} '${name}'${near ? ` (did you mean '${near}'?)` : ""}`, option);
}
