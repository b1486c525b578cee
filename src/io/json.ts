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
