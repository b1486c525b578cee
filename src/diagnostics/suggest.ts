// "Did you mean": the known name nearest to one a user mistyped, by a bounded edit distance. Used
// wherever a name the user gave is not in the policy (queries, contexts, options).

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
  // (a name changed in as many letters as it has is another name, not a typo: `a` is not `add`)
  return bestDist <= max && bestDist < name.length ? best : undefined;
}

/** " (did you mean 'y'?)" when a known name is near `name`, else "": the suffix of an "unknown" message. */
export function didYouMean(name: string, known: Iterable<string>): string {
  return meant(nearestName(name, known));
}

/** The suffix of an "unknown" message for the nearest known name (nearestName), "" for none. */
export function meant(near: string | undefined): string {
  return near ? ` (did you mean '${near}'?)` : "";
}
