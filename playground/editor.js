// The playground's code editor: CodeMirror 6 (from npm, pinned in package-lock.json), bundled by esbuild into
// editor.bundle.js by scripts/build-playground. Line numbers, Python highlighting, the usual keys, Ctrl+Enter
// (or Cmd+Enter) to run, and the line of an error marked.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration, EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers,
} from "@codemirror/view";

const markError = StateEffect.define();  // a line number, or null to clear

// The line of the last error, drawn with the class cm-error-line until the code changes or runs again.
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    if (transaction.docChanged) marks = Decoration.none;
    for (const effect of transaction.effects) {
      if (!effect.is(markError)) continue;
      const line = effect.value;
      marks = line === null || line > transaction.state.doc.lines ? Decoration.none :
        Decoration.set([Decoration.line({ class: "cm-error-line" }).range(transaction.state.doc.line(line).from)]);
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// An editor in `parent` holding `code`; `run()` is called on Ctrl+Enter.
export function makeEditor(parent, code, run) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: code,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(), bracketMatching(),
        highlightActiveLine(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), python(), errorLine,
        EditorState.tabSize.of(4),
        keymap.of([{ key: "Mod-Enter", run: () => { run(); return true; } }, indentWithTab, ...defaultKeymap,
          ...historyKeymap]),
        EditorView.contentAttributes.of({ "aria-label": "Python code: its last line gives the Value to explore" }),
      ],
    }),
  });
  return {
    view,
    get code() { return view.state.doc.toString(); },
    set code(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, effects: markError.of(null) });
    },
    // Mark line `line` (1-based) as the error's, select it and show it; null clears the mark.
    markLine(line) {
      if (line === null || line > view.state.doc.lines) { view.dispatch({ effects: markError.of(null) }); return; }
      const at = view.state.doc.line(line);
      view.dispatch({ effects: markError.of(line), selection: { anchor: at.from, head: at.to }, scrollIntoView: true });
      view.focus();
    },
    selected() {
      const range = view.state.selection.main;
      return view.state.sliceDoc(range.from, range.to);
    },
  };
}
