// The outline of one document (textDocument/documentSymbol): the declarations of the analysed
// policy that are placed in it, the ones go-to-definition goes to (the name index's, as
// checkpolicy's first pass declares: `role object_r;` and a second `role R types ...` declare
// nothing), one symbol per declaration; in a tree's m4 files also each `define` (an interface),
// with the declarations its body makes placed in it as its children. A child is always inside its
// parent's range (clients require it): permissions declared apart from their class's declaration
// go under the class as their statement names it. A module modules.conf leaves off is outlined
// from the tree built with it on, each declaration saying it is not built (server.ts).
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

/** What a declaration of a module modules.conf leaves off says it is. */
const NOT_BUILT = " (not built: off in modules.conf)";

/** A declaration that holds the names declared with it: a type its aliases (`type T alias A;`), a
 *  sensitivity or category its aliases, a platform its member types. */
const HOLDS: Partial<Record<NameKind, NameKind>> = {
  type: "alias",
  sensitivity: "sensitivity",
  category: "category",
  platform: "type",
};

export interface OutlineInput {
  doc: TextDocument;
  /** The unit's name index (absent when its policy never parsed). */
  index?: IndexModel;
  /** The index is an older text's (the document as it is does not parse): only the names it still
   *  spells where the index places them are listed. */
  stale: boolean;
  /** The document is a tree's m4 source: its defines are listed too. */
  m4: boolean;
  /** The document is a module modules.conf leaves off, and `index` the tree's built with it on:
   *  each declaration says it is not built. */
  notBuilt?: boolean;
}

interface Entry {
  symbol: DocumentSymbol;
  kind: NameKind | "define";
  /** The range holds the whole statement (a .conf's), not just a line. */
  scoped: boolean;
}

export function documentOutline({
  doc,
  index,
  stale,
  m4,
  notBuilt,
}: OutlineInput): DocumentSymbol[] {
  const text = doc.getText();
  const end = doc.positionAt(text.length);
  const clamp = (p: { line: number; character: number }) =>
    p.line > end.line || (p.line === end.line && p.character > end.character) ? end : p;
  const lineRange = (line: number): Range => {
    const l = doc
      .getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } })
      .replace(/\r?\n$|\r$/, "");
    return { start: { line, character: 0 }, end: { line, character: l.length } };
  };
  const top: Entry[] = [];
  const defines = m4 ? defineEntries(doc, text) : [];
  const file = index ? index.files.indexOf(doc.uri) : -1;
  if (index && file >= 0) {
    const scopes = new Map<number, Range>();
    for (let k = 0; k < index.scopes.length; k += 5) {
      const s = index.scopes;
      scopes.set(s[k]!, {
        start: clamp({ line: s[k + 1]!, character: s[k + 2]! }),
        end: clamp({ line: s[k + 3]!, character: s[k + 4]! }),
      });
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
      const selectionRange: Range = {
        start: { line, character: index.start[i]! },
        end: {
          line,
          character: Math.min(
            index.end[i]!,
            range.end.line === line ? range.end.character : index.end[i]!,
          ),
        },
      };
      if (stale && doc.getText(selectionRange) !== name) continue;
      // a body line of a macro places each call's name at one spot: once
      const key = `${name}\0${kind}\0${line}\0${index.start[i]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const detail = `${DETAIL[kind] ?? kind}${notBuilt ? NOT_BUILT : ""}`;
      const symbol: DocumentSymbol = {
        name,
        detail,
        kind: SYMBOL_KINDS[kind],
        range,
        selectionRange,
      };
      const entry: Entry = { symbol, kind, scoped: scopes.has(i) };
      if (kind === "perm") perms.push({ entry, owner: index.names[index.owner[i]!] ?? "", at: i });
      else decls.push(entry);
      if ((kind === "class" || kind === "common") && !owners.has(name)) owners.set(name, entry);
    }
    // a declaration with the names declared in its statement (a .conf's: its ranges are statements)
    let holder: Entry | undefined;
    for (const entry of decls) {
      if (
        holder &&
        entry.scoped &&
        HOLDS[holder.kind as NameKind] === entry.kind &&
        within(entry.symbol.range, holder.symbol.range)
      ) {
        (holder.symbol.children ??= []).push(entry.symbol);
        continue;
      }
      top.push(entry);
      holder = entry.scoped ? entry : undefined;
    }
    // a permission goes under its class or common where its statement declares it (`common c {
    // ... }`); else (a policy.conf's `class c { ... }` apart from `class c`, a tree's
    // access_vectors, whose classes security_classes declares) under the class as named where
    // the permissions are defined: a client wants each child inside its parent's range
    const given = new Map<number, Entry>();
    for (const { entry, owner, at } of perms) {
      let parent = owners.get(owner);
      if (!parent || !within(entry.symbol.range, parent.symbol.range)) {
        const named = definedAt(index, at, owner);
        if (named === undefined) {
          top.push(entry);
          continue;
        }
        parent = given.get(named);
        if (!parent) {
          const line = index.line[named]!;
          const start = { line, character: index.start[named]! };
          const selectionRange: Range = { start, end: { line, character: index.end[named]! } };
          const kind = NAME_KINDS[index.kind[named]!] === "common" ? "common" : "class";
          // (the statement, as a policy.conf's permission ranges over it; else the name's line, to
          // grow over the permissions')
          const statement = entry.scoped && within(selectionRange, entry.symbol.range);
          const range = statement ? entry.symbol.range : lineRange(line);
          const detail = `${kind} (permissions)${notBuilt ? NOT_BUILT : ""}`;
          const symbol: DocumentSymbol = {
            name: owner,
            detail,
            kind: SymbolKind.Struct,
            range,
            selectionRange,
          };
          parent = { symbol, kind, scoped: false };
          given.set(named, parent);
          top.push(parent);
        }
        const { start, end } = parent.symbol.range;
        if (before(end, entry.symbol.range.end) < 0)
          parent.symbol.range = { start, end: entry.symbol.range.end };
      }
      (parent.symbol.children ??= []).push(entry.symbol);
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

/** The class (or common) name before a permission its statement defines. */
function definedAt(index: IndexModel, perm: number, owner: string): number | undefined {
  for (let j = perm - 1; j >= 0; j--) {
    if (index.file[j] !== index.file[perm]) return undefined;
    const kind = NAME_KINDS[index.kind[j]!];
    // (the permissions before it, and the common a class inherits: `class c inherits x { p }`)
    if (kind === "perm" || (kind === "common" && index.names[index.name[j]!] !== owner)) continue;
    return (kind === "class" || kind === "common") && index.names[index.name[j]!] === owner
      ? j
      : undefined;
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

function before(
  a: { line: number; character: number },
  b: { line: number; character: number },
): number {
  return a.line - b.line || a.character - b.character;
}

function within(inner: Range, outer: Range): boolean {
  return before(outer.start, inner.start) <= 0 && before(inner.end, outer.end) <= 0;
}
