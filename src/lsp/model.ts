// What the language server keeps of one analysis, built where the analysis ran (the worker thread,
// worker.ts) and handed to the server's thread: only what requests read, in forms that are cheap to
// send between threads. The AST, the expanded rules and the locator stay behind; every occurrence
// of a name arrives already placed where the editor shows it (a .conf's own lines, or the
// .te/.if line a tree's m4 output came from), in parallel typed arrays.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic as LspDiagnostic, type Range } from "vscode-languageserver";
import { macroCalls, type MacroDef } from "../build/macros.js";
import { modulesConfOf, type PolicyTree } from "../build/index.js";
import { noteText, type Note, type Severity, type Span } from "../diagnostics/diagnostic.js";
import type { PlatformDecl, Statement } from "../policy/ast.js";
import { LineMap } from "../policy/lines.js";
import { sectionRuns } from "../policy/parse.js";
import type { Analysis, TreeAnalysis } from "./analysis.js";
import { madePlaces } from "./made.js";
import { Positions } from "./positions.js";
import type { NameIndex } from "../policy/name-index.js";
import { lintFix, treeLintFix, type TreeLintFix } from "./lint.js";

/** LSP's DiagnosticSeverity of each of ours (lint's info and hint, a config file's say). */
const LSP_SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Lint codes of a declaration nothing uses (shown as unnecessary code). */
const UNNECESSARY: ReadonlySet<string> = new Set(["unused-type", "unused-attribute", "unused-boolean"]);

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
  /** Names of `tunable`s (booleans fixed when compiled), `attribute_role`s and initial SIDs. */
  tunables: string[];
  roleAttrs: string[];
  sids: string[];
  /** MLS policies (compiled with -M): sensitivities in declaration order, with their place in
   *  `dominance` (from 1; 0 when it has none) and the categories their `level` allows. */
  sens?: { name: string; aliases: string[]; order: number; cats?: string[] }[];
  /** Sensitivity names and aliases -> index in `sens`. */
  sensIds?: Map<string, number>;
  cats?: { name: string; aliases: string[] }[];
  /** Category names and aliases -> index in `cats`. */
  catIds?: Map<string, number>;
}

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
  /** A tree's: 1 where m4 made the name from what is written at [start, end) (`$1_self` in a
   *  define's body, the call's argument `$1_self` that passes it on): the text there is the
   *  pattern, not the name (made.ts). */
  made?: Uint8Array;
  /** A .conf's declarations, each with the statement that declares it (the outline's ranges):
   *  (occurrence, start line, start character, end line, end character) in index order. A tree's
   *  statements are m4's output, so its outline keeps to the lines where the names are placed. */
  scopes: Int32Array;
  /** Each occurrence's semantic token, and the occurrences in text order (semantic-tokens.ts). */
  tokens?: IndexTokens;
}

/** Each occurrence's semantic token (type << 8 | modifiers, -1 unclassified) and the occurrences
 *  in the order a document reads them: by file, then line and start (`order[fileStart[f]..
 *  fileStart[f+1])` are file f's). */
export interface IndexTokens {
  token: Int32Array;
  order: Uint32Array;
  fileStart: Int32Array;
  /** Made with symbol tables (without, every name is unclassified). */
  named: boolean;
}

