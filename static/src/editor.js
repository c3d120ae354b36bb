// The code editor page (views/code.templ): turns the source textarea into
// CodeMirror 6 and saves through the JSON API. Without this script the
// page is a plain form that posts the textarea.
//
// Content-Security-Policy: CodeMirror injects its styles at run time. On a
// document it would add a <style> element, which `style-src 'self'`
// refuses; inside a shadow root it uses a constructed stylesheet
// (adoptedStyleSheets), which the policy does not govern. So the editor
// lives in a shadow root, styled only by the themes below. Element styles
// it sets through the CSSOM (element.style) are allowed too.
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import {
  Decoration, EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  keymap, lineNumbers,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { javascript } from '@codemirror/lang-javascript';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { tags as t } from '@lezer/highlight';

// Colours follow the page's theme: they read the palette's CSS variables
// (tailwind.config.js), which inherit into the editor's shadow root, so the
// editor turns dark with the page — the member's choice (html.dark) or the
// system's setting — and back, even while it is open. Dark mode turns each
// scale around (700 ↔ 200), so every pair below keeps at least 4.5:1 (WCAG
// AA) on the surface in both themes.
const c = (name, alpha) => (alpha == null ? `rgb(var(--c-${name}))` : `rgb(var(--c-${name}) / ${alpha})`);

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: c('violet-700') },
  { tag: [t.string, t.special(t.string)], color: c('red-700') },
  { tag: [t.number, t.bool, t.null, t.atom], color: c('emerald-700') },
  { tag: [t.regexp, t.escape], color: c('rose-700') },
  { tag: t.comment, color: c('slate-600'), fontStyle: 'italic' },
  { tag: [t.definition(t.variableName), t.function(t.variableName), t.function(t.propertyName)], color: c('indigo-700') },
  { tag: t.propertyName, color: c('sky-800') },
  { tag: [t.className, t.typeName], color: c('amber-800') },
  { tag: t.invalid, color: c('red-700'), textDecoration: 'underline' },
]);

const field = { backgroundColor: c('white'), color: c('slate-900'), border: `1px solid ${c('slate-400')}`, borderRadius: '0.25rem' };

const theme = EditorView.theme({
  '&': {
    height: 'min(34rem, 70vh)', fontSize: '13px', color: c('slate-900'), backgroundColor: c('white'),
    border: `1px solid ${c('slate-300')}`, borderRadius: '0.375rem',
  },
  '&.cm-focused': { outline: `2px solid ${c('indigo-600')}`, outlineOffset: '1px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', lineHeight: '1.5' },
  '.cm-content': { caretColor: c('slate-900') },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: c('slate-900') },
  '.cm-selectionBackground': { backgroundColor: c('slate-200') },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: c('indigo-200'),
  },
  '.cm-selectionMatch': { backgroundColor: c('amber-100') },
  '.cm-gutters': {
    backgroundColor: c('slate-50'), color: c('slate-600'), borderRight: `1px solid ${c('slate-200')}`,
    borderRadius: '0.375rem 0 0 0.375rem',
  },
  '.cm-activeLine': { backgroundColor: c('slate-500', 0.1) },
  '.cm-activeLineGutter': { backgroundColor: c('slate-200'), color: c('slate-900') },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: c('indigo-100'), color: 'inherit' },
  '&.cm-focused .cm-nonmatchingBracket': { backgroundColor: c('red-100'), color: 'inherit' },
  '.cm-error-line': { backgroundColor: c('red-50') },
  '.cm-panels': { backgroundColor: c('slate-50'), color: c('slate-900') },
  '.cm-panels.cm-panels-top': { borderBottom: `1px solid ${c('slate-200')}` },
  '.cm-panels.cm-panels-bottom': { borderTop: `1px solid ${c('slate-200')}` },
  '.cm-panels input, .cm-panels button': { fontSize: '13px' },
  '.cm-textfield': field,
  '.cm-button': { ...field, backgroundImage: 'none', backgroundColor: c('slate-100') },
  '.cm-searchMatch': { backgroundColor: c('amber-200'), outline: `1px solid ${c('amber-500')}` },
  '.cm-searchMatch.cm-searchMatch-selected': { backgroundColor: c('indigo-200') },
  '.cm-tooltip': { backgroundColor: c('white'), border: `1px solid ${c('slate-300')}`, color: c('slate-900') },
  '.cm-tooltip-lint, .cm-diagnostic': { backgroundColor: c('white'), color: c('slate-900') },
  '.cm-diagnostic-error': { borderLeftColor: c('red-600') },
  '.cm-diagnostic-warning': { borderLeftColor: c('amber-600') },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: c('indigo-600'), color: c('white') },
});

