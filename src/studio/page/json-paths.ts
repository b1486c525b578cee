// JSON pointer paths <-> positions in the scenario text, through lang-json's syntax tree: a schema
// error at /steps/3/sbdf underlines that value, and completion knows where the cursor is.
import { syntaxTree } from "@codemirror/language";
import type { EditorState } from "@codemirror/state";
import type { SyntaxNode } from "@lezer/common";

const VALUE = new Set(["Object", "Array", "String", "Number", "True", "False", "Null"]);

const values = (node: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (VALUE.has(c.name)) out.push(c);
  return out;
};

function propertyName(state: EditorState, prop: SyntaxNode): string | undefined {
  const name = prop.getChild("PropertyName");
  if (!name) return undefined;
  try {
    return JSON.parse(state.sliceDoc(name.from, name.to)) as string;
  } catch {
    return undefined;
  }
}

/** The range to mark for a JSON pointer: the value there, else the nearest enclosing one
 *  (a missing property marks its object's first line). */
export function rangeOfPath(state: EditorState, path: string): { from: number; to: number } {
  const top = syntaxTree(state).topNode;
  let node: SyntaxNode | null = values(top)[0] ?? null;
  if (!node) return { from: 0, to: Math.min(1, state.doc.length) };
  const segments = path.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let keyNode: SyntaxNode | null = null;
  for (const seg of segments) {
    let next: SyntaxNode | null = null;
    keyNode = null;
    if (node.name === "Object") {
      for (const p of node.getChildren("Property")) {
        if (propertyName(state, p) === seg) {
          next = values(p)[0] ?? null;
          keyNode = p.getChild("PropertyName");
        }
      }
    } else if (node.name === "Array") next = values(node)[Number(seg)] ?? null;
    if (!next) break;
    node = next;
  }
  const firstLineEnd = state.doc.lineAt(node.from).to;
  if (node.name === "Object" || node.name === "Array") return { from: keyNode?.from ?? node.from, to: Math.max(node.from + 1, Math.min(node.to, firstLineEnd)) };
  return { from: node.from, to: node.to };
}

export interface CursorPlace {
  /** Segments of the object or array the cursor is in. */
  path: string[];
  /** Completing a property name, or the value of `key`. */
  at: "key" | "value";
  key?: string;
  /** The enclosing object's other properties (to pick a step's op schema). */
  siblings: Record<string, unknown>;
  from: number;
}

/** Where the cursor is, for completion. */
export function placeAt(state: EditorState, pos: number): CursorPlace | undefined {
  let node: SyntaxNode | null = syntaxTree(state).resolveInner(pos, -1);
  let from = pos;
  if (node.name === "String" || node.name === "PropertyName") from = node.from;
  let at: CursorPlace["at"] = "key";
  let keyName: string | undefined;
  if (node.name === "PropertyName") node = node.parent;
  else if (node.name === "String" || VALUE.has(node.name)) {
    const parent = node.parent;
    if (parent?.name === "Property") (at = "value"), (keyName = propertyName(state, parent));
    else if (parent?.name === "Array") at = "value";
    node = parent;
  } else if (node.name === "Property") {
    // after the colon, before a value
    const colon = node.getChild(":");
    if (colon && pos >= colon.to) (at = "value"), (keyName = propertyName(state, node));
  }
  const path: string[] = [];
  let obj: SyntaxNode | null = null;
  for (let n = node; n; n = n.parent) {
    if ((n.name === "Object" || n.name === "Array") && !obj) obj = n;
    const parent = n.parent;
    if (!parent) break;
    if (parent.name === "Property" && VALUE.has(n.name)) path.unshift(propertyName(state, parent) ?? "");
    if (parent.name === "Array" && VALUE.has(n.name)) path.unshift(String(values(parent).findIndex((v) => v.from === n.from)));
  }
  // an unterminated string is an error node to the parser: the line's text says what is typed
  const line = state.doc.lineAt(pos);
  const before = state.sliceDoc(line.from, pos);
  const value = /"((?:[^"\\]|\\.)*)"\s*:\s*("[^"]*)?$/.exec(before);
  const key = /^\s*("[^"]*)?$/.exec(before) ?? /[{,]\s*("[^"]*)?$/.exec(before);
  if (value) (at = "value"), (keyName = value[1]), (from = pos - (value[2]?.length ?? 0));
  else if (key) (at = "key"), (keyName = undefined), (from = pos - (key[1]?.length ?? 0));
  const siblings: Record<string, unknown> = {};
  if (obj?.name === "Object") {
    for (const p of obj.getChildren("Property")) {
      const k = propertyName(state, p);
      const v = values(p)[0];
      if (k && v && v.name === "String") siblings[k] = JSON.parse(state.sliceDoc(v.from, v.to));
    }
  }
  return { path, at, ...(keyName !== undefined ? { key: keyName } : {}), siblings, from };
}
