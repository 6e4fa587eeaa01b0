// Cursor pagination over a list endpoint (limit / after / next): one page in the DOM at a time,
// however long the list is, with Previous / Next. The cursors of earlier pages are kept so that
// Previous needs no offset.

import { h, replace } from '../dom.js';
import { loading, showError } from './status.js';

/**
 * A paged list. `fetchPage(after, limit)` returns the API's `{items, next}`;
 * `render(items, offset)` returns the node for one page; `noun` names the rows ("SSCCs").
 * Returns `{ element, reload() }`.
 */
export function pagedList({ noun, limit = 100, fetchPage, render, empty }) {
  const body = h('div', { class: 'page-body' });
  const info = h('span', { class: 'pager-info', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', 'aria-label': `Previous page of ${noun}` }, 'Previous');
  const next = h('button', { type: 'button', 'aria-label': `Next page of ${noun}` }, 'Next');
  const controls = h('div', { class: 'pager' }, prev, info, next);
  const cursors = [undefined]; // cursor (after) of each page shown so far
  let index = 0;
  let nextCursor = null;
  let generation = 0;
  loading(body, `Loading ${noun}…`);

  async function show(i) {
    generation += 1;
    const mine = generation;
    prev.disabled = true;
    next.disabled = true;
    loading(body, `Loading ${noun}…`);
    try {
      const page = await fetchPage(cursors[i], limit);
      if (mine !== generation) return;
      index = i;
      nextCursor = page.next || null;
      if (nextCursor) cursors[i + 1] = nextCursor;
      const offset = i * limit;
      if (page.items.length === 0) {
        replace(body, h('p', { class: 'empty' }, i === 0 ? empty || `No ${noun}.` : `No more ${noun}.`));
        info.textContent = i === 0 ? '' : `Page ${i + 1}`;
      } else {
        replace(body, render(page.items, offset));
        info.textContent = `Page ${i + 1} · ${noun} ${offset + 1}–${offset + page.items.length}`;
      }
      prev.disabled = i === 0;
      next.disabled = !nextCursor;
      // One page only: no page controls at all.
      controls.hidden = i === 0 && !nextCursor;
    } catch (err) {
      if (mine !== generation) return;
      showError(body, err, `Could not load ${noun}`);
      prev.disabled = i === 0;
    }
  }

  prev.addEventListener('click', () => show(Math.max(0, index - 1)));
  next.addEventListener('click', () => { if (nextCursor) show(index + 1); });

  return {
    element: h('div', { class: 'paged' }, body, controls),
    /** Back to the first page (after a filter change or a release). */
    reload() {
      cursors.length = 1;
      return show(0);
    },
    /** The same page again. */
    refresh() {
      return show(index);
    },
  };
}
