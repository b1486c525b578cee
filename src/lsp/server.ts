// `xsm lsp`: a Language Server Protocol server for policy.conf files and Xen policy trees (a folder
// with modules/modules.conf, built as `xsm build` builds it). Diagnostics as you type (debounced,
// the compiler's codes and messages, notes as related information), hover, definition,
// references, completion, document symbols, formatting (xsm fmt) and rename of a type or
// attribute. Requests are answered from the last analysis, so they never wait for a compile.
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CompletionItemKind,
  DiagnosticSeverity,
  SymbolKind as LspSymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import { createConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { macroCalls } from "../build/macros.js";
import { formatSource, kindOf } from "../fmt/format.js";
import type { Span } from "../diagnostics/diagnostic.js";
import { LineMap } from "../policy/lines.js";
import { analyzeText, analyzeTree, treeRootOf, type Analysis, type TreeAnalysis } from "./analysis.js";
import { slotAt, wordAt } from "./context.js";
import { describe } from "./hover.js";
import type { Occurrence, SymbolKind } from "./symbols.js";

export interface ServerOptions {
  /** Quiet time after a change before the policy is analysed again (ms). */
  debounceMs?: number;
  flaskDir?: string;
}

const KEYWORDS = [
  "allow", "auditallow", "dontaudit", "neverallow", "type_transition", "type_change", "type_member", "type", "typealias",
  "typeattribute", "attribute", "bool", "if", "else", "role", "user", "class", "common", "inherits", "sid", "constrain",
  "validatetrans", "pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon", "platform", "hwdom", "guest", "device",
];

/** A unit of analysis: one policy.conf document, or one tree. */
type Unit = { kind: "conf"; key: string; uri: string } | { kind: "tree"; key: string; root: string };

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const debounce = options.debounceMs ?? 150;
  const analyses = new Map<string, Analysis | TreeAnalysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  const published = new Map<string, Set<string>>(); // unit -> uris with diagnostics
  let flaskDir = options.flaskDir;

  const pathOf = (uri: string): string => (uri.startsWith("file:") ? fileURLToPath(uri) : uri);
  const unitOf = (uri: string): Unit => {
    const path = pathOf(uri);
    const root = path.endsWith(".conf") && !path.endsWith("modules.conf") ? undefined : treeRootOf(path);
    return root ? { kind: "tree", key: `tree:${root}`, root } : { kind: "conf", key: `conf:${uri}`, uri };
  };

  const analyze = (unit: Unit): void => {
    let analysis: Analysis | TreeAnalysis;
    if (unit.kind === "conf") {
      const doc = documents.get(unit.uri);
      if (!doc) return;
      analysis = analyzeText(doc.getText(), pathOf(unit.uri));
    } else {
      const overlay = new Map<string, string>();
      for (const doc of documents.all()) overlay.set(resolve(pathOf(doc.uri)), doc.getText());
      try {
        analysis = analyzeTree(unit.root, overlay, flaskDir);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const doc = documents.all().find((d) => unitOf(d.uri).key === unit.key);
        if (doc) connection.sendDiagnostics({ uri: doc.uri, diagnostics: [{ range: zero(), severity: DiagnosticSeverity.Error, source: "xsm", code: "input", message }] });
        return;
      }
    }
    const previous = analyses.get(unit.key);
    // a text that does not parse keeps the last good index for navigation
    // a text that does not parse or resolve keeps the last good names for hover and completion
    if (previous && !analysis.index && previous.index) analysis = { ...analysis, index: previous.index, ast: previous.ast, text: previous.text };
    if (previous && !analysis.symbols && previous.symbols) analysis = { ...analysis, symbols: previous.symbols, expanded: previous.expanded };
    analyses.set(unit.key, analysis);
    publish(unit, analysis);
  };

  // an analysis blocks the server while it runs (a 6 MB policy takes seconds), so the quiet time
  // grows with the last analysis's length: while someone types, requests are answered at once
  const lastMs = new Map<string, number>();
  const schedule = (uri: string): void => {
    const unit = unitOf(uri);
    clearTimeout(timers.get(unit.key));
    const quiet = Math.max(debounce, Math.min(lastMs.get(unit.key) ?? 0, 3000));
    timers.set(unit.key, setTimeout(() => {
      timers.delete(unit.key);
      const t0 = performance.now();
      analyze(unit);
      lastMs.set(unit.key, performance.now() - t0);
    }, quiet));
  };

  // ---- positions ---------------------------------------------------------------------------

  const confDoc = (a: Analysis) => TextDocument.create("file:///policy.conf", "xsm-policy", 0, a.text);
  const docCache = new WeakMap<Analysis, TextDocument>();
  const textDoc = (a: Analysis): TextDocument => {
    let d = docCache.get(a);
    if (!d) docCache.set(a, (d = confDoc(a)));
    return d;
  };
  const lineMaps = new WeakMap<Analysis, LineMap>();
  const confSpan = (a: Analysis, offset: number, length: number): Span => {
    let m = lineMaps.get(a);
    if (!m) lineMaps.set(a, (m = new LineMap(a.text, "policy.conf")));
    return m.span(offset, offset + length);
  };
  const spanRange = (span: Span): Range => ({
    start: { line: span.line - 1, character: span.col - 1 },
    end: { line: span.endLine - 1, character: Math.max(span.endCol - 1, span.col - 1) },
  });
  const fileUri = (a: TreeAnalysis, file: string) => pathToFileURL(resolve(a.tree.dir, file)).href;

  /** Where an occurrence is, as the editor sees it. */
  const locationOf = (unit: Unit, a: Analysis, o: { offset: number; length: number; name: string }): Location | undefined => {
    if (unit.kind === "conf") {
      const d = textDoc(a);
      return { uri: unit.uri, range: { start: d.positionAt(o.offset), end: d.positionAt(o.offset + o.length) } };
    }
    const t = a as TreeAnalysis;
    if (!t.locator) return undefined;
    const located = t.locator.locate(confSpan(a, o.offset, o.length));
    const candidates = [located.span, ...[...located.context].reverse().map((n) => n.span)];
    for (const span of candidates) {
      if (!span) continue;
      const line = t.sources(span.file)?.split("\n")[span.line - 1];
      if (line === undefined) continue;
      const at = line.slice(span.col - 1).startsWith(o.name) ? span.col - 1 : wordIndex(line, o.name);
      if (at >= 0) return { uri: fileUri(t, span.file), range: { start: { line: span.line - 1, character: at }, end: { line: span.line - 1, character: at + o.name.length } } };
    }
    return { uri: fileUri(t, located.span.file), range: spanRange(located.span) };
  };

  // ---- diagnostics -------------------------------------------------------------------------

  const publish = (unit: Unit, a: Analysis): void => {
    const byUri = new Map<string, LspDiagnostic[]>();
    const rangeOf = (span: Span | undefined): { uri: string; range: Range } | undefined => {
      if (!span) return undefined;
      if (unit.kind === "conf") {
        if (span.offset < 0) return { uri: unit.uri, range: zero() };
        const d = textDoc(a);
        return { uri: unit.uri, range: { start: d.positionAt(span.offset), end: d.positionAt(span.offset + span.length) } };
      }
      return { uri: fileUri(a as TreeAnalysis, span.file), range: spanRange(span) };
    };
    for (const d of a.diagnostics) {
      const at = rangeOf(d.span) ?? { uri: unit.kind === "conf" ? unit.uri : pathToFileURL(resolve(unit.root, "modules/modules.conf")).href, range: zero() };
      const lsp: LspDiagnostic = {
        range: at.range,
        severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
        code: d.code,
        source: "xsm",
        message: d.message,
      };
      const related = (d.notes ?? []).flatMap((n) => {
        const r = rangeOf(n.span);
        return r ? [{ location: r, message: n.message }] : [];
      });
      if (related.length > 0) lsp.relatedInformation = related;
      if (!byUri.has(at.uri)) byUri.set(at.uri, []);
      byUri.get(at.uri)!.push(lsp);
      // an error inside a macro also shows where the macro was called (the outermost call), so the
      // file being edited hears of it
      const call = [...(d.notes ?? [])].reverse().find((n) => n.message.startsWith("in expansion of"));
      const callAt = call && rangeOf(call.span);
      if (callAt && callAt.uri !== at.uri) {
        if (!byUri.has(callAt.uri)) byUri.set(callAt.uri, []);
        byUri.get(callAt.uri)!.push({ ...lsp, range: callAt.range, message: `${d.message} (${call.message.replace(/ at \S+$/, "")})`, relatedInformation: [{ location: at, message: d.message }] });
      }
    }
    const before = published.get(unit.key) ?? new Set<string>();
    for (const uri of before) if (!byUri.has(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
    // every open document of the unit hears, so an editor clears what it showed
    for (const doc of documents.all()) if (unitOf(doc.uri).key === unit.key && !byUri.has(doc.uri)) byUri.set(doc.uri, []);
    for (const [uri, diagnostics] of byUri) connection.sendDiagnostics({ uri, diagnostics });
    published.set(unit.key, new Set(byUri.keys()));
  };

  // ---- lookups -----------------------------------------------------------------------------

  /** The analysis for a document, and the word under the cursor with the symbol kinds it may be. */
  const lookup = (uri: string, pos: Position) => {
    const doc = documents.get(uri);
    const unit = unitOf(uri);
    const a = analyses.get(unit.key);
    if (!doc || !a) return undefined;
    const text = doc.getText();
    const offset = doc.offsetAt(pos);
    const w = wordAt(text, offset);
    if (!w) return undefined;
    const slot = slotAt(text, w.start);
    return { doc, unit, a, w, slot };
  };

  const KIND_ORDER: SymbolKind[] = ["type", "alias", "attribute", "class", "common", "bool", "role", "user", "sid", "platform"];
  /** The occurrences of a name: a permission by its class, else the first kind that declares it. */
  const occurrencesOf = (a: Analysis, name: string, slot: ReturnType<typeof slotAt>): { kind: SymbolKind; list: Occurrence[] } | undefined => {
    const index = a.index;
    if (!index) return undefined;
    if (slot.kind === "perm") {
      const list = index.byName.get(`perm:${name}`);
      if (list) return { kind: "perm", list };
    }
    for (const kind of KIND_ORDER) {
      const list = index.byName.get(`${kind}:${name}`);
      if (list && list.some((o) => o.decl)) return { kind, list: kind === "type" ? [...list, ...(index.byName.get(`alias:${name}`) ?? [])].filter(uniq()) : list };
    }
    const perms = index.byName.get(`perm:${name}`);
    return perms ? { kind: "perm", list: perms } : undefined;
  };

  // ---- handlers ----------------------------------------------------------------------------

  connection.onInitialize((params) => {
    const init = params.initializationOptions as { flaskDir?: string } | undefined;
    if (init?.flaskDir) flaskDir = init.flaskDir;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: [":", "{", " ", "("] },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        renameProvider: { prepareProvider: true },
      },
      serverInfo: { name: "xsm", version: "0.1.0" },
    };
  });

  // (fired on open too) the first analysis of a unit runs at once; later ones wait for the typing
  // to settle
  documents.onDidChangeContent((e) => {
    const unit = unitOf(e.document.uri);
    if (!analyses.has(unit.key) && !timers.has(unit.key)) analyze(unit);
    else schedule(e.document.uri);
  });
  documents.onDidClose((e) => {
    const unit = unitOf(e.document.uri);
    if (unit.kind === "conf") {
      analyses.delete(unit.key);
      connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }
  });

  connection.onHover((params): Hover | null => {
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { a, w, slot, unit } = at;
    const tree = unit.kind === "tree" ? (a as TreeAnalysis) : undefined;
    const macro = tree?.macros.get(w.word);
    const found = occurrencesOf(a, w.word, slot);
    const value = macro && !found ? describeMacro(tree!, w.word) : describe(a, w.word, found?.kind, slot);
    if (!value) return null;
    const doc = at.doc;
    return { contents: { kind: "markdown", value }, range: { start: doc.positionAt(w.start), end: doc.positionAt(w.end) } };
  });

  connection.onDefinition((params): Location[] | null => {
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { a, w, slot, unit } = at;
    if (unit.kind === "tree") {
      const def = (a as TreeAnalysis).macros.get(w.word);
      if (def) return [macroLocation(a as TreeAnalysis, def.file, def.bodyOffset, w.word)];
    }
    const found = occurrencesOf(a, w.word, slot);
    if (!found) return null;
    const decls = found.list.filter((o) => o.decl && (found.kind !== "perm" || slot.kind !== "perm" || o.owner === slot.className || !found.list.some((x) => x.decl && x.owner === slot.className)));
    return decls.flatMap((o) => locationOf(unit, a, o) ?? []);
  });

  connection.onReferences((params): Location[] | null => {
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { a, w, slot, unit } = at;
    if (unit.kind === "tree" && (a as TreeAnalysis).macros.has(w.word)) return macroReferences(a as TreeAnalysis, w.word);
    const found = occurrencesOf(a, w.word, slot);
    if (!found) return null;
    const seen = new Set<string>();
    return found.list
      .filter((o) => params.context.includeDeclaration || !o.decl)
      .flatMap((o) => locationOf(unit, a, o) ?? [])
      .filter((l) => {
        const key = `${l.uri}:${l.range.start.line}:${l.range.start.character}`;
        return !seen.has(key) && (seen.add(key), true);
      });
  });

  connection.onCompletion((params): CompletionItem[] => {
    const doc = documents.get(params.textDocument.uri);
    const unit = unitOf(params.textDocument.uri);
    const a = analyses.get(unit.key);
    if (!doc) return [];
    const slot = slotAt(doc.getText(), doc.offsetAt(params.position));
    const sym = a?.symbols;
    const items = (names: Iterable<string>, kind: CompletionItemKind, detail: string) => [...names].map((label) => ({ label, kind, detail }));
    switch (slot.kind) {
      case "statement": {
        const out = items(KEYWORDS, CompletionItemKind.Keyword, "keyword");
        if (unit.kind === "tree" && a) out.push(...items((a as TreeAnalysis).macros.keys(), CompletionItemKind.Function, "m4 interface"));
        return out;
      }
      case "source":
      case "target": {
        if (!sym) return [];
        const out = [...items(sym.types.map((t) => t.name), CompletionItemKind.Class, "type"), ...items(sym.attrs.map((x) => x.name), CompletionItemKind.Interface, "attribute")];
        if (slot.kind === "target") out.push({ label: "self", kind: CompletionItemKind.Keyword, detail: "the source type" });
        return out;
      }
      case "class":
        return sym ? items(sym.classes.map((c) => c.name), CompletionItemKind.Struct, "class") : [];
      case "perm": {
        const cls = sym?.classes[sym.classIds.get(slot.className) ?? -1];
        return cls ? items(cls.perms, CompletionItemKind.Field, `permission of ${cls.name}`) : [];
      }
      case "bool":
        return sym ? items(sym.bools.map((b) => b.name), CompletionItemKind.Variable, "boolean") : [];
      default:
        return [];
    }
  });

  connection.onDocumentSymbol((params): DocumentSymbol[] => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? documentSymbols(doc) : [];
  });

  connection.onDocumentFormatting((params): TextEdit[] => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const text = doc.getText();
    let formatted: string;
    try {
      formatted = formatSource(text, kindOf(pathOf(doc.uri)));
    } catch {
      return []; // fmt refuses what it cannot lay out safely; the document stays as it is
    }
    if (formatted === text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: formatted }];
  });

  connection.onPrepareRename((params) => {
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const found = occurrencesOf(at.a, at.w.word, at.slot);
    if (!found || (found.kind !== "type" && found.kind !== "attribute" && found.kind !== "alias")) return null;
    return { start: at.doc.positionAt(at.w.start), end: at.doc.positionAt(at.w.end) };
  });

  connection.onRenameRequest((params): WorkspaceEdit | null => {
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { a, w, slot, unit } = at;
    const found = occurrencesOf(a, w.word, slot);
    if (!found || (found.kind !== "type" && found.kind !== "attribute" && found.kind !== "alias")) return null;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(params.newName)) return null;
    const changes: Record<string, TextEdit[]> = {};
    if (unit.kind === "conf") {
      changes[unit.uri] = found.list.map((o) => ({ range: locationOf(unit, a, o)!.range, newText: params.newName }));
      return { changes };
    }
    // a tree: the name as a whole word in every source file of the tree (macro arguments
    // included), outside comments
    const t = a as TreeAnalysis;
    for (const file of t.tree.sections) {
      const text = t.sources(file);
      if (text === undefined) continue;
      const edits = wordEdits(text, w.word, params.newName);
      if (edits.length > 0) changes[fileUri(t, file)] = edits;
    }
    return { changes };
  });

  documents.listen(connection);
  connection.listen();

  function describeMacro(t: TreeAnalysis, name: string): string {
    const def = t.macros.get(name)!;
    const text = t.sources(def.file) ?? "";
    const defineAt = text.lastIndexOf("define(", def.bodyOffset);
    const lines = text.slice(0, defineAt).split("\n");
    lines.pop();
    const comment: string[] = [];
    while (lines.length > 0 && /^\s*#/.test(lines[lines.length - 1]!)) comment.unshift(lines.pop()!.replace(/^\s*#\s?/, ""));
    const line = text.slice(0, def.bodyOffset).split("\n").length;
    const calls = macroReferences(t, name).length;
    return [`**m4 interface** \`${name}\` — ${def.file}:${line}`, "", comment.join("\n"), "", `called ${calls} time${calls === 1 ? "" : "s"} in the tree`].join("\n");
  }

  function macroLocation(t: TreeAnalysis, file: string, offset: number, name: string): Location {
    const text = t.sources(file) ?? "";
    const nameAt = text.lastIndexOf(name, offset);
    const at = nameAt >= 0 ? nameAt : offset;
    const doc = TextDocument.create("x", "x", 0, text);
    return { uri: fileUri(t, file), range: { start: doc.positionAt(at), end: doc.positionAt(at + name.length) } };
  }

  function macroReferences(t: TreeAnalysis, name: string): Location[] {
    const out: Location[] = [];
    for (const file of t.tree.sections) {
      const text = t.sources(file);
      if (text === undefined || !text.includes(name)) continue;
      const doc = TextDocument.create("x", "x", 0, text);
      for (const call of macroCalls(text, 0, text.length, t.macros)) {
        if (call.name === name) out.push({ uri: fileUri(t, file), range: { start: doc.positionAt(call.offset), end: doc.positionAt(call.offset + name.length) } });
      }
    }
    return out;
  }
}

