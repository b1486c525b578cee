// The scenario editor: JSON with lang-json, every error located (JSON syntax, then the schema and
// the meaning checks of validate.ts, each at its JSON path) and completion from
// scenario.schema.json (property names, enums such as `op` and `strategy`, the scenario's domain
// names, the SBDFs the policy labels).
import { autocompletion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { json, jsonParseLinter } from "@codemirror/lang-json";
import { syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { setDiagnostics, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import type { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import type { ScenarioError } from "../../sim/scenario.js";
import { editorState, replaceKeepingPlace } from "./editor-setup.js";
import { placeAt, rangeOfPath } from "./json-paths.js";

type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema; allOf?: { if?: Schema; then?: Schema }[]; enum?: unknown[]; const?: unknown; description?: string; oneOf?: Schema[]; anyOf?: Schema[]; additionalProperties?: boolean | Schema };

export interface ScenarioEditorOptions {
  parent: HTMLElement;
  schema: object;
  onChange(text: string): void;
  /** Names the completion offers where the schema asks for a domain or an SBDF. */
  hints(): { domains: string[]; sbdfs: string[] };
}

export class ScenarioEditor {
  readonly view: EditorView;
  private readonly parseLint = jsonParseLinter();

  constructor(private readonly opts: ScenarioEditorOptions) {
    this.view = new EditorView({ parent: opts.parent, state: this.stateFor("") });
  }

  private stateFor(text: string): EditorState {
    return editorState(text, {
      language: [json(), syntaxHighlighting(defaultHighlightStyle)],
      features: [autocompletion({ override: [(ctx) => this.complete(ctx)] })],
      onChange: (t) => this.opts.onChange(t),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  load(text: string): void {
    this.view.setState(this.stateFor(text));
  }

  /** The same file's text from disk (a reload): the cursor and scroll kept, undo not. */
  reload(text: string): void {
    replaceKeepingPlace(this.view, this.stateFor(text));
  }

  /** JSON syntax errors first (lang-json's), else the validation errors at their paths. */
  showErrors(errors: readonly ScenarioError[]): void {
    const syntax = this.parseLint(this.view);
    const out: CmDiagnostic[] = syntax.length
      ? syntax
      : errors.map((e) => ({ ...rangeOfPath(this.view.state, e.path), severity: "error" as const, message: `${e.path || "/"}: ${e.message}` }));
    this.view.dispatch(setDiagnostics(this.view.state, out));
  }

  /** lang-json's message for a syntax error, with its line, if the text does not parse. */
  syntaxError(): string | undefined {
    const d = this.parseLint(this.view)[0];
    return d ? `line ${this.view.state.doc.lineAt(d.from).number}: ${d.message}` : undefined;
  }

  private complete(ctx: CompletionContext): CompletionResult | null {
    const place = placeAt(ctx.state, ctx.pos);
    if (!place) return null;
    const schema = this.opts.schema as Schema;
    const containers = schemasAt(schema, schema, place.path, place.siblings);
    if (place.at === "key") {
      const keys = [...new Set(containers.flatMap((s) => Object.keys(s.properties ?? {})))].filter((k) => k !== "$schema" && !(k in place.siblings));
      if (!keys.length) return null;
      return { from: place.from, options: keys.map((k) => ({ label: JSON.stringify(k), apply: `${JSON.stringify(k)}: `, type: "property", detail: containers.map((s) => s.properties?.[k]?.description).find(Boolean) })) };
    }
    const props = place.key === undefined ? containers.map((s) => s.items).filter((s): s is Schema => !!s) : containers.map((s) => s.properties?.[place.key!]).filter((s): s is Schema => !!s);
    const values = new Set<string>();
    for (const p of props.map((p) => resolve(schema, p))) {
      for (const v of p.enum ?? []) values.add(JSON.stringify(v));
      if (p.const !== undefined) values.add(JSON.stringify(p.const));
    }
    const refs = props.map((p) => p.$ref ?? "").join(" ");
    const hints = this.opts.hints();
    if (/domainName/.test(refs) || ["as", "domain", "owner", "target"].includes(place.key ?? "")) hints.domains.forEach((d) => values.add(JSON.stringify(d)));
    if (/sbdf/.test(refs) || ["sbdf", "physfn"].includes(place.key ?? "")) hints.sbdfs.forEach((d) => values.add(JSON.stringify(d)));
    if (!values.size) return null;
    return { from: place.from, options: [...values].map((v) => ({ label: v, type: "enum" })) };
  }
}

function resolve(root: Schema, s: Schema): Schema {
  for (let i = 0; s.$ref && i < 10; i++) {
    const name = s.$ref.replace(/^#\/definitions\//, "");
    s = (root as { definitions?: Record<string, Schema> }).definitions?.[name] ?? {};
  }
  return s;
}

/** The schemas that apply to the object at `path` (a step's own op schema included). */
function schemasAt(root: Schema, s: Schema, path: string[], siblings: Record<string, unknown>): Schema[] {
  const here = expand(root, resolve(root, s), path.length === 0 ? siblings : {});
  if (path.length === 0) return here;
  const [seg, ...rest] = path;
  const next: Schema[] = [];
  for (const h of here) {
    if (/^\d+$/.test(seg!) && h.items) next.push(h.items);
    else if (h.properties?.[seg!]) next.push(h.properties[seg!]!);
  }
  return next.flatMap((n) => schemasAt(root, n, rest, siblings));
}

/** A schema and the `then` of each `allOf` branch whose `if` const matches the object's values. */
function expand(root: Schema, s: Schema, siblings: Record<string, unknown>): Schema[] {
  const out = [s];
  for (const branch of s.allOf ?? []) {
    const cond = Object.entries(branch.if?.properties ?? {});
    if (branch.then && cond.length && cond.every(([k, v]) => siblings[k] === v.const)) out.push(resolve(root, branch.then));
  }
  for (const alt of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) out.push(resolve(root, alt));
  return out;
}
