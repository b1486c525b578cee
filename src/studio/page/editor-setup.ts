// What the studio's two editors share: CodeMirror 6's usual setup (line numbers, folding, undo,
// brackets, the default keymap with Tab indenting), a lint gutter for the diagnostics the page
// pushes, and a callback on every edit. Each editor adds its language and its own features.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, foldGutter, indentOnInput } from "@codemirror/language";
import { lintGutter } from "@codemirror/lint";
import { EditorState, type ChangeDesc, type Extension, type Text } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";

function baseExtensions(): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    foldGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    EditorView.theme({ "&": { height: "100%" }, ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" } }),
  ];
}

export interface EditorSetup {
  /** The language support and its highlight style. */
  language: Extension[];
  /** What this editor adds after the lint gutter (hover, completion, key bindings). */
  features: Extension[];
  /** Every edit: the new text, the change and the text before it (diagnostics move with it). */
  onChange(text: string, changes: ChangeDesc, before: Text): void;
}

/** A fresh state for `doc` (a new file: no undo across files). */
export function editorState(doc: string, setup: EditorSetup): EditorState {
  return EditorState.create({
    doc,
    extensions: [
      baseExtensions(),
      ...setup.language,
      lintGutter(),
      ...setup.features,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) setup.onChange(u.state.doc.toString(), u.changes.desc, u.startState.doc);
      }),
    ],
  });
}

/** A view given `state` for the same file's text as it is on disk now (taken in place of the
 *  page's): the cursor and the scroll stay where they were, as far as the text reaches. */
export function replaceKeepingPlace(view: EditorView, state: EditorState): void {
  const head = view.state.selection.main.head;
  const top = view.scrollDOM.scrollTop;
  view.setState(state);
  view.dispatch({ selection: { anchor: Math.min(head, state.doc.length) } });
  view.scrollDOM.scrollTop = top;
}
