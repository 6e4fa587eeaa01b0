// A credential shown once (a generated API secret, a static token): in plain view with a copy
// button, until the reader dismisses it. It is never stored by the console.

import { h } from '../dom.js';

/** The panel; call `reveal(panel)` once it is in the page. */
export function secretPanel(title, pairs, onDone) {
  const panel = h('div', { class: 'secret', role: 'alert' },
    h('h3', { tabindex: '-1' }, title),
    h('p', {}, 'Copy it now: it is shown only this once and cannot be retrieved later.'),
    h('dl', { class: 'facts' }, pairs.map(([label, value]) => {
      const out = h('code', { class: 'secret-value' }, value);
      const copy = h('button', { type: 'button', 'aria-label': `Copy ${label}` }, 'Copy');
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(value);
          copy.textContent = 'Copied';
        } catch {
          // No clipboard access (e.g. an insecure origin): select the text for a manual copy.
          const range = document.createRange();
          range.selectNodeContents(out);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          copy.textContent = 'Selected: press Ctrl+C';
        }
      });
      return [h('dt', {}, label), h('dd', {}, out, ' ', copy)];
    })),
    h('button', { type: 'button', class: 'primary', onclick: () => { panel.remove(); if (onDone) onDone(); } }, 'Done: hide it'));
  return panel;
}

/** Brings a freshly shown panel into view and moves the focus to it. */
export function reveal(panel) {
  panel.scrollIntoView({ block: 'start' });
  const heading = panel.querySelector('h3');
  if (heading) heading.focus({ preventScroll: true });
}
