// Botdeck's page script: htmx plus a few behaviours that pages opt into
// with data attributes. Every page works without it; it only makes things
// smoother (confirmations, toasts, copy buttons).
import htmx from 'htmx.org';
// Server-sent events: a page opens GET /api/events with
// hx-ext="sse" sse-connect="/api/events?bot=…&kind=…" on an element that
// stays in place, and its parts react with hx-trigger="sse:<kind>" (or
// sse-swap). The browser resends Last-Event-ID when it reconnects, so
// nothing that happened meanwhile is missed.
import 'htmx-ext-sse';
import './format.js';

window.htmx = htmx;

// Toasts: the server sends HX-Trigger {"toast": {level, message}}.
function showToast({ level = 'info', message = '' } = {}) {
  const region = document.getElementById('toasts');
  if (!region || !message) return;
  const el = document.createElement('div');
  const colours = {
    error: 'border-red-200 bg-red-50 text-red-900',
    success: 'border-emerald-200 bg-emerald-50 text-emerald-900',
    info: 'border-sky-200 bg-sky-50 text-sky-900',
  };
  el.className = `toast-enter pointer-events-auto rounded-md border px-4 py-3 text-sm shadow ${colours[level] || colours.info}`;
  el.setAttribute('role', level === 'error' ? 'alert' : 'status');
  el.textContent = message;
  region.appendChild(el);
  setTimeout(() => el.remove(), level === 'error' ? 8000 : 4000);
}
document.body.addEventListener('toast', (e) => showToast(e.detail));

// Network failures and server errors without a toast of their own.
document.body.addEventListener('htmx:sendError', (e) => {
  if (e.detail.elt?.hasAttribute('data-live')) return; // a missed refresh is retried by the next one
  showToast({ level: 'error', message: 'Botdeck could not be reached. Check your connection and try again.' });
});

// Live parts: an element with data-live refreshes itself with
// hx-trigger="every Ns, botdeck:visible" (and hx-select its own id). It is
// skipped while the tab is hidden or while the reader is inside it (focus,
// an open <details>), and catches up as soon as the tab is shown again.
// The reader is inside a live part: focus, an open <details>, or rows
// ticked for a bulk action (a selection in progress).
function readerInside(el) {
  return el.contains(document.activeElement) || el.querySelector('details[open]') ||
    el.querySelector('input[name="userId"]:checked, [data-bulk-all]:checked');
}
document.body.addEventListener('htmx:beforeRequest', (e) => {
  const el = e.detail.elt;
  if (!el?.hasAttribute('data-live')) return;
  if (document.hidden || readerInside(el)) e.preventDefault();
});
// The reader may have stepped in while the refresh was on its way (opened
// a menu, ticked a row): then its answer is dropped, not swapped over them.
document.body.addEventListener('htmx:beforeSwap', (e) => {
  const el = e.detail.requestConfig?.elt; // the element that asked (detail.elt is the target)
  if (el?.hasAttribute('data-live') && e.detail.target === el && readerInside(el)) e.detail.shouldSwap = false;
});
document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  document.querySelectorAll('[data-live]').forEach((el) => htmx.trigger(el, 'botdeck:visible'));
});
// The navigation's unread count (#nav-unread) follows the message and
// conversation events of any stream the page has open (the inbox, a
// conversation), a burst of them gathered into one refresh; elsewhere it
// polls as a live part.
// So does an action that reads a conversation (a form with
// data-unread-changes: mark read, answer).
let unreadPending = null;
function unreadChanged() {
  if (unreadPending) return;
  unreadPending = setTimeout(() => {
    unreadPending = null;
    document.body.dispatchEvent(new CustomEvent('botdeck:unread'));
  }, 300);
}
document.body.addEventListener('htmx:sseMessage', (e) => {
  const kind = e.detail?.type;
  if (kind === 'message' || kind === 'conversation') unreadChanged();
});
// (Before the swap: a form that replaces itself is detached by then, and
// its events no longer reach the body.)
document.body.addEventListener('htmx:beforeOnLoad', (e) => {
  const status = e.detail.xhr?.status ?? 0;
  if (status >= 200 && status < 300 && e.detail.elt?.closest?.('[data-unread-changes]')) unreadChanged();
});
document.body.addEventListener('htmx:responseError', (e) => {
  const xhr = e.detail.xhr;
  if (!xhr.getResponseHeader('HX-Trigger')) {
    showToast({ level: 'error', message: `The request failed (${xhr.status}). Try again.` });
  }
});

