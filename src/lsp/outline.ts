// The outline of one document (textDocument/documentSymbol): the declarations of the analysed
// policy that are placed in it, the ones go-to-definition goes to (the name index's, as
// checkpolicy's first pass declares: `role object_r;` and a second `role R types ...` declare
// nothing), one symbol per declaration; in a tree's m4 files also each `define` (an interface),
// with the declarations its body makes placed in it as its children.
import { SymbolKind, type DocumentSymbol, type Range } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { macroDefinitions } from "../build/macros.js";
import { NAME_KINDS, type NameKind } from "../policy/name-index.js";
import type { IndexModel } from "./model.js";

export const SYMBOL_KINDS: Record<NameKind, SymbolKind> = {
  type: SymbolKind.Class,
  attribute: SymbolKind.Interface,
  alias: SymbolKind.Class,
  typeish: SymbolKind.Class,
  class: SymbolKind.Struct,
  common: SymbolKind.Struct,
  perm: SymbolKind.Field,
  bool: SymbolKind.Boolean,
  role: SymbolKind.Namespace,
  user: SymbolKind.Object,
  sid: SymbolKind.Constant,
  platform: SymbolKind.Module,
  sensitivity: SymbolKind.Constant,
  category: SymbolKind.EnumMember,
};

/** What a declaration is, as the outline's detail says it (the statement's keyword). */
const DETAIL: Partial<Record<NameKind, string>> = { perm: "permission", sid: "initial SID" };

/** A declaration that holds the names declared with it: a type its aliases (`type T alias A;`), a
 *  sensitivity or category its aliases, a platform its member types. */
const HOLDS: Partial<Record<NameKind, NameKind>> = { type: "alias", sensitivity: "sensitivity", category: "category", platform: "type" };

export interface OutlineInput {
  doc: TextDocument;
  /** The unit's name index (absent when its policy never parsed). */
  index?: IndexModel;
  /** The index is an older text's (the document as it is does not parse): only the names it still
   *  spells where the index places them are listed. */
  stale: boolean;
  /** The document is a tree's m4 source: its defines are listed too. */
  m4: boolean;
}

interface Entry {
  symbol: DocumentSymbol;
  kind: NameKind | "define";
  /** The range holds the whole statement (a .conf's), not just a line. */
  scoped: boolean;
}