// The line of a compile error, marked until the next save.
const setErrorLine = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorLine)) continue;
      deco = Decoration.none;
      if (e.value) {
        deco = Decoration.set([Decoration.line({
          attributes: { class: 'cm-error-line', 'data-error-line': String(e.value.line), title: e.value.message },
        }).range(e.value.pos)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// Text typed (or inserted) over a selection that spans highlighted tokens
// would be inserted by the browser's own editing code first, which keeps
// the tokens' look as a <span style="…"> that the CSP blocks (and CodeMirror
// redraws anyway). Such input is applied as an editor transaction instead.
const replaceSelectionInput = EditorView.domEventHandlers({
  beforeinput(e, view) {
    if (e.isComposing || (e.inputType !== 'insertText' && e.inputType !== 'insertReplacementText')) return false;
    if (view.state.selection.ranges.every((r) => r.empty)) return false;
    const text = e.data != null ? e.data : e.dataTransfer && e.dataTransfer.getData('text/plain');
    if (text == null) return false;
    e.preventDefault();
    view.dispatch(view.state.replaceSelection(text), { userEvent: 'input.type', scrollIntoView: true });
    return true;
  },
});

const form = document.getElementById('code-form');
const textarea = document.getElementById('code-source');
if (form && textarea) start(form, textarea);

function start(form, textarea) {
  const readOnly = textarea.readOnly;
  const api = form.dataset.api;
  const panelsURL = form.dataset.panels;
  const baseInput = form.querySelector('input[name=baseVersion]');
  const status = document.getElementById('code-status');
  const errorBox = document.getElementById('code-error');
  const versionInfo = document.getElementById('code-version');
  const unsavedNote = document.getElementById('test-unsaved');
  const saveButton = document.getElementById('code-save');
  let saved = textarea.value;
  let saving = false;

  const host = document.createElement('div');
  host.className = 'mt-1';
  const shadow = host.attachShadow({ mode: 'open' });
  textarea.after(host);
  textarea.classList.add('hidden');
  textarea.setAttribute('aria-hidden', 'true');
  textarea.tabIndex = -1;
  for (const el of document.querySelectorAll('.js-only')) el.classList.remove('hidden');

  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        syntaxHighlighting(highlight),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        javascript(),
        lintGutter(),
        errorLine,
        theme,
        EditorState.tabSize.of(2),
        EditorState.readOnly.of(readOnly),
        EditorView.contentAttributes.of({
          'aria-label': 'JavaScript source. Tab indents: press Escape, then Tab, to move on. Control S saves.',
          spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off',
          // Already in the tab order as contenteditable; saying so lets
          // checkers see that the scrolling area holds focusable content.
          tabindex: '0',
        }),
        keymap.of([
          { key: 'Mod-s', preventDefault: true, run: () => { save(); return true; } },
          ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...lintKeymap, indentWithTab,
        ]),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(); }),
        replaceSelectionInput,
      ],
    }),
  });

  // The label still names the editor: clicking it focuses CodeMirror.
  const label = document.querySelector('label[for="code-source"]');
  if (label) {
    label.removeAttribute('for');
    label.addEventListener('click', () => view.focus());
  }

  function source() { return view.state.doc.toString(); }

  function onChange() {
    const dirty = source() !== saved;
    if (unsavedNote) unsavedNote.classList.toggle('hidden', !dirty);
    if (dirty && status.dataset.state !== 'dirty') setStatus('Unsaved changes.', 'dirty');
    if (!dirty && status.dataset.state === 'dirty') setStatus('', '');
  }

  function setStatus(text, state) {
    status.textContent = text;
    status.dataset.state = state;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.classList.toggle('hidden', !message);
  }

  function markError(err) {
    const doc = view.state.doc;
    if (!err.line || err.line < 1 || err.line > doc.lines) {
      view.dispatch(setDiagnostics(view.state, []));
      view.dispatch({ effects: setErrorLine.of(null) });
      return;
    }
    const line = doc.line(err.line);
    const from = Math.min(line.from + Math.max(0, (err.column || 1) - 1), line.to);
    const to = from < line.to ? from + 1 : from;
    view.dispatch(setDiagnostics(view.state, [{ from, to, severity: 'error', message: err.message }]));
    view.dispatch({
      effects: [setErrorLine.of({ pos: line.from, line: err.line, message: err.message }), EditorView.scrollIntoView(from, { y: 'center' })],
      selection: { anchor: from },
    });
  }

  function clearError() {
    showError('');
    view.dispatch(setDiagnostics(view.state, []));
    view.dispatch({ effects: setErrorLine.of(null) });
  }

  async function save() {
    if (saving || readOnly) return;
    saving = true;
    if (saveButton) saveButton.disabled = true;
    setStatus('Saving…', 'saving');
    const text = source();
    const body = { source: text };
    if (baseInput && baseInput.value !== '') body.baseVersion = Number(baseInput.value);
    try {
      const res = await fetch(api, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json().catch(() => ({}));
      if (res.ok) {
        const v = json.data.version;
        saved = text;
        if (baseInput) baseInput.value = String(v);
        clearError();
        setStatus(`Saved version ${v}.`, 'saved');
        if (versionInfo) versionInfo.textContent = `Version ${v}, saved just now.`;
        if (unsavedNote) unsavedNote.classList.add('hidden');
        fillTestPath(json.data.handlers || []);
        refreshPanels();
      } else if (json.error && json.error.code === 'compile_error') {
        const e = json.error;
        const where = e.line ? `Line ${e.line}, column ${e.column}: ` : '';
        setStatus('Not saved: the code does not compile.', 'error');
        showError(`Not saved: ${where}${e.fields && e.fields.source ? e.fields.source.replace(/^Line \d+, column \d+: /, '') : e.message}`);
        markError({ line: e.line, column: e.column, message: e.fields && e.fields.source ? e.fields.source : e.message });
      } else {
        setStatus('Not saved.', 'error');
        showError((json.error && json.error.message) || `Saving failed (${res.status}). Try again.`);
      }
    } catch {
      setStatus('Not saved.', 'error');
      showError('Botdeck could not be reached. Check your connection and try again.');
    } finally {
      saving = false;
      if (saveButton) saveButton.disabled = false;
    }
  }

  // htmx copies the old element's "style" attribute onto its same-id
  // replacement while settling; an empty style attribute (which the browser
  // may leave behind on an input) is an inline style to the CSP, so this
  // page settles only classes and sizes.
  if (window.htmx) window.htmx.config.attributesToSettle = ['class', 'width', 'height'];

  function refreshPanels() {
    if (window.htmx && panelsURL && document.getElementById('code-panels')) {
      window.htmx.ajax('GET', panelsURL, { target: '#code-panels', swap: 'outerHTML' });
    }
  }

  function fillTestPath(handlers) {
    const path = document.getElementById('test-path');
    if (path && !path.value && handlers.length) path.value = handlers[0];
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });

  // Ctrl/Cmd-S saves from anywhere on the page, not only in the editor.
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
      e.preventDefault();
      save();
    }
  });

  // A test run may have logged an error: the panels show recent errors.
  document.body.addEventListener('htmx:afterSwap', (e) => {
    if (e.detail && e.detail.target && e.detail.target.id === 'test-result') refreshPanels();
  });

  // A page rendered after a failed plain-form save carries the error.
  if (errorBox && errorBox.dataset.line) {
    markError({ line: Number(errorBox.dataset.line), column: Number(errorBox.dataset.column), message: errorBox.dataset.message });
  }
}
