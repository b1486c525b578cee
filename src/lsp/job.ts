// One analysis job: the text (or tree) of one version of a unit -> the model the server answers
// from (model.ts). Runs in the analysis worker (worker.ts), or in the server's own thread when no
// worker can be started.
import type { Diagnostic as LspDiagnostic } from "vscode-languageserver";
import { analyzeText, analyzeTree } from "./analysis.js";
import { buildModel, zero, type Model, type Origin } from "./model.js";
import { indexTokens } from "./semantic-tokens.js";
import { readLintConfig } from "./lint.js";
import type { LintConfig } from "../lint/index.js";

export interface Job {
  unit: string;
  version: number;
  origin: Origin;
  /** A .conf: its path (as diagnostics name it) and the document's text. */
  file?: string;
  text?: string;
  /** A tree: the open documents' texts by absolute path, in place of the files on disk. */
  overlay?: [string, string][];
  flaskDir?: string;
  /** The policy is MLS (checkpolicy -M; a tree's MLS build). */
  mls?: boolean;
  /** Where a tree that cannot be built is reported (an open document of the unit). */
  reportUri?: string;
  /** Lint after a compile that succeeds (absent: no lint): the config `xsm lint` would read, its
   *  path and its text (none when there is no such file). */
  lint?: { configPath: string; configText?: string; unreadable?: string };
}

export function runJob(job: Job): Model {
  const config = lintConfigOf(job);
  const lint = "config" in config ? config.config : undefined;
  const model = analyse(job, lint);
  if ("problem" in config) {
    // as `xsm lint` refuses such a config: said, and no findings rather than some
    const uri = job.origin.kind === "conf" ? job.origin.uri : job.reportUri;
    const message = `${config.problem} (the lint config): no lint findings until it is fixed`;
    const d: LspDiagnostic = { range: zero(), severity: 1, source: "xsm", code: "input", message };
    const at = model.diagnostics.find(([u]) => u === uri);
    if (at) at[1].push(d);
    else if (uri) model.diagnostics.push([uri, [d]]);
  }
  return model;
}

/** The job's lint config: none (lint off, or no file: every check as the catalog says), read, or
 *  what is wrong with it. */
function lintConfigOf(job: Job): { config?: LintConfig } | { problem: string } {
  if (!job.lint) return {};
  if (job.lint.unreadable !== undefined) return { problem: job.lint.unreadable };
  if (job.lint.configText === undefined) return { config: {} };
  return readLintConfig(job.lint.configPath, job.lint.configText);
}

function analyse(job: Job, lint: LintConfig | undefined): Model {
  if (job.origin.kind === "conf")
    return withTokens(
      buildModel(
        analyzeText(job.text ?? "", job.file ?? job.origin.uri, { mls: job.mls, lint }),
        job.origin,
        job.unit,
        job.version,
      ),
    );
  try {
    return withTokens(
      buildModel(
        analyzeTree(job.origin.root, new Map(job.overlay ?? []), job.flaskDir, job.mls === true, lint),
        job.origin,
        job.unit,
        job.version,
      ),
    );
  } catch (err) {
    // readTree's refusals (TreeError) and m4 that cannot run: one located-as-well-as-we-can message
    const message = err instanceof Error ? err.message : String(err);
    const d: LspDiagnostic = { range: zero(), severity: 1, source: "xsm", code: "input", message };
    return {
      unit: job.unit,
      version: job.version,
      diagnostics: job.reportUri ? [[job.reportUri, [d]]] : [],
      platforms: [],
    };
  }
}

/** The index's semantic tokens, made here with the analysis rather than on the server's thread. */
function withTokens(m: Model): Model {
  if (m.index)
    m.index.tokens = indexTokens(
      m.index,
      m.names,
      m.platforms.map((p) => p.name.name),
    );
  return m;
}

/** The buffers a model can hand over instead of copying (each array owns its buffer). */
export function transferables(m: Model): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (m.index) {
    const i = m.index;
    for (const a of [i.name, i.kind, i.decl, i.owner, i.file, i.line, i.start, i.end, i.scopes])
      out.push(a.buffer as ArrayBuffer);
    if (i.made) out.push(i.made.buffer as ArrayBuffer);
    if (i.tokens)
      for (const a of [i.tokens.token, i.tokens.order, i.tokens.fileStart])
        out.push(a.buffer as ArrayBuffer);
  }
  if (m.statements) out.push(m.statements.buffer as ArrayBuffer);
  if (m.names?.ruleCounts) out.push(m.names.ruleCounts.buffer as ArrayBuffer);
  return out;
}
