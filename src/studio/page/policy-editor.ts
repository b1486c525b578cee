// The policy editor: CodeMirror 6 with the policy.conf highlighter, the compiler's diagnostics
// (pushed by the page after each compile, so the editor and the panels agree), hover for names and
// jump to definition (F12, or Ctrl/Cmd-click).
import { syntaxHighlighting } from "@codemirror/language";
import { setDiagnostics, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { EditorSelection, EditorState, type ChangeDesc, type Text } from "@codemirror/state";
import { EditorView, hoverTooltip, keymap } from "@codemirror/view";
import { noteText, type Diagnostic, type Span } from "../../diagnostics/diagnostic.js";
import { h } from "./dom.js";
import { editorState, replaceKeepingPlace } from "./editor-setup.js";
import { policyHighlight, policyLanguage } from "./language.js";
import { MERGED, grantText } from "./rule-facts.js";
import type { PolicyIndex, PolicySymbol } from "./symbols.js";

export interface PolicyEditorOptions {
  parent: HTMLElement;
  text: string;
  /** Every edit, with the change and the text before it (the page moves its diagnostics with it). */
  onChange(text: string, changes: ChangeDesc, before: Text): void;
  /** The latest index of names (may lag the text while it does not parse). */
  index(): PolicyIndex | undefined;
  /** Shows a declaration in whichever file holds it (a policy tree's); default: in this text. */
  goto?(span: Span): void;
  /** Where a declaration is, in words (a tree's "modules/xen.te:12"); default: its line here. */
  where?(span: Span): string;
  /** Typing into a read-only text (m4's output of a tree): the page says why nothing changes. */
  refused?(): void;
}

export class PolicyEditor {
  readonly view: EditorView;

  constructor(private readonly opts: PolicyEditorOptions) {
    this.view = new EditorView({ parent: opts.parent, state: this.stateFor(opts.text) });
  }

  private readOnly = false;

  private stateFor(text: string): EditorState {
    return editorState(text, {
      language: [policyLanguage, syntaxHighlighting(policyHighlight)],
      features: [
        hoverTooltip((view, pos) => this.hover(view, pos), { hoverTime: 250 }),
        keymap.of([{ key: "F12", run: (view) => this.gotoDefinition(view.state.selection.main.head) }]),
        EditorState.readOnly.of(this.readOnly),
        EditorView.domEventHandlers({
          keydown: (event) => {
            if (this.readOnly && (event.key.length === 1 || ["Backspace", "Delete", "Enter"].includes(event.key)) && !event.ctrlKey && !event.metaKey) this.opts.refused?.();
            return false;
          },
          paste: () => (this.readOnly && this.opts.refused?.(), false),
          drop: () => (this.readOnly && this.opts.refused?.(), false),
          mousedown: (event, view) => {
            if (!(event.ctrlKey || event.metaKey)) return false;
            const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
            return pos !== null && this.gotoDefinition(pos);
          },
        }),
      ],
      onChange: (t, changes, before) => this.opts.onChange(t, changes, before),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** A new file: a fresh state (no undo across files); `readOnly` for a text no edit can reach
   *  the sources of (m4's output). */
  load(text: string, readOnly = false): void {
    this.readOnly = readOnly;
    this.view.setState(this.stateFor(text));
  }

  /** The same file's text from disk (a reload): the cursor and scroll kept, undo not. */
  reload(text: string): void {
    replaceKeepingPlace(this.view, this.stateFor(text));
  }

  showDiagnostics(diagnostics: readonly Diagnostic[]): void {
    const len = this.view.state.doc.length;
    const out: CmDiagnostic[] = [];
    for (const d of diagnostics) {
      if (d.span) out.push(cm(d.span.offset, d.span.length, len, d.severity, `${d.message} [${d.code}]`));
      for (const n of d.notes ?? []) if (n.span) out.push(cm(n.span.offset, n.span.length, len, "info", `note: ${noteText(n)}`));
    }
    this.view.dispatch(setDiagnostics(this.view.state, out));
  }

  /** Selects [offset, offset+length) and scrolls it to the middle. */
  reveal(offset: number, length: number): void {
    const len = this.view.state.doc.length;
    const from = Math.min(Math.max(0, offset), len);
    const to = Math.min(from + Math.max(0, length), len);
    this.view.dispatch({ selection: EditorSelection.single(to, from), effects: EditorView.scrollIntoView(from, { y: "center" }) });
    this.view.focus();
  }

  private symbolAt(pos: number): { sym: PolicySymbol | undefined; word: string; from: number; to: number } | undefined {
    const range = this.view.state.wordAt(pos);
    if (!range) return undefined;
    const word = this.view.state.sliceDoc(range.from, range.to);
    const index = this.opts.index();
    // a name just after `sid` is an initial SID's, whatever else is named so (Xen's `xen` class)
    const line = this.view.state.doc.lineAt(range.from);
    const sid = /(?:^|\s)sid\s+$/.test(this.view.state.sliceDoc(line.from, range.from));
    return { sym: sid ? index?.sids.get(word) : index?.symbols.get(word), word, from: range.from, to: range.to };
  }

  private gotoDefinition(pos: number): boolean {
    const at = this.symbolAt(pos);
    if (!at?.sym) return false;
    if (this.opts.goto) this.opts.goto(at.sym.span);
    else this.reveal(at.sym.span.offset, at.sym.span.length);
    return true;
  }

  private hover(view: EditorView, pos: number) {
    const at = this.symbolAt(pos);
    if (!at) return null;
    const index = this.opts.index();
    const classes = index?.perms.get(at.word);
    if (!at.sym && !classes) return index ? this.ruleHover(index, at, pos) : null;
    return {
      pos: at.from,
      end: at.to,
      above: true,
      create: () => {
        const dom = h("div", { class: "hover", testid: "hover" });
        if (at.sym) {
          dom.append(h("div", { class: "hover-head" }, h("span", { class: `kind kind-${at.sym.kind}` }, at.sym.kind), " ", h("b", {}, at.sym.name)));
          for (const line of at.sym.detail) dom.append(h("div", {}, line));
          const where = this.opts.where ? this.opts.where(at.sym.span) : `line ${view.state.doc.lineAt(Math.min(at.sym.span.offset, view.state.doc.length)).number}`;
          dom.append(h("div", { class: "hover-foot" }, `declared at ${where} · F12 or Ctrl-click to go there`));
        }
        if (classes) dom.append(h("div", {}, h("span", { class: "kind kind-perm" }, "permission"), ` of ${classes.join(", ")}`));
        return { dom };
      },
    };
  }

  private ruleHover(index: PolicyIndex, at: { from: number; to: number }, pos: number) {
    const facts = ruleGrantsAt(index, pos);
    if (!facts) return null;
    return {
      pos: at.from,
      end: at.to,
      above: true,
      create: () => {
        const n = facts.grants.length;
        const dom = h("div", { class: "hover", testid: "hover" }, h("div", { class: "hover-head" }, h("span", { class: "kind kind-rule" }, "rule"), ` ${n} grant${n === 1 ? "" : "s"}, one per avtab key`));
        for (const g of facts.grants) dom.append(h("div", { class: "mono grant" }, g));
        for (const m of facts.members) dom.append(h("div", { class: "muted" }, m));
        for (const x of facts.held) dom.append(h("div", { class: "held", testid: "held" }, `under if ${x.source} as written, under if ${x.held} in the binary (Xen decides by it): ${MERGED}`));
        return { dom };
      },
    };
  }
}

/** What the rules at `pos` grant (a binary's listing line, a source's statement or platform
 *  block), each grant as the avtab keys it, and the types behind each attribute it names. */
function ruleGrantsAt(index: PolicyIndex, pos: number): { grants: string[]; members: string[]; held: { source: string | undefined; held: string }[] } | undefined {
  const rules = index.rules.filter((r) => r.span.offset <= pos && pos < r.span.offset + Math.max(1, r.span.length));
  if (!rules.length) return undefined;
  const grants = rules.flatMap((r) => r.grants.map(grantText));
  const named = [...new Set(rules.flatMap((r) => r.grants.flatMap((g) => [g.source, g.target])))];
  const members = named.flatMap((n) => {
    const sym = index.symbols.get(n);
    const line = sym?.kind === "attribute" ? sym.detail.find((d) => d.startsWith("members: ")) : undefined;
    return line ? [`${n}: ${line.slice("members: ".length)}`] : [];
  });
  const held = rules.flatMap((r) => (r.held !== undefined ? [{ source: r.grants[0]?.when, held: r.held }] : []));
  return { grants, members, held };
}

function cm(offset: number, length: number, docLength: number, severity: CmDiagnostic["severity"], message: string): CmDiagnostic {
  const from = Math.min(Math.max(0, offset), docLength);
  return { from, to: Math.min(docLength, from + Math.max(length, 0)), severity, message };
}
