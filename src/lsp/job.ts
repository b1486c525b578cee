// One analysis job: the text (or tree) of one version of a unit -> the model the server answers
// from (model.ts). Runs in the analysis worker (worker.ts), or in the server's own thread when no
// worker can be started.
import type { Diagnostic as LspDiagnostic } from "vscode-languageserver";
import { analyzeText, analyzeTree } from "./analysis.js";
import { buildModel, zero, type Model, type Origin } from "./model.js";
import { indexTokens } from "./semantic-tokens.js";
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
  /** Lint after a compile that succeeds (absent: no lint), with the severities of the config
   *  `xsm lint` would read (the server reads it: a wrong one is said on its own file, and the
   *  catalog's severities hold meanwhile). */
  lint?: LintConfig;
}

export function runJob(job: Job): Model {
  return analyse(job, job.lint);
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