export interface Model {
  unit: string;
  version: number;
  /** Diagnostics by document URI, ready to publish. */
  diagnostics: [string, LspDiagnostic[]][];
  index?: IndexModel;
  names?: NamesModel;
  platforms: PlatformDecl[];
  /** A policy.conf's statements, the rules of an `if` and the members of a platform too, as
   *  (start line, start character, end line, end character): selection ranges. */
  statements?: Int32Array;
  /** A policy.conf's runs of statements of one section (checkpolicy's order), as lines: folded. */
  sections?: { name: string; start: number; end: number }[];
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

export function buildModel(
  a: Analysis | TreeAnalysis,
  origin: Origin,
  unit: string,
  version: number,
): Model {
  const positions = origin.kind === "conf" ? new Positions(a.text) : undefined;
  const tree = "tree" in a ? (a as TreeAnalysis) : undefined;
  const fileUri = (file: string) => pathToFileURL(resolve(tree!.tree.dir, file)).href;
  return {
    unit,
    version,
    diagnostics: diagnosticsByUri(a, origin, positions, fileUri),
    index: a.index ? indexModel(a, origin, positions, tree, fileUri) : undefined,
    names: a.symbols ? namesModel(a) : undefined,
    platforms: a.platforms,
    statements: positions && a.ast ? statementRanges(a.ast.statements, positions) : undefined,
    sections:
      positions && a.ast
        ? sectionRuns(a.ast.statements).map((r) => ({
            name: r.section,
            start: positions.position(r.start).line,
            end: positions.position(r.end - 1).line,
          }))
        : undefined,
    tree: tree?.tree,
    macros: tree?.macros,
  };
}

function statementRanges(statements: readonly Statement[], positions: Positions): Int32Array {
  const spans: Span[] = [];
  for (const s of statements) {
    spans.push(s.span);
    if (s.kind === "if") for (const r of [...s.then, ...s.else]) spans.push(r.span);
    if (s.kind === "platform") for (const m of s.members) spans.push(m.span);
  }
  const out = new Int32Array(spans.length * 4);
  spans.forEach((span, k) => {
    positions.at(span.offset);
    out[k * 4] = positions.line;
    out[k * 4 + 1] = positions.character;
    positions.at(span.offset + span.length);
    out[k * 4 + 2] = positions.line;
    out[k * 4 + 3] = positions.character;
  });
  return out;
}

function namesModel(a: Analysis): NamesModel {
  const sym = a.symbols!;
  let ruleCounts: Int32Array | undefined;
  if (a.expanded) {
    // each rule once per type it names, in its sources or its targets
    const counts = new Int32Array(sym.types.length);
    const last = new Int32Array(sym.types.length).fill(-1);
    const rules = a.expanded.rules;
    const count = (ids: Int32Array, rule: number) => {
      for (let k = 0; k < ids.length; k++) {
        const t = ids[k]!;
        if (last[t] !== rule) {
          last[t] = rule;
          counts[t]!++;
        }
      }
    };
    for (let i = 0; i < rules.length; i++) {
      count(rules[i]!.sources, i);
      count(rules[i]!.targets, i);
    }
    ruleCounts = counts;
  }
  return {
    types: sym.types.map((t) => ({ name: t.name, aliases: t.aliases })),
    ruleCounts,
    typeIds: sym.typeIds,
    attrs: sym.attrs.map((x) => ({ name: x.name, members: x.members })),
    attrIds: sym.attrIds,
    classes: sym.classes.map((c) =>
      c.common
        ? { name: c.name, perms: c.perms, common: c.common }
        : { name: c.name, perms: c.perms },
    ),
    classIds: sym.classIds,
    bools: sym.bools.map((b) => ({ name: b.name, value: b.value })),
    boolIds: sym.boolIds,
    conds: sym.conds.map((c) => ({ bools: c.bools, text: c.text, line: c.span.line })),
    roles: sym.roles.map((r) => ({ name: r.name, types: r.types.size })),
    roleIds: sym.roleIds,
    users: sym.users.map((u) => ({ name: u.name, roles: [...u.roles] })),
    userIds: sym.userIds,
    tunables: sym.tunables.map((b) => b.name),
    roleAttrs: sym.roleAttrs.map((r) => r.name),
    sids: [...sym.initialSids.keys()],
    ...(sym.mls && {
      sens: sym.mls.sens.map((x) => ({
        name: x.name,
        aliases: x.aliases,
        order: x.order,
        cats: x.cats?.map((c) => sym.mls!.cats[c]!.name),
      })),
      sensIds: sym.mls.sensIds,
      cats: sym.mls.cats.map((x) => ({ name: x.name, aliases: x.aliases })),
      catIds: sym.mls.catIds,
    }),
  };
}

/** Starts of `word` as a whole word in `line`, from `from` on. */
function wordStarts(line: string, word: string, from: number): number[] {
  const out: number[] = [];
  for (const m of line
    .slice(from)
    .matchAll(new RegExp(`(^|[^A-Za-z0-9_])(${word})(?![A-Za-z0-9_])`, "g")))
    out.push(from + m.index! + m[1]!.length);
  return out;
}

function indexModel(
  a: Analysis,
  origin: Origin,
  positions: Positions | undefined,
  tree: TreeAnalysis | undefined,
  fileUri: (file: string) => string,
): IndexModel {
  const index = a.index!;
  if (positions && origin.kind === "conf") {
    // a .conf: the index's own columns, each occurrence placed in the document
    const n = index.count;
    const line = new Int32Array(n);
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      positions.at(index.offset[i]!);
      line[i] = positions.line;
      start[i] = positions.character;
      end[i] = positions.character + index.names[index.name[i]!]!.length;
    }
    const scopes = new Int32Array((index.scopes.length / 3) * 5);
    for (let k = 0, o = 0; k < index.scopes.length; k += 3, o += 5) {
      scopes[o] = index.scopes[k]!;
      positions.at(index.scopes[k + 1]!);
      scopes[o + 1] = positions.line;
      scopes[o + 2] = positions.character;
      positions.at(index.scopes[k + 2]!);
      scopes[o + 3] = positions.line;
      scopes[o + 4] = positions.character;
    }
    return {
      names: index.names,
      name: index.name,
      kind: index.kind,
      decl: index.decl,
      owner: index.owner,
      files: [origin.uri],
      file: new Int32Array(n),
      line,
      start,
      end,
      scopes,
    };
  }
  return treeIndexModel(index, a.text, tree, fileUri);
}

