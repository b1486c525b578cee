// What the language server keeps of one analysis, built where the analysis ran (the worker thread,
// worker.ts) and handed to the server's thread: only what requests read, in forms that are cheap to
// send between threads. The AST, the expanded rules and the locator stay behind; every occurrence
// of a name arrives already placed where the editor shows it (a .conf's own lines, or the
// .te/.if line a tree's m4 output came from), in parallel typed arrays.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Diagnostic as LspDiagnostic, Range } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { MacroDef } from "../build/macros.js";
import type { PolicyTree } from "../build/index.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type { PlatformDecl } from "../policy/ast.js";
import { LineMap } from "../policy/lines.js";
import type { Analysis, TreeAnalysis } from "./analysis.js";
import type { SymbolKind } from "./symbols.js";

/** The symbol tables as hover and completion read them. */
export interface NamesModel {
  types: { name: string; aliases: string[] }[];
  /** Rules (allow, auditallow, dontaudit; attributes expanded) naming each type; absent when the
   *  policy did not get as far as expansion. */
  ruleCounts?: Int32Array;
  /** Type names and aliases -> type id. */
  typeIds: Map<string, number>;
  attrs: { name: string; members: Int32Array }[];
  attrIds: Map<string, number>;
  classes: { name: string; perms: string[]; common?: string }[];
  classIds: Map<string, number>;
  bools: { name: string; value: boolean }[];
  boolIds: Map<string, number>;
  conds: { bools: number[]; text: string; line: number }[];
  roles: { name: string; types: number }[];
  roleIds: Map<string, number>;
  users: { name: string; roles: number[] }[];
  userIds: Map<string, number>;
}

export const KINDS: readonly SymbolKind[] = ["type", "attribute", "alias", "typeish", "class", "common", "perm", "bool", "role", "user", "sid", "platform"];

