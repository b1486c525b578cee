// Lists in one option's value: `--perm plug,unplug`, `search -c domain,resource`, `init
// --platforms svp,gvp1`, `simulate --compare-xen 4.19,4.22`, `flow -b a:true,b:false`. An item
// between two commas or at an end is empty, and refused at its place in the value: a name that
// went missing there (an unset shell variable: `-p "plug,$PERM"`) must not shorten the list
// silently, as sesearch refuses `-c domain,,hvm` when it looks the empty name up.

/** Where the first empty item of a comma list is, in words ("at character 6, between two
 *  commas"), or undefined when every item has a name. Characters count from 1. */
export function emptyItem(value: string): string | undefined {
  const pieces = value.split(",");
  if (pieces.length === 1) return pieces[0]!.trim() === "" ? "the list is empty" : undefined;
  let at = 0;
  for (const [i, piece] of pieces.entries()) {
    if (piece.trim() === "") {
      const place = i === 0 ? "before the first comma" : i === pieces.length - 1 ? "after the last comma" : "between two commas";
      return `item ${i + 1} of ${pieces.length}, at character ${at + 1}, is empty (${place})`;
    }
    at += piece.length + 1;
  }
  return undefined;
}

/** The trimmed items of a comma list, or a message saying where one is empty. */
export function commaItems(value: string): { items: string[] } | { empty: string } {
  const empty = emptyItem(value);
  return empty === undefined ? { items: value.split(",").map((s) => s.trim()) } : { empty };
}

/**
 * A list of names as a policy writes a set and a shell user types one: separated by commas, blanks
 * or both (`plug,unplug`, `plug unplug`, `plug, unplug`), optionally in braces (`{ plug unplug }`).
 * A comma with no name on one side is an empty item, braces only enclose the whole list.
 */
export function nameSet(value: string): { names: string[] } | { problem: string } {
  const trimmed = value.trim();
  let inner = trimmed;
  let offset = value.indexOf(trimmed);
  if (trimmed.startsWith("{")) {
    if (!trimmed.endsWith("}") || trimmed.length === 1) return { problem: `the '{' at character ${offset + 1} has no '}' at the end of the list` };
    inner = trimmed.slice(1, -1);
    offset += 1;
  }
  const brace = /[{}]/.exec(inner);
  if (brace) return { problem: `a '${brace[0]}' at character ${offset + brace.index + 1}: braces enclose the whole list, as in '{ plug unplug }'` };
  if (inner.includes(",")) {
    const empty = emptyItem(inner);
    // (the position is the value's, not the inner list's)
    if (empty !== undefined) return { problem: empty.replace(/at character (\d+)/, (_, n: string) => `at character ${Number(n) + offset}`) };
  }
  const names = inner.split(/[\s,]+/).filter(Boolean);
  return names.length === 0 ? { problem: "the list is empty" } : { names };
}
