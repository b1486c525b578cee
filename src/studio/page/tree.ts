// A policy tree in the page (Xen's tools/flask/policy layout, as `xsm build` builds it): the page
// compiles m4's output, since it cannot run m4, and names every location in the tree's own files
// through src/build/locate.ts's Locator (the mapping `xsm build`, `xsm simulate` and `xsm test`
// use): a rule at its .te/.if line with the macro call that wrote it. The tree's files are what the
// user edits; the server runs m4 over the page's texts of them again (src/studio/rebuild.ts), which
// an exported site cannot.
import type { Diagnostic, Span } from "../../diagnostics/diagnostic.js";
import { error } from "../../diagnostics/diagnostic.js";
import { Locator } from "../../build/locate.js";
import { sectionMacros } from "../../build/macros.js";
import type { LocateRule } from "../../policy/reasons.js";
import type { PolicySource } from "../../sim/validate.js";
import type { RebuildResponse, StudioTree } from "../manifest.js";
import type { PolicyIndex } from "./symbols.js";
import { joinPath, type Workspace } from "./workspace.js";

/** The name m4's output is compiled under: its #line directives name the tree's files. */
export const TREE_CONF = "policy.conf";

export class TreeBuild {
  /** m4's output of the last build that succeeded. */
  conf: string;
  /** m4's complaints about the last build (located in the tree's files); errors mean `conf` is an
   *  older build's. */
  m4Diagnostics: Diagnostic[] = [];
  private sections: string[];
  /** The tree's texts m4 read for `conf`: the mapping reads these, not what has been typed since. */
  private built = new Map<string, string>();
  private locator: Locator;

  constructor(
    /** The policy's name in the workspace ("." for the tree a scenario names so). */
    readonly name: string,
    readonly info: StudioTree,
    private readonly ws: Workspace,
  ) {
    this.conf = ws.text(name) ?? "";
    this.sections = info.sections;
    for (const f of info.files) this.built.set(f.name, ws.text(this.key(f.name)) ?? "");
    this.locator = this.locatorFor();
    // (the build at start failed: its errors stand until an edit builds)
    if (info.diagnostics) this.m4Diagnostics = this.located(info.diagnostics);
  }

  /** The tree as the page names it: its directory, with a slash ("xen-flask/" for "."). */
  get label(): string {
    return treeLabel(this.name, this.info);
  }

  /** The tree's files as it names them, modules/modules.conf and the sections first. */
  get files(): string[] {
    return this.info.files.map((f) => f.name);
  }

  /** The workspace's name of a tree file ("modules/xen.te" of tree "xen-flask": "xen-flask/modules/xen.te"). */
  key(file: string): string {
    return joinPath(this.name, file);
  }

  /** The tree file a workspace name is, if it is one. */
  fileOf(key: string): string | undefined {
    return this.files.find((f) => this.key(f) === key);
  }

  /** The server can run m4 again (not in an exported site, nor without m4). */
  get canRebuild(): boolean {
    return this.info.rebuild !== undefined;
  }

  /** Why the tree's files are read only (the server has no m4), if they are. */
  get readOnly(): string | undefined {
    return this.info.readOnly;
  }

  /** A rule's span of m4's output -> its .te/.if line and the macro call that wrote it. */
  get rule(): LocateRule {
    return this.locator.rule;
  }

  /** A compile diagnostic of m4's output, in the tree's files with a note per macro level. */
  diagnostic(d: Diagnostic): Diagnostic {
    return this.locator.diagnostic(d);
  }

  /** A span of m4's output in the tree's files (a name's declaration, an outline item). */
  locate(span: Span): Span {
    return this.locator.locate(span).span;
  }

  /** The policy as the simulator reads a tree (src/cli/scenario-input.ts hands it the same). */
  source(): PolicySource {
    return { text: this.conf, name: TREE_CONF, locate: this.locator.rule, diagnostic: (d) => this.locator.oneLine(d) };
  }

  /** m4's diagnostics with an offset into the file they name (m4 gives a line only). */
  located(diagnostics: readonly Diagnostic[]): Diagnostic[] {
    return diagnostics.map((d) => (d.span ? fill(d, this.built.get(d.span.file)) : d));
  }

  /** Runs m4 again over the workspace's texts of the tree's files (the server's rebuild). On
   *  success `conf` is the new output; m4's errors keep the last good one and are reported. */
  async rebuild(base: URL): Promise<void> {
    const texts = Object.fromEntries(this.files.map((f) => [f, this.ws.text(this.key(f)) ?? ""]));
    let answer: RebuildResponse;
    try {
      const res = await fetch(new URL(this.info.rebuild!, base), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Xsm-Studio": this.info.token ?? "" },
        body: JSON.stringify({ files: texts }),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).trim()}`);
      answer = (await res.json()) as RebuildResponse;
    } catch (err) {
      this.m4Diagnostics = [error("input", `cannot rebuild the tree: ${(err as Error).message} (is xsm studio still running?)`)];
      return;
    }
    this.apply(answer, texts);
  }

  /** A rebuild's answer for `texts` (what was sent). */
  apply(answer: RebuildResponse, texts: Record<string, string>): void {
    if (answer.text === undefined) {
      // (located in what was sent: the errors are about the text as typed)
      const sent = new Map(Object.entries(texts));
      this.m4Diagnostics = answer.diagnostics.map((d) => (d.span ? fill(d, sent.get(d.span.file)) : d));
      return;
    }
    this.conf = answer.text;
    this.sections = answer.sections;
    this.built = new Map(Object.entries(texts));
    this.locator = this.locatorFor();
    this.m4Diagnostics = this.located(answer.diagnostics);
  }

  private locatorFor(): Locator {
    const sources = (file: string) => this.built.get(file);
    return new Locator(this.conf, sources, sectionMacros(this.sections, sources));
  }
}

/** `d` with the offset of its line in `text` (m4 names a line only). */
function fill(d: Diagnostic, text: string | undefined): Diagnostic {
  if (!d.span || d.span.offset >= 0 || text === undefined) return d;
  let offset = 0;
  for (let n = 1; n < d.span.line; n++) {
    const nl = text.indexOf("\n", offset);
    if (nl < 0) return d;
    offset = nl + 1;
  }
  const end = text.indexOf("\n", offset);
  return { ...d, span: { ...d.span, offset, length: Math.max(1, (end < 0 ? text.length : end) - offset) } };
}

/** The names of m4's output, each declared where the tree declares it (hover, F12, the outline). */
export function indexInTree(index: PolicyIndex, locate: (span: Span) => Span): PolicyIndex {
  return {
    ...index,
    symbols: new Map([...index.symbols].map(([name, sym]) => [name, { ...sym, span: locate(sym.span) }])),
    sids: new Map([...index.sids].map(([name, sym]) => [name, { ...sym, span: locate(sym.span) }])),
    platforms: index.platforms.map((p) => ({ ...p, span: locate(p.span) })),
    outline: index.outline.map((g) => ({ ...g, items: g.items.map((i) => ({ ...i, span: locate(i.span) })) })),
    // (a rule's hover is by its place in the text shown, and the editor shows one file of the
    // tree, not m4's output: the Rules outline still leads to each)
    rules: [],
  };
}

/** A policy tree of the workspace as the page names it: its path, or for "." (what the studio was
 *  started on, or a scenario's tree beside it) its directory's own name; a slash says it is one. */
export function treeLabel(name: string, info: StudioTree): string {
  return `${name === "." ? info.dir : name}/`;
}