function zero(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function uniq<T>() {
  const seen = new Set<T>();
  return (x: T) => !seen.has(x) && (seen.add(x), true);
}

/** Start of `word` as a whole word in `line`, or -1. */
function wordIndex(line: string, word: string): number {
  const m = new RegExp(`(^|[^A-Za-z0-9_])${word}(?![A-Za-z0-9_])`).exec(line);
  return m ? m.index + m[1]!.length : -1;
}

/** Edits replacing `word` as a whole word outside `#` comments. */
function wordEdits(text: string, word: string, to: string): TextEdit[] {
  const edits: TextEdit[] = [];
  text.split("\n").forEach((line, n) => {
    const code = line.replace(/#.*/, "");
    const re = new RegExp(`(^|[^A-Za-z0-9_])(${word})(?![A-Za-z0-9_])`, "g");
    for (const m of code.matchAll(re)) {
      const at = m.index! + m[1]!.length;
      edits.push({ range: { start: { line: n, character: at }, end: { line: n, character: at + word.length } }, newText: to });
    }
  });
  return edits;
}

const DECL = /^[ \t]*(type|attribute|bool|role|user|class|common|platform|typealias)[ \t]+([A-Za-z0-9_]+)/;
const DEFINE = /^[ \t]*define\(`([A-Za-z0-9_]+)'/;

/** The outline: declarations and m4 interface definitions, one per line where they start. */
function documentSymbols(doc: TextDocument): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const kinds: Record<string, LspSymbolKind> = {
    type: LspSymbolKind.Class,
    attribute: LspSymbolKind.Interface,
    bool: LspSymbolKind.Boolean,
    role: LspSymbolKind.Namespace,
    user: LspSymbolKind.Object,
    class: LspSymbolKind.Struct,
    common: LspSymbolKind.Struct,
    platform: LspSymbolKind.Module,
    typealias: LspSymbolKind.Class,
  };
  const seenClass = new Set<string>();
  doc
    .getText()
    .split("\n")
    .forEach((line, n) => {
      const d = DEFINE.exec(line);
      const m = d ? undefined : DECL.exec(line);
      const name = d ? d[1]! : m?.[2];
      if (!name) return;
      if (m?.[1] === "class") {
        if (seenClass.has(name)) return; // the access-vector definition of a declared class
        seenClass.add(name);
      }
      const start = line.indexOf(name, d ? 0 : line.indexOf(m![1]!) + m![1]!.length);
      const range: Range = { start: { line: n, character: 0 }, end: { line: n, character: line.length } };
      out.push({
        name,
        detail: d ? "m4 interface" : m![1],
        kind: d ? LspSymbolKind.Function : kinds[m![1]!]!,
        range,
        selectionRange: { start: { line: n, character: start }, end: { line: n, character: start + name.length } },
      });
    });
  return out;
}

/** Stdio server for `xsm lsp`. */
export async function runStdioServer(options: ServerOptions = {}): Promise<void> {
  const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  startServer(connection, options);
  await new Promise<void>((done) => connection.onExit(() => done()));
}
