// Guards for JSON documents users hand in (scenarios, queries), with no Node module: the studio
// page runs them in the browser too.

/** The first place where a parsed JSON document nests deeper than `limit` (arrays and objects),
 *  as a JSON path, or undefined. Walked with an explicit stack: the document may be nested far
 *  deeper than the call stack that validates it recursively could bear. */
export function jsonTooDeep(data: unknown, limit: number): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: data, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= limit) return path || "/";
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: `${path}/${i}`, depth: depth + 1 }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, depth: depth + 1 });
  }
  return undefined;
}

/** A value as a message may show it: JSON, cut to `max` characters (a 20 MB string is not echoed). */
export function shortJson(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** Where a JSON pointer's value stands in `data`, as the text gives it: per level, the key's place
 *  among its object's keys (JSON.parse keeps the text's order) or the array index; a part that is not
 *  there (a missing property) after every one that is. A parent comes before its children. */
function placeOf(data: unknown, path: string): number[] {
  const place: number[] = [];
  let node = data;
  for (const raw of path === "" ? [] : path.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const i = /^\d+$/.test(key) ? Number(key) : Infinity;
      place.push(i < node.length ? i : Infinity);
      node = node[i];
    } else if (typeof node === "object" && node !== null) {
      const i = Object.keys(node).indexOf(key);
      place.push(i < 0 ? Infinity : i);
      node = (node as Record<string, unknown>)[key];
    } else place.push(Infinity);
  }
  return place;
}

/** `items` (problems at JSON pointers into `data`) in the order of the document, as a reader meets
 *  them: the checks find them pass by pass (every duplicate name, then every unknown one), which
 *  put a problem of /tests/4 before one of /tests/1. Stable: problems at one path keep their order. */
export function inDocumentOrder<T extends { path: string }>(data: unknown, items: readonly T[]): T[] {
  const places = new Map(items.map((item) => [item.path, placeOf(data, item.path)]));
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length - b.length;
  };
  return [...items].sort((x, y) => compare(places.get(x.path)!, places.get(y.path)!));
}
