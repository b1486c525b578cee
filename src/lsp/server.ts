// `xsm lsp`: a Language Server Protocol server for policy.conf files and Xen policy trees (a folder
// with modules/modules.conf, built as `xsm build` builds it). Diagnostics as you type (debounced,
// the compiler's codes and messages, notes as related information; then `xsm lint`'s findings,
// lint.ts), hover, definition,
// references, completion, document symbols, formatting (xsm fmt) and rename (rename.ts). The
// compiler runs in a worker thread (runner.ts); requests are answered on this thread from the last
// analysis's model (model.ts), so they never wait for a compile, and a change cancels the analysis
// of the version before it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeActionKind,
  CompletionItemKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  DocumentHighlightKind,
  ErrorCodes,
  LSPErrorCodes,
  MessageType,
  ResponseError,
  SemanticTokensRefreshRequest,
  ShowMessageNotification,
  SymbolKind as LspSymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type CompletionItem,
  type Diagnostic as LspDiagnostic,
  type Range,
  type Connection,
  type DocumentHighlight,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type InlayHint,
  type SelectionRange,
  type Location,
  type Position,
  type SemanticTokens,
  type SignatureHelp,
  type SymbolInformation,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import {
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { moduleOff, moduleSwitchOf, treeSources, type PolicyTree } from "../build/index.js";
import type { SourceLookup } from "../build/locate.js";
import { macroCalls } from "../build/macros.js";
import { FormatError, formatSource, kindOf } from "../fmt/format.js";
import { treeRootOf } from "./analysis.js";
import { slotAt, wordAt } from "./context.js";
import { foldingRanges } from "./folding.js";
import { isLintConfig, LINT_CONFIG, lintConfigPath } from "./lint.js";
import { readLintConfig } from "../lint/config.js";
import type { LintConfig } from "../lint/index.js";
import { DEFAULT_INLAY, inlayHints } from "./inlay.js";
import { problemText, settingsProblem, withSettings, type Settings } from "./settings.js";
import { carrySpans, lineEnd, selectionRanges, type Span2 } from "./selection.js";
import { describe } from "./hover.js";
import type { Job } from "./job.js";
import { zero, type IndexModel, type Model } from "./model.js";
import { madeAt, makes, readingsText } from "./made.js";
import { occurrencesOf } from "./occurrences.js";
import { documentOutline, SYMBOL_KINDS } from "./outline.js";
import { callAt, macroComment, macroSignature } from "./signature.js";
import { NAME_KINDS } from "../policy/name-index.js";
import { badInitOptions, badParams } from "./params.js";
import { brokenBy, planRename, refusal } from "./rename.js";
import { semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES, type LineRange } from "./semantic-tokens.js";
import { AnalysisRunner, type RunnerEvent } from "./runner.js";

export interface ServerOptions {
  /** Quiet time after a change before the policy is analysed again (ms). */
  debounceMs?: number;
  flaskDir?: string;
  /** Policies are MLS (checkpolicy -M; trees built as xsm build --mls). Also
   *  initializationOptions.mls and the `xsm.mls` setting. */
  mls?: boolean;
  /** Analyse in a worker thread (the default), so requests never wait for the compiler. */
  worker?: boolean;
  /** Told when an analysis starts, is cancelled by a newer version, or ends (tests watch it). */
  trace?: (e: RunnerEvent) => void;
}

const KEYWORDS = [
  "allow",
  "auditallow",
  "dontaudit",
  "neverallow",
  "type_transition",
  "type_change",
  "type_member",
  "type",
  "typealias",
  "typeattribute",
  "attribute",
  "bool",
  "if",
  "else",
  "role",
  "user",
  "class",
  "common",
  "inherits",
  "sid",
  "constrain",
  "validatetrans",
  "sensitivity",
  "dominance",
  "category",
  "level",
  "range",
  "mlsconstrain",
  "mlsvalidatetrans",
  "range_transition",
  "pirqcon",
  "iomemcon",
  "ioportcon",
  "pcidevicecon",
  "devicetreecon",
  "platform",
  "hwdom",
  "guest",
  "device",
];

/** A unit of analysis: one policy.conf document, or one tree. */
type Unit =
  { kind: "conf"; key: string; uri: string } | { kind: "tree"; key: string; root: string };

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const debounce = options.debounceMs ?? 150;
  const models = new Map<string, Model>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** The newest version of each unit: bumped by every change of one of its documents. */
  const versions = new Map<string, number>();
  const published = new Map<string, Set<string>>(); // unit -> uris with diagnostics
  const runner = new AnalysisRunner(options.worker ?? true, options.trace);
  /** The command line's options with initializationOptions over them; the client's `xsm`
   *  settings (settings.ts) go over these, each time they change. */
  const cli: Settings = {
    flaskDir: options.flaskDir,
    mls: options.mls === true,
    lint: true,
    inlay: DEFAULT_INLAY,
  };
  let initial = cli;
  let settings = initial;
  let refreshTokens = false;
  let refreshHints = false;
  /** The client answers workspace/configuration: its settings are pulled, not read from the
   *  change's notification. */
  let pullSettings = false;
  let registerSettings = false;
  /** The client watches files for the server when asked (workspace/didChangeWatchedFiles). */
  let watchConfigs = false;

  // a URI that names no local file (untitled:, a file: URI of another host or with an encoded '/')
  // stands for itself, as a name without a tree: fileURLToPath's refusal would end the server
  const pathOf = (uri: string): string => {
    if (!uri.startsWith("file:")) return uri;
    try {
      return fileURLToPath(uri);
    } catch {
      return uri;
    }
  };
  const unitOf = (uri: string): Unit => {
    const path = pathOf(uri);
    const root =
      path.endsWith(".conf") && !path.endsWith("modules.conf") ? undefined : treeRootOf(path);
    return root
      ? { kind: "tree", key: `tree:${root}`, root }
      : { kind: "conf", key: `conf:${uri}`, uri };
  };

  /** The job for the unit's newest version: the texts as the editor has them now. */
  const jobOf = (unit: Unit): Job | undefined => {
    const version = versions.get(unit.key) ?? 0;
    if (unit.kind === "conf") {
      const doc = documents.get(unit.uri);
      return (
        doc && {
          unit: unit.key,
          version,
          origin: { kind: "conf", uri: unit.uri },
          file: pathOf(unit.uri),
          text: doc.getText(),
          mls: settings.mls,
          lint: lintOf(pathOf(unit.uri), false),
        }
      );
    }
    const overlay: [string, string][] = documents
      .all()
      .map((d) => [resolve(pathOf(d.uri)), d.getText()]);
    const reportUri = documents.all().find((d) => unitOf(d.uri).key === unit.key)?.uri;
    return {
      unit: unit.key,
      version,
      origin: { kind: "tree", root: unit.root },
      overlay,
      flaskDir: settings.flaskDir,
      mls: settings.mls,
      reportUri,
      lint: lintOf(unit.root, true),
    };
  };

  /** What a job lints with: the severities of the config `xsm lint` reads for the policy, read
   *  here (a small file) so that a changed one is a changed input; nothing when the `xsm.lint`
   *  setting is off. An untitled document has no folder, so no config, as `xsm lint -` run
   *  elsewhere. */
  const lintOf = (target: string, isTree: boolean): Job["lint"] => {
    if (!settings.lint) {
      // no lint, no config read: what was said of one is taken back
      for (const uri of configProblems.keys()) connection.sendDiagnostics({ uri, diagnostics: [] });
      configProblems.clear();
      return undefined;
    }
    if (!isTree && (target.startsWith("untitled:") || !isAbsolute(target))) return {};
    return configAt(lintConfigPath(target, isTree));
  };

  /** Each config file's problem as published on it (absent: nothing published there). */
  const configProblems = new Map<string, string>();
  /** The severities of the config at `path` (none there: the catalog's). A wrong one is one
   *  diagnostic on that file, where it is wrong, and the catalog's severities hold until it is
   *  fixed: the findings still come, which a config is only the severities of. */
  const configAt = (path: string): LintConfig => {
    let problem: LspDiagnostic | undefined;
    let config: LintConfig = {};
    if (existsSync(path)) {
      let text: string | undefined;
      try {
        text = readFileSync(path, "utf8");
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        problem = configDiagnostic(`${path}: cannot read the lint config: ${why}`, zero());
      }
      const read = text === undefined ? undefined : readLintConfig(path, text);
      if (read && "config" in read) config = read.config;
      else if (read) {
        const body = TextDocument.create("", "json", 0, text!.replace(/^\uFEFF/, ""));
        const { start, end } = read.problem;
        const range =
          start === undefined
            ? zero()
            : { start: body.positionAt(start), end: body.positionAt(end ?? start) };
        problem = configDiagnostic(read.problem.message, range);
      }
    }
    const uri = pathToFileURL(path).href;
    const said = problem && `${problem.message}\0${JSON.stringify(problem.range)}`;
    if (said !== configProblems.get(uri)) {
      if (said === undefined) configProblems.delete(uri);
      else configProblems.set(uri, said);
      connection.sendDiagnostics({ uri, diagnostics: problem ? [problem] : [] });
    }
    return config;
  };
  const configDiagnostic = (message: string, range: Range): LspDiagnostic => ({
    range,
    severity: 1,
    source: "xsm",
    code: "input",
    message: `${message} (the lint config: findings have their default severities until it is fixed)`,
  });

  /** What the unit's current model was analysed from (a change back to it needs no analysis). */
  const inputs = new Map<string, string>();
  const inputOf = (job: Job): string => {
    // (the options the texts were analysed with are part of what they were analysed from)
    const options = `${job.mls === true}\0${job.flaskDir ?? ""}\0${JSON.stringify(job.lint ?? null)}\0`;
    const overlay = () =>
      JSON.stringify([...(job.overlay ?? [])].sort(([x], [y]) => (x < y ? -1 : 1)));
    return options + (job.text ?? overlay());
  };

  const analyze = (unit: Unit): void => {
    const job = jobOf(unit);
    if (!job) return;
    const input = inputOf(job);
    const current = models.get(unit.key);
    if (current && inputs.get(unit.key) === input) {
      // the texts are the ones the model was made from (an undo, a save that changed nothing)
      const model = { ...current, version: job.version };
      if (carried.has(current)) carried.add(model);
      models.set(unit.key, model);
      publish(unit, model);
      settled(unit, model);
      return;
    }
    void runner.run(job).then((model) => {
      // cancelled, or overtaken by a change while it ran: the newer version's analysis will answer
      if (!model || model.version !== versions.get(unit.key)) return;
      const previous = models.get(unit.key);
      // a text that does not parse (or resolve) keeps the last good names for navigation, hover
      // and completion
      const carry = previous !== undefined && !model.index && previous.index !== undefined;
      if (carry) model = { ...model, index: previous.index };
      if (previous && !model.names && previous.names)
        model = { ...model, names: previous.names, platforms: previous.platforms };
      if (carry) carried.add(model);
      if (unit.kind === "conf" && model.statements && job.text !== undefined)
        keepParse(unit, job.text, model);
      models.set(unit.key, model);
      inputs.set(unit.key, input);
      publish(unit, model);
      settled(unit, model);
    });
  };

  /** Each policy.conf's last good parse: its text, its statements and sections as offsets into
   *  it (selection ranges carry them onto the text being edited). */
  const parses = new Map<string, { text: string; statements: Span2[]; sections: Span2[] }>();
  const keepParse = (unit: Unit, text: string, m: Model): void => {
    const doc = TextDocument.create("x", "x", 0, text);
    const sections = (m.sections ?? []).map((s): Span2 => [
      doc.offsetAt({ line: s.start, character: 0 }),
      lineEnd(text, doc.offsetAt({ line: s.end, character: 0 })),
    ]);
    parses.set(unit.key, { text, statements: spansOf(doc, m.statements!), sections });
  };

  /** Models whose index is an older text's (the text as it is does not parse). */
  const carried = new WeakSet<Model>();
  /** Requests waiting for the analysis of their unit's newest version. */
  const waiters = new Map<string, ((m: Model | undefined) => void)[]>();
  const settled = (unit: Unit, model: Model | undefined): void => {
    if (model && model.version !== versions.get(unit.key)) return;
    const waiting = waiters.get(unit.key) ?? [];
    waiters.delete(unit.key);
    for (const done of waiting) done(model);
  };
  /** The model of the unit's texts as they are now: at once, or when their analysis ends (one
   *  waiting for the quiet time starts now); undefined if it does not end within a minute. */
  const current = (unit: Unit): Promise<Model | undefined> => {
    const m = models.get(unit.key);
    if (m && m.version === versions.get(unit.key)) return Promise.resolve(m);
    return new Promise((done) => {
      const list = waiters.get(unit.key) ?? [];
      waiters.set(unit.key, list);
      const timer = setTimeout(() => done(undefined), 60_000);
      list.push((model) => {
        clearTimeout(timer);
        done(model);
      });
      if (timers.has(unit.key)) {
        clearTimeout(timers.get(unit.key));
        timers.delete(unit.key);
        analyze(unit);
      }
    });
  };

  /** Line `line` of a file as the editor has it (an open document), else as on disk. */
  const lineText = (m: Model, uri: string, line: number): string | undefined => {
    const doc = documents.get(uri);
    if (doc)
      return doc
        .getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } })
        .replace(/\r?\n$|\r$/, "");
    if (!m.tree) return undefined;
    return sourcesOf(m.tree)(relative(m.tree.dir, pathOf(uri)))?.split("\n")[line];
  };
  const relativeIn = (tree: PolicyTree, uri: string) => relative(tree.dir, pathOf(uri));

  // a change cancels the analysis of the version before it at once; the next one starts when the
  // typing has been quiet for `debounce` ms
  const schedule = (unit: Unit): void => {
    clearTimeout(timers.get(unit.key));
    runner.cancel(unit.key);
    timers.set(
      unit.key,
      setTimeout(() => {
        timers.delete(unit.key);
        analyze(unit);
      }, debounce),
    );
  };

  // ---- positions ---------------------------------------------------------------------------

  /** Where occurrence `i` of the model's index is, as the editor sees it. */
  const locationAt = (index: IndexModel, i: number): Location | undefined => {
    const file = index.file[i]!;
    if (file < 0) return undefined;
    const line = index.line[i]!;
    return {
      uri: index.files[file]!,
      range: {
        start: { line, character: index.start[i]! },
        end: { line, character: index.end[i]! },
      },
    };
  };

  // ---- diagnostics -------------------------------------------------------------------------

  const publish = (unit: Unit, m: Model): void => {
    const byUri = new Map(m.diagnostics);
    // every open document of the unit hears, so an editor clears what it showed
    for (const doc of documents.all())
      if (unitOf(doc.uri).key === unit.key && !byUri.has(doc.uri)) byUri.set(doc.uri, []);
    const before = published.get(unit.key) ?? new Set<string>();
    for (const uri of before)
      if (!byUri.has(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, diagnostics] of byUri) {
      // the document version the diagnostics are about (a .conf is its own unit)
      const version =
        unit.kind === "conf" && uri === unit.uri ? documents.get(uri)?.version : undefined;
      connection.sendDiagnostics(
        version === undefined ? { uri, diagnostics } : { uri, version, diagnostics },
      );
    }
    published.set(unit.key, new Set(byUri.keys()));
    // the names' tokens are the new analysis's: the client asks again
    if (refreshTokens)
      connection.sendRequest(SemanticTokensRefreshRequest.type).catch(() => undefined);
  };

  // ---- lookups -----------------------------------------------------------------------------

  /** The model for a document, and the word under the cursor with the slot it stands in. */
  const lookup = (uri: string, pos: Position) => {
    const doc = documents.get(uri);
    const unit = unitOf(uri);
    const m = models.get(unit.key);
    if (!doc || !m) return undefined;
    const text = doc.getText();
    const offset = doc.offsetAt(pos);
    const w = wordAt(text, offset);
    if (!w) return undefined;
    const slot = slotAt(text, w.start);
    return { doc, unit, m, w, slot };
  };

  /** The names m4 makes where the cursor is (`$1_self` in a define's body: made.ts), where the
   *  text still writes the pattern; each name once, in order. */
  const madeHere = (uri: string, pos: Position) => {
    const doc = documents.get(uri);
    const m = models.get(unitOf(uri).key);
    const index = m?.index;
    if (!doc || !m || !index?.made) return undefined;
    const rangeOf = (i: number) => ({
      start: { line: index.line[i]!, character: index.start[i]! },
      end: { line: index.line[i]!, character: index.end[i]! },
    });
    const list = madeAt(index, index.files.indexOf(uri), pos.line, pos.character).filter((i) =>
      makes(doc.getText(rangeOf(i)), index.names[index.name[i]!]!),
    );
    if (list.length === 0) return undefined;
    const names = [...new Set(list.map((i) => index.names[index.name[i]!]!))].sort();
    const range = rangeOf(list[0]!);
    return { m, index, names, range, pattern: doc.getText(range) };
  };
  /** The occurrences of each of `names` (as the first kind that declares it). */
  const occurrencesOfAll = (m: Model, names: readonly string[]) =>
    names.flatMap((name) => occurrencesOf(m, name, { kind: "other" })?.list ?? []);

  /** Every place of a list of occurrences, each once. */
  const locationsOf = (index: IndexModel, list: number[]): Location[] => {
    const seen = new Set<string>();
    return list
      .flatMap((i) => locationAt(index, i) ?? [])
      .filter((l) => {
        const key = `${l.uri}:${l.range.start.line}:${l.range.start.character}`;
        return !seen.has(key) && (seen.add(key), true);
      });
  };

  /** A tree's file texts as the editor has them (open documents), else as on disk. */
  const treeTexts = new WeakMap<PolicyTree, SourceLookup>();
  const sourcesOf = (tree: PolicyTree): SourceLookup => {
    let disk = treeTexts.get(tree);
    if (!disk) treeTexts.set(tree, (disk = treeSources(tree)));
    return (file) =>
      documents.get(pathToFileURL(resolve(tree.dir, file)).href)?.getText() ?? disk!(file);
  };
  const fileUri = (tree: PolicyTree, file: string) => pathToFileURL(resolve(tree.dir, file)).href;

  // ---- handlers ----------------------------------------------------------------------------

  connection.onInitialize((params) => {
    const refused = badInitOptions(params.initializationOptions);
    if (refused) return refused;
    initial = withSettings(cli, params.initializationOptions);
    settings = initial;
    const workspace = params.capabilities?.workspace;
    refreshTokens = workspace?.semanticTokens?.refreshSupport === true;
    refreshHints = workspace?.inlayHint?.refreshSupport === true;
    pullSettings = workspace?.configuration === true;
    registerSettings = workspace?.didChangeConfiguration?.dynamicRegistration === true;
    watchConfigs = workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        // (didSave: a lint config saved in the editor, for a client that cannot watch files)
        textDocumentSync: {
          openClose: true,
          change: TextDocumentSyncKind.Incremental,
          save: { includeText: false },
        },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: [":", "{", " ", "("] },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentHighlightProvider: true,
        workspaceSymbolProvider: true,
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [","] },
        semanticTokensProvider: {
          legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] },
          full: true,
          range: true,
        },
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        inlayHintProvider: true,
      },
      serverInfo: { name: "xsm", version: "0.1.0" },
    };
  });

  // the client's `xsm` settings: pulled (workspace/configuration) when it can answer that, at
  // initialized and at each change it notifies; else read from the change's notification
  connection.onInitialized(() => {
    if (registerSettings) {
      const type = DidChangeConfigurationNotification.type;
      connection.client.register(type, { section: "xsm" }).catch(() => undefined);
    }
    if (pullSettings) void pull();
    // the lint configs, created, changed or deleted in the editor or outside it
    if (watchConfigs) {
      const type = DidChangeWatchedFilesNotification.type;
      const watchers = [{ globPattern: `**/${LINT_CONFIG}` }];
      connection.client.register(type, { watchers }).catch(() => undefined);
    }
  });
  connection.onDidChangeWatchedFiles((params) => {
    if (params.changes.some((c) => isLintConfig(c.uri))) recheck();
  });
  // a client that cannot watch: a lint config open in it, saved
  documents.onDidSave((e) => {
    if (isLintConfig(e.document.uri)) recheck();
  });
  connection.onDidChangeConfiguration((params) => {
    if (pullSettings) return void pull();
    const all = (params as { settings?: unknown } | undefined)?.settings;
    configure(typeof all === "object" && all !== null ? (all as { xsm?: unknown }).xsm : undefined);
  });

  /** Pulls counted, so the answer to an older one never overrides a newer one's. */
  let pulls = 0;
  const pull = async (): Promise<void> => {
    const mine = ++pulls;
    let value: unknown;
    try {
      value = await connection.workspace.getConfiguration("xsm");
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      say(`xsm: the client did not give its xsm settings: ${why}`);
      return;
    }
    if (mine === pulls) configure(value);
  };

  /** An error shown to the user (a notification: nothing to answer, nothing to wait for). */
  const say = (message: string): void => {
    void connection.sendNotification(ShowMessageNotification.type, {
      type: MessageType.Error,
      message,
    });
  };

  /** Takes the client's `xsm` settings (all of them, or none if any is wrong: said, not thrown,
   *  as a notification has no answer); the open documents are analysed again when what an
   *  analysis reads changed, and a client that can is asked for the inlay hints again. */
  const configure = (value: unknown): void => {
    const problem = settingsProblem(value);
    if (problem) {
      const text = `${problemText("xsm", problem)}; the settings are left as they were`;
      say(text);
      return;
    }
    const next = withSettings(initial, value);
    const before = settings;
    settings = next;
    if (next.mls !== before.mls || next.flaskDir !== before.flaskDir || next.lint !== before.lint)
      recheck();
    const hints = (Object.keys(next.inlay) as (keyof typeof next.inlay)[]).some(
      (k) => next.inlay[k] !== before.inlay[k],
    );
    if (hints && refreshHints) connection.languages.inlayHint.refresh().catch(() => undefined);
  };

  /** Every unit with an open document, analysed again now (a new version of each): a unit whose
   *  texts and config are what its model was made from is republished without a compile. */
  const recheck = (): void => {
    const policies = documents.all().filter((d) => !isLintConfig(d.uri));
    const units = new Map(policies.map((d) => [unitOf(d.uri).key, unitOf(d.uri)]));
    for (const unit of units.values()) {
      versions.set(unit.key, (versions.get(unit.key) ?? 0) + 1);
      clearTimeout(timers.get(unit.key));
      timers.delete(unit.key);
      analyze(unit);
    }
  };

  // (fired on open too) the first analysis of a unit runs at once; later ones wait for the typing
  // to settle
  documents.onDidChangeContent((e) => {
    if (isLintConfig(e.document.uri)) return;
    const unit = unitOf(e.document.uri);
    const first = !versions.has(unit.key);
    versions.set(unit.key, (versions.get(unit.key) ?? 0) + 1);
    if (first) analyze(unit);
    else schedule(unit);
  });
  documents.onDidClose((e) => {
    // (a lint config's problem stays said while it stands, open or not)
    if (isLintConfig(e.document.uri)) return;
    const unit = unitOf(e.document.uri);
    if (unit.kind === "conf") {
      clearTimeout(timers.get(unit.key));
      timers.delete(unit.key);
      runner.release(unit.key);
      models.delete(unit.key);
      parses.delete(unit.key);
      inputs.delete(unit.key);
      versions.delete(unit.key);
      settled(unit, undefined);
      connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }
  });

  connection.onHover((params): Hover | ResponseError | null => {
    const bad = badParams(params, { position: true });
    if (bad) return bad;
    const made = madeHere(params.textDocument.uri, params.position);
    if (made)
      return {
        contents: { kind: "markdown", value: describeMade(made.m, made.pattern, made.names) },
        range: made.range,
      };
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { m, w, slot } = at;
    const macro = m.macros?.get(w.word);
    const found = occurrencesOf(m, w.word, slot);
    const value =
      macro && !found
        ? describeMacro(m, w.word)
        : describe(m.names, m.platforms, w.word, found?.kind, slot);
    if (!value) return null;
    const doc = at.doc;
    return {
      contents: { kind: "markdown", value },
      range: { start: doc.positionAt(w.start), end: doc.positionAt(w.end) },
    };
  });

  connection.onDefinition((params): Location[] | ResponseError | null => {
    const bad = badParams(params, { position: true });
    if (bad) return bad;
    const made = madeHere(params.textDocument.uri, params.position);
    if (made)
      return locationsOf(
        made.index,
        occurrencesOfAll(made.m, made.names).filter((i) => made.index.decl[i]),
      );
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { m, w, slot } = at;
    const def = m.macros?.get(w.word);
    if (def && m.tree) return [macroLocation(m.tree, def.file, def.bodyOffset, w.word)];
    const found = occurrencesOf(m, w.word, slot);
    if (!found) return null;
    const index = m.index!;
    const ownerIs = (i: number, cls: string) =>
      index.owner[i]! >= 0 && index.names[index.owner[i]!] === cls;
    const inClass =
      slot.kind === "perm" && found.list.some((i) => index.decl[i] && ownerIs(i, slot.className));
    const decls = found.list.filter(
      (i) =>
        index.decl[i] &&
        (found.kind !== "perm" || slot.kind !== "perm" || !inClass || ownerIs(i, slot.className)),
    );
    return decls.flatMap((i) => locationAt(index, i) ?? []);
  });

  connection.onReferences((params): Location[] | ResponseError | null => {
    const bad = badParams(params, { position: true, context: true });
    if (bad) return bad;
    const made = madeHere(params.textDocument.uri, params.position);
    if (made)
      return locationsOf(
        made.index,
        occurrencesOfAll(made.m, made.names).filter(
          (i) => params.context.includeDeclaration || !made.index.decl[i],
        ),
      );
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { m, w, slot } = at;
    if (m.tree && m.macros?.has(w.word)) return macroReferences(m, w.word);
    const found = occurrencesOf(m, w.word, slot);
    if (!found) return null;
    const index = m.index!;
    return locationsOf(
      index,
      found.list.filter((i) => params.context.includeDeclaration || !index.decl[i]),
    );
  });

  connection.onCompletion((params): CompletionItem[] | ResponseError => {
    const bad = badParams(params, { position: true });
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    const unit = unitOf(params.textDocument.uri);
    const m = models.get(unit.key);
    if (!doc) return [];
    const slot = slotAt(doc.getText(), doc.offsetAt(params.position));
    const sym = m?.names;
    const items = (names: Iterable<string>, kind: CompletionItemKind, detail: string) =>
      [...names].map((label) => ({ label, kind, detail }));
    switch (slot.kind) {
      case "statement": {
        const out = items(KEYWORDS, CompletionItemKind.Keyword, "keyword");
        if (m?.macros)
          out.push(...items(m.macros.keys(), CompletionItemKind.Function, "m4 interface"));
        return out;
      }
      case "source":
      case "target": {
        if (!sym) return [];
        const out = [
          ...items(
            sym.types.map((t) => t.name),
            CompletionItemKind.Class,
            "type",
          ),
          ...items(
            sym.attrs.map((x) => x.name),
            CompletionItemKind.Interface,
            "attribute",
          ),
        ];
        if (slot.kind === "target")
          out.push({ label: "self", kind: CompletionItemKind.Keyword, detail: "the source type" });
        return out;
      }
      case "class":
        return sym
          ? items(
              sym.classes.map((c) => c.name),
              CompletionItemKind.Struct,
              "class",
            )
          : [];
      case "perm": {
        const cls = sym?.classes[sym.classIds.get(slot.className) ?? -1];
        return cls ? items(cls.perms, CompletionItemKind.Field, `permission of ${cls.name}`) : [];
      }
      case "bool":
        return sym
          ? items(
              sym.bools.map((b) => b.name),
              CompletionItemKind.Variable,
              "boolean",
            )
          : [];
      default:
        return [];
    }
  });

  // the occurrences of the name under the cursor in this document: its declarations written, the
  // rest read (an m4 interface: its define and its calls)
  connection.onDocumentHighlight((params): DocumentHighlight[] | ResponseError | null => {
    const bad = badParams(params, { position: true });
    if (bad) return bad;
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { m, w, slot } = at;
    const uri = params.textDocument.uri;
    const def = m.tree ? m.macros?.get(w.word) : undefined;
    if (def && m.tree) {
      const defined = macroLocation(m.tree, def.file, def.bodyOffset, w.word);
      const calls = macroReferences(m, w.word).filter((l) => l.uri === uri);
      return [
        ...(defined.uri === uri
          ? [{ range: defined.range, kind: DocumentHighlightKind.Write }]
          : []),
        ...calls.map((l) => ({ range: l.range, kind: DocumentHighlightKind.Read })),
      ];
    }
    const found = occurrencesOf(m, w.word, slot);
    if (!found) return null;
    const index = m.index!;
    const seen = new Set<string>();
    return found.list.flatMap((i): DocumentHighlight[] => {
      const l = locationAt(index, i);
      if (!l || l.uri !== uri) return [];
      const key = `${l.range.start.line}:${l.range.start.character}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [
        {
          range: l.range,
          kind: index.decl[i] ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
        },
      ];
    });
  });

  // every declaration of every policy the server has analysed whose name holds the query (any
  // case), and the trees' m4 interfaces; a permission is named with its class
  connection.onWorkspaceSymbol((params): SymbolInformation[] | ResponseError => {
    const query = (params as { query?: unknown } | undefined)?.query;
    const got = query === undefined ? "nothing" : JSON.stringify(query).slice(0, 60);
    if (typeof query !== "string")
      return new ResponseError(
        ErrorCodes.InvalidParams,
        `xsm: params.query: expected a string; got ${got}`,
      );
    const lower = query.toLowerCase();
    const out: SymbolInformation[] = [];
    const seen = new Set<string>();
    const add = (name: string, kind: LspSymbolKind, location: Location, containerName: string) => {
      const { line, character } = location.range.start;
      const key = `${name}\0${location.uri}\0${line}\0${character}`;
      if (seen.has(key) || out.length >= WORKSPACE_SYMBOLS) return;
      seen.add(key);
      out.push({ name, kind, location, containerName });
    };
    for (const m of models.values()) {
      const index = m.index;
      if (index) {
        for (let i = 0; i < index.name.length; i++) {
          if (!index.decl[i]) continue;
          const name = index.names[index.name[i]!]!;
          if (!name.toLowerCase().includes(lower)) continue;
          const location = locationAt(index, i);
          if (!location) continue;
          const kind = NAME_KINDS[index.kind[i]!]!;
          const owner = index.owner[i]! >= 0 ? index.names[index.owner[i]!] : undefined;
          add(
            name,
            SYMBOL_KINDS[kind],
            location,
            owner !== undefined ? `permission of ${owner}` : kind,
          );
        }
      }
      if (m.tree && m.macros) {
        for (const def of m.macros.values())
          if (def.name.toLowerCase().includes(lower))
            add(
              def.name,
              LspSymbolKind.Function,
              macroLocation(m.tree, def.file, def.bodyOffset, def.name),
              "m4 interface",
            );
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });

  // inside a call of a tree's m4 interface: its parameters, the one the cursor is in active
  connection.onSignatureHelp((params): SignatureHelp | ResponseError | null => {
    const bad = badParams(params, { position: true });
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    const m = models.get(unitOf(params.textDocument.uri).key);
    if (!doc || !m?.tree || !m.macros) return null;
    const call = callAt(doc.getText(), doc.offsetAt(params.position), m.macros);
    if (!call) return null;
    const def = m.macros.get(call.name)!;
    const sig = macroSignature(def, macroComment(sourcesOf(m.tree)(def.file) ?? "", def));
    const variadic =
      sig.parameters.length > 0 &&
      sig.label.slice(...sig.parameters[sig.parameters.length - 1]!).endsWith("...");
    const active = variadic ? Math.min(call.arg, sig.parameters.length - 1) : call.arg;
    return {
      signatures: [
        {
          label: sig.label,
          parameters: sig.parameters.map((label) => ({ label })),
          ...(sig.documentation
            ? { documentation: { kind: "markdown", value: sig.documentation } }
            : {}),
        },
      ],
      activeSignature: 0,
      activeParameter: active,
    };
  });

  // "did you mean": a diagnostic on a name the policy lacks carries it and the name it likely
  // meant (model.ts puts them in `data`); the fix puts the meant name in the diagnostic's range
  // where the document has the written one there (not a `$1_t` a macro made it from, nor text an
  // edit since has moved)
  connection.onCodeAction((params): CodeAction[] | ResponseError => {
    const bad = badParams(params, { codeAction: true });
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return params.context.diagnostics.flatMap((d): CodeAction[] => {
      const fix = lintFixOf(doc, d);
      if (fix) return [fix];
      const s = (d?.data as { suggestion?: { written?: unknown; meant?: unknown } } | undefined)
        ?.suggestion;
      if (
        typeof d?.range !== "object" ||
        d.source !== "xsm" ||
        typeof s?.meant !== "string" ||
        s.written !== doc.getText(d.range)
      )
        return [];
      const edit: WorkspaceEdit = {
        changes: { [doc.uri]: [{ range: d.range, newText: s.meant }] },
      };
      return [
        {
          title: `Change to '${s.meant}'`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: true,
          edit,
        },
      ];
    });
  });

  /** A lint finding's certain fix (model.ts puts it in `data`: lint.ts), while the document still
   *  has there the text it was worked out from; one edit, removing those lines. */
  const lintFixOf = (doc: TextDocument, d: unknown): CodeAction | undefined => {
    const diag = d as { source?: unknown; data?: { fix?: unknown } } | undefined;
    const fix = diag?.data?.fix as { title?: unknown; range?: unknown; expect?: unknown } | undefined;
    if (diag?.source !== "xsm" || typeof fix?.title !== "string" || typeof fix.expect !== "string")
      return undefined;
    const range = fix.range as Range;
    if (
      typeof range?.start?.line !== "number" ||
      typeof range.end?.line !== "number" ||
      doc.getText(range) !== fix.expect
    )
      return undefined;
    return {
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d as LspDiagnostic],
      isPreferred: true,
      edit: { changes: { [doc.uri]: [{ range, newText: "" }] } },
    };
  };

  // from the analysis of the texts as they are now (waiting for it, as rename does); a text that
  // does not parse keeps the last good outline, of the names it still spells where they were
  connection.onDocumentSymbol(async (params): Promise<DocumentSymbol[] | ResponseError> => {
    const bad = badParams(params);
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    // (a lint config open beside the policy is JSON, no policy of its own)
    if (!doc || isLintConfig(doc.uri)) return [];
    const unit = unitOf(doc.uri);
    const m = (await current(unit)) ?? models.get(unit.key);
    const stale = !m || carried.has(m) || m.version !== versions.get(unit.key);
    // a module modules.conf leaves off: its declarations as the tree would have them with it on
    const off =
      unit.kind === "tree" && m && !stale ? await builtOn(unit, m, pathOf(doc.uri)) : undefined;
    // (the document may have been closed while its analysis ran)
    const now = documents.get(doc.uri) ?? doc;
    if (off)
      return documentOutline({ doc: now, index: off, stale: false, m4: true, notBuilt: true });
    return documentOutline({ doc: now, index: m?.index, stale, m4: unit.kind === "tree" });
  });

  /** The index of the tree built with the module of `path` switched on, when modules.conf (the
   *  editor's, when open) leaves it off; undefined for any other file, or a tree that does not
   *  build so. Analysed apart (the unit's own analysis goes on), once per analysis of the unit. */
  const builtOn = (unit: Unit, m: Model, path: string): Promise<IndexModel | undefined> => {
    const modulesConf = moduleSwitchOf(path)?.conf;
    if (modulesConf === undefined) return Promise.resolve(undefined);
    const open = documents
      .all()
      .find((d) => resolve(pathOf(d.uri)) === modulesConf)
      ?.getText();
    const name = moduleOff(path, open);
    const job = jobOf(unit);
    if (name === undefined || !job) return Promise.resolve(undefined);
    let mine = switchedOn.get(m);
    if (!mine) switchedOn.set(m, (mine = new Map()));
    const known = mine.get(name);
    if (known) return known;
    let text = open;
    if (text === undefined) {
      try {
        text = readFileSync(modulesConf, "utf8");
      } catch {
        return Promise.resolve(undefined);
      }
    }
    const overlay = new Map(job.overlay ?? []);
    overlay.set(
      resolve(modulesConf),
      `${text.endsWith("\n") || text === "" ? text : `${text}\n`}${name} = on\n`,
    );
    const key = `${unit.key}#${name}=on`;
    const run = runner.run({ ...job, unit: key, overlay: [...overlay] }).then((built) => {
      runner.release(key);
      return built?.index;
    });
    mine.set(name, run);
    return run;
  };
  const switchedOn = new WeakMap<Model, Map<string, Promise<IndexModel | undefined>>>();

  connection.onDocumentFormatting((params): TextEdit[] | ResponseError => {
    const bad = badParams(params);
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    if (!doc || isLintConfig(doc.uri)) return [];
    const text = doc.getText();
    const path = pathOf(doc.uri);
    // a module modules.conf leaves off (the editor's modules.conf, when it is open) is never built
    const modulesConf = moduleSwitchOf(path)?.conf;
    const conf =
      modulesConf === undefined
        ? undefined
        : documents
            .all()
            .find((d) => resolve(pathOf(d.uri)) === modulesConf)
            ?.getText();
    const unread = moduleOff(path, conf) !== undefined;
    let formatted: string;
    try {
      formatted = formatSource(text, kindOf(path), { unread });
    } catch (err) {
      // fmt refuses what it cannot lay out safely or what compile refuses as it is: the document
      // stays as it is, and the editor is told why, at the first place `xsm fmt` would name
      if (!(err instanceof FormatError)) throw err;
      const [first, ...more] = err.diagnostics(path, text);
      const where = first?.span ? `${first.span.line}:${first.span.col}: ` : "";
      const others = more.length > 0 ? ` (and ${more.length} more)` : "";
      return refuse(
        `not formatted: ${where}${first?.message ?? err.message}${others}; ` +
          "the document is left as it is",
      );
    }
    if (formatted === text) return [];
    return [
      {
        range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) },
        newText: formatted,
      },
    ];
  });

  const refuse = (message: string) =>
    new ResponseError(LSPErrorCodes.RequestFailed, `xsm: ${message}`);

  connection.onPrepareRename((params) => {
    const bad = badParams(params, { position: true });
    if (bad) return bad;
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const found = occurrencesOf(at.m, at.w.word, at.slot);
    if (!found) return null;
    const refused = refusal(found.kind, at.w.word);
    if (refused) return refuse(refused);
    return { start: at.doc.positionAt(at.w.start), end: at.doc.positionAt(at.w.end) };
  });

  // the resolved occurrences of the name (as the compiler read them, each placed in the file and
  // line it came from, through m4 for a tree), not the word wherever it is written: a permission,
  // a class or a comment spelled alike stays as it is. Answered from the analysis of the texts as
  // they are now (a rename right after typing waits for it), and only when every place still
  // spells the old name: nothing is half-renamed.
  connection.onRenameRequest(async (params): Promise<WorkspaceEdit | ResponseError | null> => {
    const bad = badParams(params, { position: true, newName: true });
    if (bad) return bad;
    const unit = unitOf(params.textDocument.uri);
    const fresh = await current(unit);
    if (!fresh)
      return refuse("the policy is still being analysed; rename again when its diagnostics are in");
    if (carried.has(fresh))
      return refuse(
        "the policy does not parse as it is now (see its diagnostics): fix that first, " +
          "so the names are placed in the text as it is",
      );
    const at = lookup(params.textDocument.uri, params.position);
    if (!at) return null;
    const { m, w, slot } = at;
    const found = occurrencesOf(m, w.word, slot);
    if (!found) return null;
    const plan = planRename(m, found.kind, found.list, w.word, params.newName);
    if ("refused" in plan) return refuse(plan.refused);
    const index = m.index!;
    const changes: Record<string, TextEdit[]> = {};
    const seen = new Set<string>();
    for (const e of plan.edits) {
      const l = locationAt(index, e.at);
      if (!l)
        return refuse(
          `an occurrence of \`${e.oldText}\` could not be placed in the tree's files: ` +
            "nothing renamed",
        );
      const key = `${l.uri}:${l.range.start.line}:${l.range.start.character}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const line = lineText(m, l.uri, l.range.start.line);
      const there = line?.slice(l.range.start.character, l.range.end.character);
      if (l.range.start.line !== l.range.end.line || there !== e.oldText) {
        const { start } = l.range;
        const file = m.tree ? relativeIn(m.tree, l.uri) : "line";
        const where = `${file} ${start.line + 1}:${start.character + 1}`;
        return refuse(
          `\`${e.oldText}\` comes from ${where}, where the text is \`${line?.trim() ?? ""}\` ` +
            "(a name a macro puts together?): rename it there by hand; nothing renamed",
        );
      }
      (changes[l.uri] ??= []).push({ range: l.range, newText: e.newText });
    }
    if (unit.kind === "tree" && m.tree) {
      const broken = await treeAfter(
        unit,
        m,
        changes,
        new Map(plan.edits.map((e) => [e.newText, e.oldText])),
      );
      if (broken)
        return refuse(
          `after this rename the tree would not build as before: ${broken}; nothing renamed`,
        );
    }
    return { changes };
  });

  /** In a tree, m4 may make other names from the renamed one (`$1_channel`), which places that
   *  spell them would still name: the renamed texts are analysed apart (the unit's own analysis
   *  goes on), and any error they have that the texts before did not is returned. */
  const treeAfter = async (
    unit: Unit,
    m: Model,
    changes: Record<string, TextEdit[]>,
    renamed: Map<string, string>,
  ): Promise<string | undefined> => {
    const job = jobOf(unit);
    if (!job) return "the tree has no open document";
    const tree = m.tree!;
    const overlay = new Map(job.overlay ?? []);
    for (const [uri, edits] of Object.entries(changes)) {
      const path = resolve(pathOf(uri));
      const text = overlay.get(path) ?? sourcesOf(tree)(relative(tree.dir, path)) ?? "";
      overlay.set(
        path,
        TextDocument.applyEdits(TextDocument.create(uri, "xsm-policy", 0, text), edits),
      );
    }
    const key = `${unit.key}#rename`;
    const after = await runner.run({ ...job, unit: key, overlay: [...overlay] });
    runner.release(key);
    if (!after) return "its check was cancelled";
    return brokenBy(m, after, renamed, (uri, line) => `${relativeIn(tree, uri)}:${line + 1}`);
  };

  // semantic tokens (semantic-tokens.ts), from the last analysis where the text still spells its
  // names
  const tokensOf = (uri: string, range?: LineRange): SemanticTokens => {
    const doc = documents.get(uri);
    return {
      data: doc
        ? semanticTokens(
            doc.getText(),
            uri,
            models.get(unitOf(uri).key),
            kindOf(pathOf(uri)) === "m4",
            range,
          )
        : [],
    };
  };
  connection.languages.semanticTokens.on(
    (params) => badParams(params) ?? tokensOf(params.textDocument.uri),
  );
  connection.languages.semanticTokens.onRange(
    (params) =>
      badParams(params, { range: true }) ??
      tokensOf(params.textDocument.uri, {
        from: params.range.start.line,
        to: params.range.end.line,
      }),
  );

  // folding ranges (folding.ts): brackets and comments from the text, sections from its analysis
  connection.onFoldingRanges((params): FoldingRange[] | ResponseError => {
    const bad = badParams(params);
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const unit = unitOf(doc.uri);
    const m = models.get(unit.key);
    return foldingRanges(
      doc.getText(),
      kindOf(pathOf(doc.uri)) === "m4",
      m?.version === versions.get(unit.key) ? m?.sections : undefined,
    );
  });

  // selection ranges (selection.ts): the text's brackets and statements, a policy.conf's parsed
  // statements and sections from its last good parse, where the text is still as it was then
  connection.onSelectionRanges((params): SelectionRange[] | ResponseError => {
    const bad = badParams(params, { positions: true });
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const m4 = kindOf(pathOf(doc.uri)) === "m4";
    const parse = parses.get(unitOf(doc.uri).key);
    if (!parse) return selectionRanges({ doc, m4 }, params.positions);
    const text = doc.getText();
    const { spans: statements, edited } = carrySpans(parse.text, text, parse.statements);
    const sections = carrySpans(parse.text, text, parse.sections).spans.map(([a, b]) => ({
      start: doc.positionAt(a).line,
      end: doc.positionAt(b).line,
    }));
    return selectionRanges({ doc, m4, statements, edited, sections }, params.positions);
  });

  // inlay hints (inlay.ts): parameter names at a tree's interface calls, types behind an attribute
  connection.languages.inlayHint.on((params): InlayHint[] | ResponseError => {
    const bad = badParams(params, { range: true });
    if (bad) return bad;
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const m = models.get(unitOf(doc.uri).key);
    const tree = m?.tree;
    return inlayHints({
      doc,
      range: params.range,
      options: settings.inlay,
      macros: m?.macros,
      sourceOf: tree && sourcesOf(tree),
      index: m?.index,
      names: m?.names,
    });
  });

  connection.onShutdown(() => runner.dispose());

  documents.listen(connection);
  connection.listen();

  function describeMacro(m: Model, name: string): string {
    const def = m.macros!.get(name)!;
    const text = sourcesOf(m.tree!)(def.file) ?? "";
    const comment = macroComment(text, def);
    const line = text.slice(0, def.bodyOffset).split("\n").length;
    const calls = macroReferences(m, name).length;
    return [
      `**m4 interface** \`${name}\` — ${def.file}:${line}`,
      "",
      comment.join("\n"),
      "",
      `called ${calls} time${calls === 1 ? "" : "s"} in the tree`,
    ].join("\n");
  }

  /** A hover over a pattern m4 makes names from: the names, and what the policy says of the first
   *  few. */
  function describeMade(m: Model, pattern: string, names: readonly string[]): string {
    const shown = names.slice(0, MADE_SHOWN);
    const more = names.length > shown.length ? `, and ${names.length - shown.length} more` : "";
    const count = names.length === 1 ? "" : `${names.length} names `;
    const listed = shown.map((n) => `\`${n}\``).join(", ");
    const head = `m4 makes ${count}here from \`${pattern}\`: ${listed}${more}`;
    // a name the pattern's parameters split several ways: every reading
    const split = shown.flatMap((name) => readingsText(pattern, name) ?? []);
    const about = shown.slice(0, MADE_DESCRIBED).flatMap(
      (name) =>
        describe(m.names, m.platforms, name, occurrencesOf(m, name, { kind: "other" })?.kind, {
          kind: "other",
        }) ?? [],
    );
    return [split.length > 0 ? [head, ...split].join("\n\n") : head, ...about].join("\n\n---\n\n");
  }

  function macroLocation(tree: PolicyTree, file: string, offset: number, name: string): Location {
    const text = sourcesOf(tree)(file) ?? "";
    const nameAt = text.lastIndexOf(name, offset);
    const at = nameAt >= 0 ? nameAt : offset;
    const doc = TextDocument.create("x", "x", 0, text);
    return {
      uri: fileUri(tree, file),
      range: { start: doc.positionAt(at), end: doc.positionAt(at + name.length) },
    };
  }

  function macroReferences(m: Model, name: string): Location[] {
    const out: Location[] = [];
    const tree = m.tree!;
    const sources = sourcesOf(tree);
    for (const file of tree.sections) {
      const text = sources(file);
      if (text === undefined || !text.includes(name)) continue;
      const doc = TextDocument.create("x", "x", 0, text);
      for (const call of macroCalls(text, 0, text.length, m.macros!)) {
        if (call.name === name)
          out.push({
            uri: fileUri(tree, file),
            range: {
              start: doc.positionAt(call.offset),
              end: doc.positionAt(call.offset + name.length),
            },
          });
      }
    }
    return out;
  }
}

/** A model's statement ranges (line, character pairs) as offsets into the document. */
function spansOf(doc: TextDocument, ranges: Int32Array): Span2[] {
  const out: Span2[] = [];
  for (let k = 0; k + 3 < ranges.length; k += 4) {
    out.push([
      doc.offsetAt({ line: ranges[k]!, character: ranges[k + 1]! }),
      doc.offsetAt({ line: ranges[k + 2]!, character: ranges[k + 3]! }),
    ]);
  }
  return out;
}

/** A hover over a pattern m4 makes names from lists this many, and describes the first few. */
const MADE_SHOWN = 12;
const MADE_DESCRIBED = 3;

/** At most this many workspace symbols per request (an empty query asks for every one). */
const WORKSPACE_SYMBOLS = 2000;

/** Stdio server for `xsm lsp`. */
export async function runStdioServer(options: ServerOptions = {}): Promise<void> {
  const connection = createConnection(
    new StreamMessageReader(process.stdin),
    new StreamMessageWriter(process.stdout),
  );
  startServer(connection, options);
  await new Promise<void>((done) => connection.onExit(() => done()));
}