/** A tree's occurrences, each placed through the locator in the .te/.if line where the name is
 *  written (a macro argument at the call that passed it, once per place it is passed). */
function treeIndexModel(
  index: NameIndex,
  text: string,
  tree: TreeAnalysis | undefined,
  fileUri: (file: string) => string,
): IndexModel {
  const files: string[] = [];
  const fileIds = new Map<string, number>();
  const fileId = (uri: string) => {
    let id = fileIds.get(uri);
    if (id === undefined) fileIds.set(uri, (id = files.push(uri) - 1));
    return id;
  };
  const cols = {
    name: [] as number[],
    kind: [] as number[],
    decl: [] as number[],
    owner: [] as number[],
    file: [] as number[],
    line: [] as number[],
    start: [] as number[],
    end: [] as number[],
    made: [] as number[],
  };
  let i = 0;
  const push = (file: number, line: number, start: number, end: number, made = 0) => {
    cols.made.push(made);
    cols.name.push(index.name[i]!);
    cols.kind.push(index.kind[i]!);
    cols.decl.push(index.decl[i]!);
    cols.owner.push(index.owner[i]!);
    cols.file.push(file);
    cols.line.push(line);
    cols.start.push(start);
    cols.end.push(end);
  };
  const lineCache = new Map<string, string[] | undefined>();
  const linesOf = (file: string) => {
    if (!lineCache.has(file)) lineCache.set(file, tree!.sources(file)?.split("\n"));
    return lineCache.get(file);
  };
  const confLines = tree?.locator ? new LineMap(text, "policy.conf") : undefined;
  /** The arguments of the call a note names, as m4 splits them (made.ts tells made names apart). */
  const argsOf = (call: Note): readonly string[] | undefined => {
    const lines = call.span && call.macro !== undefined ? linesOf(call.span.file) : undefined;
    if (!lines || !tree) return undefined;
    let offset = call.span!.col - 1;
    for (let k = 0; k < call.span!.line - 1; k++) offset += lines[k]!.length + 1;
    const text = lines.join("\n");
    const found = macroCalls(text, offset, offset + 1, tree.macros)[0];
    return found && found.offset === offset && found.name === call.macro ? found.args : undefined;
  };
  for (; i < index.count; i++) {
    if (!tree?.locator || !confLines) {
      push(-1, 0, 0, 0);
      continue;
    }
    const name = index.names[index.name[i]!]!;
    const offset = index.offset[i]!;
    // a tree's occurrence: through the locator to the .te/.if line where the name is written
    const located = tree.locator.locate(confLines.span(offset, offset + name.length));
    const at = located.span;
    const own = linesOf(at.file)?.[at.line - 1];
    if (
      own !== undefined &&
      own.slice(at.col - 1).startsWith(name) &&
      wordStarts(own, name, at.col - 1)[0] === at.col - 1
    ) {
      push(fileId(fileUri(at.file)), at.line - 1, at.col - 1, at.col - 1 + name.length);
      continue;
    }
    // a macro's argument brought it: the innermost call whose arguments spell it, each place there
    // (`domain_comms(dom0_t, dom0_t)` passes the one type twice)
    let placed = false;
    for (const ctx of located.context) {
      if (!ctx.span) continue;
      const line = linesOf(ctx.span.file)?.[ctx.span.line - 1];
      const starts = line === undefined ? [] : wordStarts(line, name, ctx.span.col - 1);
      for (const s of starts)
        push(fileId(fileUri(ctx.span.file)), ctx.span.line - 1, s, s + name.length);
      if ((placed = starts.length > 0)) break;
    }
    if (placed) continue;
    // m4 made the name: where the pattern that makes it is written (made.ts), each such place
    const made = madePlaces(name, at, located.context, linesOf, argsOf);
    for (const p of made) push(fileId(fileUri(p.file)), p.line, p.start, p.end, 1);
    if (made.length > 0) continue;
    const r = spanRange(at);
    push(
      fileId(fileUri(at.file)),
      r.start.line,
      r.start.character,
      r.start.line === r.end.line ? r.end.character : r.start.character + name.length,
    );
  }
  return {
    names: index.names,
    name: Int32Array.from(cols.name),
    kind: Uint8Array.from(cols.kind),
    decl: Uint8Array.from(cols.decl),
    owner: Int32Array.from(cols.owner),
    files,
    file: Int32Array.from(cols.file),
    line: Int32Array.from(cols.line),
    start: Int32Array.from(cols.start),
    end: Int32Array.from(cols.end),
    made: Uint8Array.from(cols.made),
    scopes: new Int32Array(0),
  };
}