export function documentOutline({ doc, index, stale, m4 }: OutlineInput): DocumentSymbol[] {
  const text = doc.getText();
  const end = doc.positionAt(text.length);
  const clamp = (p: { line: number; character: number }) => (p.line > end.line || (p.line === end.line && p.character > end.character) ? end : p);
  const lineRange = (line: number): Range => {
    const l = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$|\r$/, "");
    return { start: { line, character: 0 }, end: { line, character: l.length } };
  };
  const top: Entry[] = [];
  const defines = m4 ? defineEntries(doc, text) : [];
  const file = index ? index.files.indexOf(doc.uri) : -1;
  if (index && file >= 0) {
    const scopes = new Map<number, Range>();
    for (let k = 0; k < index.scopes.length; k += 5) {
      const s = index.scopes;
      scopes.set(s[k]!, { start: clamp({ line: s[k + 1]!, character: s[k + 2]! }), end: clamp({ line: s[k + 3]!, character: s[k + 4]! }) });
    }
    const seen = new Set<string>();
    /** Declared classes and commons by name, which their permissions go under. */
    const owners = new Map<string, Entry>();
    const perms: { entry: Entry; owner: string; at: number }[] = [];
    const decls: Entry[] = [];
    for (let i = 0; i < index.name.length; i++) {
      if (!index.decl[i] || index.file[i] !== file) continue;
      const name = index.names[index.name[i]!]!;
      const kind = NAME_KINDS[index.kind[i]!]!;
      const line = index.line[i]!;
      const range = scopes.get(i) ?? lineRange(line);
      // (a name m4 made in a macro's body, `$1_self`, is placed where its pattern starts)
      const selectionRange: Range = { start: { line, character: index.start[i]! }, end: { line, character: Math.min(index.end[i]!, range.end.line === line ? range.end.character : index.end[i]!) } };
      if (stale && doc.getText(selectionRange) !== name) continue;
      // a body line of a macro places each call's name at one spot: once
      const key = `${name}\0${kind}\0${line}\0${index.start[i]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const symbol: DocumentSymbol = { name, detail: DETAIL[kind] ?? kind, kind: SYMBOL_KINDS[kind], range, selectionRange };
      const entry: Entry = { symbol, kind, scoped: scopes.has(i) };
      if (kind === "perm") perms.push({ entry, owner: index.names[index.owner[i]!] ?? "", at: i });
      else decls.push(entry);
      if ((kind === "class" || kind === "common") && !owners.has(name)) owners.set(name, entry);
    }
    // a declaration with the names declared in its statement (a .conf's: its ranges are statements)
    let holder: Entry | undefined;
    for (const entry of decls) {
      if (holder && entry.scoped && HOLDS[holder.kind as NameKind] === entry.kind && within(entry.symbol.range, holder.symbol.range)) {
        (holder.symbol.children ??= []).push(entry.symbol);
        continue;
      }
      top.push(entry);
      holder = entry.scoped ? entry : undefined;
    }
    // a permission goes under its class or common; where the document declares neither (a tree's
    // access_vectors, whose classes security_classes declares), under the class named where the
    // permissions are defined
    const declaredHere = new Set(owners.keys());
    for (const { entry, owner, at } of perms) {
      let parent = owners.get(owner);
      if (!parent) {
        const named = definedAt(index, at, owner);
        if (named === undefined) {
          top.push(entry);
          continue;
        }
        const line = index.line[named]!;
        const selectionRange: Range = { start: { line, character: index.start[named]! }, end: { line, character: index.end[named]! } };
        const symbol: DocumentSymbol = { name: owner, detail: "class (permissions)", kind: SymbolKind.Struct, range: lineRange(line), selectionRange };
        parent = { symbol, kind: "class", scoped: false };
        owners.set(owner, parent);
        top.push(parent);
      }
      (parent.symbol.children ??= []).push(entry.symbol);
      // (such a class ranges over its permissions' lines: no declaration of it is in the way)
      if (!declaredHere.has(owner)) parent.symbol.range = { start: parent.symbol.range.start, end: entry.symbol.range.end };
    }
  }
  // what a define's body declares (a name m4 makes from its arguments, placed in the body) is the
  // define's child
  const outside: Entry[] = [];
  for (const entry of top) {
    const define = defines.find((d) => within(entry.symbol.selectionRange, d.symbol.range));
    if (define) (define.symbol.children ??= []).push(entry.symbol);
    else outside.push(entry);
  }
  return ordered([...outside, ...defines].map((e) => e.symbol));
}

/** Symbols in the order the document has them, children too. */
function ordered(symbols: DocumentSymbol[]): DocumentSymbol[] {
  for (const s of symbols) if (s.children) ordered(s.children);
  return symbols.sort((a, b) => before(a.selectionRange.start, b.selectionRange.start));
}

/** The class (or common) name just before a permission its statement defines. */
function definedAt(index: IndexModel, perm: number, owner: string): number | undefined {
  for (let j = perm - 1; j >= 0; j--) {
    if (index.file[j] !== index.file[perm]) return undefined;
    const kind = NAME_KINDS[index.kind[j]!];
    if (kind === "perm") continue;
    return (kind === "class" || kind === "common") && index.names[index.name[j]!] === owner ? j : undefined;
  }
  return undefined;
}

/** The defines of an m4 file, each ranging from `define(` to its closing parenthesis. */
function defineEntries(doc: TextDocument, text: string): Entry[] {
  return macroDefinitions(text, "").map((def) => {
    const from = text.lastIndexOf("define", text.lastIndexOf(def.name, def.bodyOffset));
    let to = def.bodyOffset + def.body.length + 1; // the body's closing quote
    const close = /^\s*\)/.exec(text.slice(to));
    if (close) to += close[0].length;
    const at = text.indexOf(def.name, from);
    const symbol: DocumentSymbol = {
      name: def.name,
      detail: "m4 interface",
      kind: SymbolKind.Function,
      range: { start: doc.positionAt(from), end: doc.positionAt(to) },
      selectionRange: { start: doc.positionAt(at), end: doc.positionAt(at + def.name.length) },
    };
    return { symbol, kind: "define", scoped: true };
  });
}

function before(a: { line: number; character: number }, b: { line: number; character: number }): number {
  return a.line - b.line || a.character - b.character;
}

function within(inner: Range, outer: Range): boolean {
  return before(outer.start, inner.start) <= 0 && before(inner.end, outer.end) <= 0;
}