// Bulk selection (users table): rows are ticked with checkboxes bound to
// the bulk form (form="…"); a header box ticks the whole page; the form
// says how many users are selected and, on submit, asks to confirm with
// that number before the data-confirm dialog below opens.
function bulkBoxes(form) {
  return [...document.querySelectorAll(`input[name="userId"][form="${form.id}"]`)];
}
function bulkCount(form) {
  if (form.querySelector('[data-bulk-all]')?.checked) return `all ${form.dataset.totalText} matching users`;
  const n = bulkBoxes(form).filter((b) => b.checked).length;
  return n === 1 ? '1 user' : `${n} users`;
}
function bulkUpdate(form) {
  const boxes = bulkBoxes(form);
  const n = boxes.filter((b) => b.checked).length;
  const page = document.querySelector(`[data-select-page="${form.id}"]`);
  if (page) {
    page.checked = n > 0 && n === boxes.length;
    page.indeterminate = n > 0 && n < boxes.length;
  }
  const all = form.querySelector('[data-bulk-all]')?.checked;
  const out = form.querySelector('[data-bulk-count]');
  if (out) out.textContent = all || n ? `Selected: ${bulkCount(form)}` : 'No users selected';
}
document.addEventListener('change', (e) => {
  const t = e.target;
  if (t.matches?.('[data-select-page]')) {
    const form = document.getElementById(t.dataset.selectPage);
    if (!form) return;
    bulkBoxes(form).forEach((b) => { b.checked = t.checked; });
    bulkUpdate(form);
  } else if (t.form?.hasAttribute('data-bulk')) {
    bulkUpdate(t.form);
  }
});
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-bulk') || form.dataset.confirmed) return;
  const all = form.querySelector('[data-bulk-all]')?.checked;
  if (!all && !bulkBoxes(form).some((b) => b.checked)) {
    e.preventDefault();
    e.stopImmediatePropagation();
    showToast({ level: 'error', message: 'Select users first: tick their rows, or choose all matching users.' });
    return;
  }
  const tag = form.elements.bulkTag.value.trim();
  const remove = form.elements.op.value === 'remove';
  form.dataset.confirm = remove ? `Remove the tag “${tag}” from ${bulkCount(form)}?` : `Add the tag “${tag}” to ${bulkCount(form)}?`;
  form.dataset.confirmAction = remove ? 'Remove tag' : 'Add tag';
}, true);

// Users table columns: applying the list's filter form (a GET, which
// changes nothing) also posts the column choice so that it is remembered
// for the next visit (POST /bots/{id}/users/columns); an empty cols goes
// too, so choosing no columns is a choice.
document.addEventListener('submit', (e) => {
  const picker = e.target.querySelector?.('[data-columns-url]');
  if (!picker) return;
  const body = new URLSearchParams([['cols', '']]);
  picker.querySelectorAll('input[name="cols"]:checked').forEach((b) => body.append('cols', b.value));
  fetch(picker.dataset.columnsUrl, { method: 'POST', body, credentials: 'same-origin', keepalive: true, headers: { 'HX-Request': 'true' } })
    .catch(() => {}); // a view preference: the list itself still applies
});

// Confirmation: a form (or button) with data-confirm asks first, in a real
// <dialog> so focus and Escape behave as screen-reader users expect.
function confirmDialog(message, actionLabel) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'w-full max-w-md rounded-lg p-0 shadow-xl';
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    dialog.innerHTML = `
      <form method="dialog" class="p-6">
        <h2 id="confirm-title" class="text-base font-semibold text-slate-900"></h2>
        <div class="mt-6 flex justify-end gap-3">
          <button value="cancel" class="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50">Cancel</button>
          <button value="ok" class="rounded-md bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800"></button>
        </div>
      </form>`;
    dialog.querySelector('h2').textContent = message;
    dialog.querySelector('button[value=ok]').textContent = actionLabel || 'Confirm';
    document.body.appendChild(dialog);
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    dialog.showModal();
    dialog.querySelector('button[value=cancel]').focus();
  });
}

document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed) return;
  e.preventDefault();
  e.stopImmediatePropagation();
  if (await confirmDialog(form.dataset.confirm, form.dataset.confirmAction)) {
    form.dataset.confirmed = 'true';
    form.requestSubmit(e.submitter || undefined);
    delete form.dataset.confirmed;
  }
}, true);