/** The range of a whole line a tree's fix removes: to the next line's start, or the end of the
 *  last line, which has no newline. */
function lineRange(fix: TreeLintFix): Range {
  const last = !fix.expect.endsWith("\n");
  return {
    start: { line: fix.line, character: 0 },
    end: last ? { line: fix.line, character: fix.expect.length } : { line: fix.line + 1, character: 0 },
  };
}

function diagnosticsByUri(
  a: Analysis,
  origin: Origin,
  positions: Positions | undefined,
  fileUri: (file: string) => string,
): [string, LspDiagnostic[]][] {
  const byUri = new Map<string, LspDiagnostic[]>();
  const push = (uri: string, d: LspDiagnostic) => {
    if (!byUri.has(uri)) byUri.set(uri, []);
    byUri.get(uri)!.push(d);
  };
  const rangeOf = (span: Span | undefined): { uri: string; range: Range } | undefined => {
    if (!span) return undefined;
    if (origin.kind === "conf") {
      if (span.offset < 0) return { uri: origin.uri, range: zero() };
      return {
        uri: origin.uri,
        range: {
          start: positions!.position(span.offset),
          end: positions!.position(span.offset + span.length),
        },
      };
    }
    return { uri: fileUri(span.file), range: spanRange(span) };
  };
  // a diagnostic of no place in a tree (m4 not found) is the tree's modules.conf's, either layout
  const fallback =
    origin.kind === "conf"
      ? origin.uri
      : pathToFileURL(resolve(origin.root, modulesConfOf(origin.root) ?? "modules/modules.conf"))
          .href;
  for (const d of a.diagnostics) {
    const at = rangeOf(d.span) ?? { uri: fallback, range: zero() };
    const lsp: LspDiagnostic = {
      range: at.range,
      severity: LSP_SEVERITY[d.severity],
      code: d.code,
      source: "xsm",
      message: d.message,
    };
    // what the editor may grey out: a declaration nothing uses
    if (UNNECESSARY.has(d.code)) lsp.tags = [DiagnosticTag.Unnecessary];
    const related = (d.notes ?? []).flatMap((note) => {
      const r = rangeOf(note.span);
      return r ? [{ location: r, message: noteText(note) }] : [];
    });
    if (related.length > 0) lsp.relatedInformation = related;
    // the name written and the name meant, or a lint finding's certain fix, for the quick fixes
    // (onCodeAction); not on the copy at a macro's call below, whose range is the call
    const fix = origin.kind === "conf" && positions ? lintFix(d, a, a.file) : undefined;
    // a tree's unused boolean: its gen_bool or bool line, in the .te file the finding is in
    const treeFix = origin.kind === "tree" && "files" in a ? treeLintFix(d, a as TreeAnalysis) : undefined;
    const data =
      d.suggestion !== undefined
        ? { suggestion: d.suggestion }
        : fix
          ? {
              fix: {
                title: fix.title,
                range: { start: positions!.position(fix.start), end: positions!.position(fix.end) },
                expect: fix.expect,
              },
            }
          : treeFix && { fix: { title: treeFix.title, range: lineRange(treeFix), expect: treeFix.expect } };
    push(at.uri, data === undefined ? lsp : { ...lsp, data });
    // an error inside a macro also shows where the macro was called (the outermost call of its
    // own place: the notes before the ones about another rule), so the file being edited hears
    const own = d.notes?.findIndex((note) => note.macro === undefined) ?? -1;
    const call = (own < 0 ? (d.notes ?? []) : d.notes!.slice(0, own)).at(-1);
    const callAt = call && rangeOf(call.span);
    if (callAt && callAt.uri !== at.uri) {
      push(callAt.uri, {
        ...lsp,
        range: callAt.range,
        message: `${d.message} (${call.message})`,
        relatedInformation: [{ location: at, message: d.message }],
      });
    }
  }
  return [...byUri];
}
