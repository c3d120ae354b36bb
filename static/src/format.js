// The reply editor's formatting toolbar: a button with
// data-format="b|i|code|a" and data-format-target="#textarea" wraps the
// textarea's selection in that HTML tag (a link asks for its address), then
// tells the preview to refresh (a "format" event). Without JavaScript the
// buttons do nothing and the tags can be typed.
const tags = { b: ['<b>', '</b>'], i: ['<i>', '</i>'], code: ['<code>', '</code>'] };

function escapeAttr(s) {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

document.addEventListener('click', (e) => {
  const btn = e.target.closest('[data-format]');
  if (!btn) return;
  const area = document.querySelector(btn.dataset.formatTarget);
  if (!area) return;
  let [open, close] = tags[btn.dataset.format] || [];
  if (btn.dataset.format === 'a') {
    const href = window.prompt('Link address', 'https://');
    if (!href) return;
    [open, close] = [`<a href="${escapeAttr(href)}">`, '</a>'];
  }
  if (!open) return;
  const { selectionStart: start, selectionEnd: end, value } = area;
  area.value = value.slice(0, start) + open + value.slice(start, end) + close + value.slice(end);
  area.focus();
  area.setSelectionRange(start + open.length, end + open.length);
  area.dispatchEvent(new Event('input', { bubbles: true }));
  document.body.dispatchEvent(new CustomEvent('format'));
});

// A form with data-reset-after-send is cleared after htmx sent it
// successfully (the simulator's message box).
document.body.addEventListener('htmx:afterRequest', (e) => {
  const form = e.detail.elt;
  if (form instanceof HTMLFormElement && form.hasAttribute('data-reset-after-send') && e.detail.successful) {
    const text = form.querySelector('input[name=text]');
    if (text) {
      text.value = '';
      text.focus();
    }
  }
});