// Copy buttons: data-copy="#selector" copies that element's value or text.
document.addEventListener('click', async (e) => {
  const btn = e.target.closest('[data-copy]');
  if (!btn) return;
  const src = document.querySelector(btn.dataset.copy);
  if (!src) return;
  const text = 'value' in src ? src.value : src.textContent;
  try {
    await navigator.clipboard.writeText(text.trim());
    showToast({ level: 'success', message: 'Copied to the clipboard.' });
  } catch {
    if (src.select) src.select();
    showToast({ level: 'info', message: 'Press Ctrl+C to copy.' });
  }
});

document.addEventListener('focusin', (e) => {
  if (e.target.matches && e.target.matches('[data-select-on-focus]')) e.target.select();
});

// After htmx swaps content in, move focus to an element that asks for it
// (a form re-rendered with errors focuses its first invalid field).
document.body.addEventListener('htmx:afterSwap', (e) => {
  const target = e.detail.target;
  if (!target) return; // history restores swap without a target
  const invalid = target.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
});

// Times in the member's zone. The server writes every time in UTC
// ("3 Dec 2026, 18:08 UTC") inside <time datetime>; here each is shown in
// the member's time zone (<html data-time-zone>) with the UTC text kept on
// hover. Without JavaScript, or before a zone is known, UTC stays.
const utcSuffix = / UTC$/;
function memberZone() {
  const html = document.documentElement;
  if (!html.hasAttribute('data-time-zone')) return null; // signed out
  return html.dataset.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}
function localize(root) {
  const zone = memberZone();
  if (!zone || zone === 'UTC') return;
  let fmt;
  try {
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  } catch { return; } // a zone this browser does not know: keep UTC
  const local = (iso) => fmt.format(new Date(iso)).replace(/ at /, ', ');
  for (const el of root.querySelectorAll('time[datetime]:not([data-localized])')) {
    el.dataset.localized = '';
    if (utcSuffix.test(el.textContent.trim())) {
      el.title = el.textContent.trim();
      el.textContent = local(el.dateTime);
    } else if (el.title && utcSuffix.test(el.title)) {
      el.title = `${local(el.dateTime)} (${el.title})`; // "5 min ago": the exact time on hover
    }
  }
}
localize(document);
document.body.addEventListener('htmx:afterSettle', (e) => localize(e.target));

// The first page a member opens reports the browser's zone once, so times
// are local from then on; the account page can change it.
(function reportZone() {
  const html = document.documentElement;
  if (!html.hasAttribute('data-time-zone') || html.dataset.timeZone) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  fetch('/api/me', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ timeZone: zone }) })
    .then((res) => { if (res.ok) html.dataset.timeZone = zone; })
    .catch(() => {}); // offline: try again on the next page
})();

// The account page offers every zone this browser knows.
for (const list of document.querySelectorAll('datalist[data-time-zones]')) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  list.append(...['UTC', ...zones].map((z) => Object.assign(document.createElement('option'), { value: z })));
}

// The conversation composer: Ctrl+Enter (⌘+Enter) sends; the toolbar
// wraps the selection in HTML tags and switches the format to HTML.
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && t.matches && t.matches('textarea[data-send-on-ctrl-enter]')) {
    e.preventDefault();
    t.form.requestSubmit();
  }
});
document.addEventListener('click', (e) => {
  const btn = e.target.closest && e.target.closest('button[data-wrap]');
  if (!btn || !btn.form) return;
  const ta = btn.form.querySelector('textarea[name="text"]');
  if (!ta) return;
  const tag = btn.dataset.wrap;
  const open = tag === 'a' ? '<a href="https://">' : `<${tag}>`;
  const { selectionStart: s, selectionEnd: end } = ta;
  ta.setRangeText(open + ta.value.slice(s, end) + `</${tag}>`, s, end, 'select');
  const mode = btn.form.querySelector('select[name="parseMode"]');
  if (mode) mode.value = 'HTML';
  ta.focus();
});

// Deep-link builder (stats page): the link follows the source typed.
for (const box of document.querySelectorAll('[data-deeplink]')) {
  const input = box.querySelector('input');
  const out = box.querySelector('output');
  input?.addEventListener('input', () => {
    const src = input.value.trim();
    out.textContent = /^[A-Za-z0-9_-]{1,64}$/.test(src) ? box.dataset.deeplink + src : 'Use letters, digits, _ and - only';
  });
}