/** Every occurrence of every name, column by column; `file[i]` < 0 when it could not be placed. */
export interface IndexModel {
  names: string[];
  name: Int32Array;
  kind: Uint8Array;
  decl: Uint8Array;
  /** For a permission: the name index of its class (or common), else -1. */
  owner: Int32Array;
  files: string[];
  file: Int32Array;
  line: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

export interface Model {
  unit: string;
  version: number;
  /** Diagnostics by document URI, ready to publish. */
  diagnostics: [string, LspDiagnostic[]][];
  index?: IndexModel;
  names?: NamesModel;
  platforms: PlatformDecl[];
  /** A tree's layout and m4 interfaces (the server reads the files' texts itself). */
  tree?: PolicyTree;
  macros?: Map<string, MacroDef>;
}

/** Where the analysis came from: a .conf document, or a tree. */
export type Origin = { kind: "conf"; uri: string } | { kind: "tree"; root: string };

export function zero(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function spanRange(span: Span): Range {
  return {
    start: { line: span.line - 1, character: span.col - 1 },
    end: { line: span.endLine - 1, character: Math.max(span.endCol - 1, span.col - 1) },
  };
}

export function buildModel(a: Analysis | TreeAnalysis, origin: Origin, unit: string, version: number): Model {
  const doc = origin.kind === "conf" ? TextDocument.create(origin.uri, "xsm-policy", 0, a.text) : undefined;
  const tree = "tree" in a ? (a as TreeAnalysis) : undefined;
  const fileUri = (file: string) => pathToFileURL(resolve(tree!.tree.dir, file)).href;
  return {
    unit,
    version,
    diagnostics: diagnosticsByUri(a, origin, doc, fileUri),
    index: a.index ? indexModel(a, origin, doc, tree, fileUri) : undefined,
    names: a.symbols ? namesModel(a) : undefined,
    platforms: a.platforms,
    tree: tree?.tree,
    macros: tree?.macros,
  };
}

function namesModel(a: Analysis): NamesModel {
  const sym = a.symbols!;
  let ruleCounts: Int32Array | undefined;
  if (a.expanded) {
    // each rule once per type it names, in its sources or its targets
    ruleCounts = new Int32Array(sym.types.length);
    const last = new Int32Array(sym.types.length).fill(-1);
    a.expanded.rules.forEach((r, i) => {
      for (const ids of [r.sources, r.targets]) {
        for (let k = 0; k < ids.length; k++) {
          const t = ids[k]!;
          if (last[t] !== i) {
            last[t] = i;
            ruleCounts![t]!++;
          }
        }
      }
    });
  }
  return {
    types: sym.types.map((t) => ({ name: t.name, aliases: t.aliases })),
    ruleCounts,
    typeIds: sym.typeIds,
    attrs: sym.attrs.map((x) => ({ name: x.name, members: x.members })),
    attrIds: sym.attrIds,
    classes: sym.classes.map((c) => (c.common ? { name: c.name, perms: c.perms, common: c.common } : { name: c.name, perms: c.perms })),
    classIds: sym.classIds,
    bools: sym.bools.map((b) => ({ name: b.name, value: b.value })),
    boolIds: sym.boolIds,
    conds: sym.conds.map((c) => ({ bools: c.bools, text: c.text, line: c.span.line })),
    roles: sym.roles.map((r) => ({ name: r.name, types: r.types.size })),
    roleIds: sym.roleIds,
    users: sym.users.map((u) => ({ name: u.name, roles: [...u.roles] })),
    userIds: sym.userIds,
  };
}

/** Start of `word` as a whole word in `line`, or -1. */
function wordIndex(line: string, word: string): number {
  const m = new RegExp(`(^|[^A-Za-z0-9_])${word}(?![A-Za-z0-9_])`).exec(line);
  return m ? m.index + m[1]!.length : -1;
}

function indexModel(a: Analysis, origin: Origin, doc: TextDocument | undefined, tree: TreeAnalysis | undefined, fileUri: (file: string) => string): IndexModel {
  const occ = a.index!.occurrences;
  const n = occ.length;
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const intern = (s: string): number => {
    let id = nameIds.get(s);
    if (id === undefined) nameIds.set(s, (id = names.push(s) - 1));
    return id;
  };
  const files: string[] = [];
  const fileIds = new Map<string, number>();
  const fileId = (uri: string): number => {
    let id = fileIds.get(uri);
    if (id === undefined) fileIds.set(uri, (id = files.push(uri) - 1));
    return id;
  };
  const m: IndexModel = {
    names,
    name: new Int32Array(n),
    kind: new Uint8Array(n),
    decl: new Uint8Array(n),
    owner: new Int32Array(n),
    files,
    file: new Int32Array(n),
    line: new Int32Array(n),
    start: new Int32Array(n),
    end: new Int32Array(n),
  };
  const kindIds = new Map(KINDS.map((k, i) => [k, i]));
  // a tree's occurrences: through the locator to the .te/.if line, where the name is written (or,
  // for a name a macro's argument brought, the call that passed it)
  const lineCache = new Map<string, string[] | undefined>();
  const linesOf = (file: string) => {
    if (!lineCache.has(file)) lineCache.set(file, tree!.sources(file)?.split("\n"));
    return lineCache.get(file);
  };
  const confLines = tree?.locator ? new LineMap(a.text, "policy.conf") : undefined;
  for (let i = 0; i < n; i++) {
    const o = occ[i]!;
    m.name[i] = intern(o.name);
    m.kind[i] = kindIds.get(o.kind)!;
    m.decl[i] = o.decl ? 1 : 0;
    m.owner[i] = o.owner === undefined ? -1 : intern(o.owner);
    m.file[i] = -1;
    if (doc) {
      const p = doc.positionAt(o.offset);
      m.file[i] = fileId(origin.kind === "conf" ? origin.uri : "");
      m.line[i] = p.line;
      m.start[i] = p.character;
      m.end[i] = p.character + o.length;
      continue;
    }
    if (!tree?.locator || !confLines) continue;
    const located = tree.locator.locate(confLines.span(o.offset, o.offset + o.length));
    const candidates = [located.span, ...[...located.context].reverse().map((c) => c.span)];
    for (const span of candidates) {
      if (!span) continue;
      const line = linesOf(span.file)?.[span.line - 1];
      if (line === undefined) continue;
      const at = line.slice(span.col - 1).startsWith(o.name) ? span.col - 1 : wordIndex(line, o.name);
      if (at < 0) continue;
      m.file[i] = fileId(fileUri(span.file));
      m.line[i] = span.line - 1;
      m.start[i] = at;
      m.end[i] = at + o.name.length;
      break;
    }
    if (m.file[i]! < 0) {
      const r = spanRange(located.span);
      m.file[i] = fileId(fileUri(located.span.file));
      m.line[i] = r.start.line;
      m.start[i] = r.start.character;
      m.end[i] = r.start.line === r.end.line ? r.end.character : r.start.character + o.name.length;
    }
  }
  return m;
}

function diagnosticsByUri(a: Analysis, origin: Origin, doc: TextDocument | undefined, fileUri: (file: string) => string): [string, LspDiagnostic[]][] {
  const byUri = new Map<string, LspDiagnostic[]>();
  const push = (uri: string, d: LspDiagnostic) => {
    if (!byUri.has(uri)) byUri.set(uri, []);
    byUri.get(uri)!.push(d);
  };
  const rangeOf = (span: Span | undefined): { uri: string; range: Range } | undefined => {
    if (!span) return undefined;
    if (origin.kind === "conf") {
      if (span.offset < 0) return { uri: origin.uri, range: zero() };
      return { uri: origin.uri, range: { start: doc!.positionAt(span.offset), end: doc!.positionAt(span.offset + span.length) } };
    }
    return { uri: fileUri(span.file), range: spanRange(span) };
  };
  const fallback = origin.kind === "conf" ? origin.uri : pathToFileURL(resolve(origin.root, "modules/modules.conf")).href;
  for (const d of a.diagnostics) {
    const at = rangeOf(d.span) ?? { uri: fallback, range: zero() };
    const lsp: LspDiagnostic = {
      range: at.range,
      severity: d.severity === "error" ? 1 : 2, // DiagnosticSeverity.Error, .Warning
      code: d.code,
      source: "xsm",
      message: d.message,
    };
    const related = (d.notes ?? []).flatMap((note) => {
      const r = rangeOf(note.span);
      return r ? [{ location: r, message: note.message }] : [];
    });
    if (related.length > 0) lsp.relatedInformation = related;
    push(at.uri, lsp);
    // an error inside a macro also shows where the macro was called (the outermost call), so the
    // file being edited hears of it
    const call = [...(d.notes ?? [])].reverse().find((note) => note.message.startsWith("in expansion of"));
    const callAt = call && rangeOf(call.span);
    if (callAt && callAt.uri !== at.uri) {
      push(callAt.uri, { ...lsp, range: callAt.range, message: `${d.message} (${call.message.replace(/ at \S+$/, "")})`, relatedInformation: [{ location: at, message: d.message }] });
    }
  }
  return [...byUri];
}
