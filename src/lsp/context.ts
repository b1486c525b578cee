// Where the cursor stands in a statement, read from the text before it: what completion offers
// and what a word under the cursor is (a permission is known by the class before it).

export type Slot =
  | { kind: "statement" } // at the start of a statement: keywords (and m4 interfaces in a tree)
  | { kind: "source" }
  | { kind: "target" }
  | { kind: "class" }
  | { kind: "perm"; className: string }
  | { kind: "bool" }
  | { kind: "other" };

const RULE_WORDS =
  "allow|auditallow|dontaudit|neverallow|auditdeny|type_transition|type_change|type_member";
/** The last rule keyword of a text (none after it). */
const RULE = new RegExp(`\\b(${RULE_WORDS})\\b(?![\\s\\S]*\\b(?:${RULE_WORDS})\\b)`);

/** The text of the statement the cursor is in, up to the cursor (after the last `;`). */
export function statementPrefix(text: string, offset: number): string {
  const from = Math.max(0, offset - 4000);
  const before = text.slice(from, offset).replace(/#[^\n]*/g, "");
  const semi = Math.max(before.lastIndexOf(";"), before.lastIndexOf("}\n"));
  return before.slice(semi + 1);
}

/** The slot the cursor is in: which names belong there. */
export function slotAt(text: string, offset: number): Slot {
  const prefix = statementPrefix(text, offset);
  const condOpen = /\bif\s*\(([^)]*)$/.exec(prefix);
  if (condOpen) return { kind: "bool" };
  const rule = RULE.exec(prefix);
  // the start of a statement: only a word so far on this line, and no rule left open above it
  // (class, sid and *con statements end without a `;`, so a line is the unit here)
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  if (
    /^\s*[A-Za-z_]*$/.test(text.slice(lineStart, offset)) &&
    !RULE.test(statementPrefix(text, lineStart))
  )
    return { kind: "statement" };
  if (!rule) return { kind: "other" };
  const rest = prefix.slice(rule.index + rule[0].length);
  const colon = rest.indexOf(":");
  if (colon < 0) {
    // sets before the colon: a word or a { ... } set, separated by blanks
    const sets = completedSets(rest);
    return sets === 0 ? { kind: "source" } : { kind: "target" };
  }
  const afterColon = rest.slice(colon + 1);
  const cls = /^\s*(\{[^}]*\}|[A-Za-z0-9_]+)(\s+|\s*\{)/.exec(afterColon);
  if (!cls) return { kind: "class" };
  const className = cls[1]!.replace(/[{}]/g, " ").trim().split(/\s+/)[0]!;
  return { kind: "perm", className };
}

/** How many name sets are complete in `text` (the cursor's word, if any, not counted). */
function completedSets(text: string): number {
  let n = 0;
  let depth = 0;
  let inWord = false;
  for (const c of text) {
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) n++;
      inWord = false;
    } else if (/[A-Za-z0-9_$*~-]/.test(c)) inWord = true;
    else if (/\s/.test(c)) {
      if (inWord && depth === 0) n++;
      inWord = false;
    }
  }
  return n;
}

/** The word (a name) at or just before `offset`. */
export function wordAt(
  text: string,
  offset: number,
): { word: string; start: number; end: number } | undefined {
  let start = offset;
  let end = offset;
  while (start > 0 && /[A-Za-z0-9_]/.test(text[start - 1]!)) start--;
  while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++;
  if (start === end) return undefined;
  return { word: text.slice(start, end), start, end };
}
