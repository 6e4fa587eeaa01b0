// Building the page from DOM nodes. Every piece of data becomes a text node: no string is ever
// parsed as HTML anywhere in the console, so a product called "<img src=x onerror=alert(1)>" shows as
// exactly those characters.

/**
 * Creates an element. `props`: `class`, `text` (text content), `on<event>` (a function), `data-*`,
 * and any other attribute (true = present, false/null/undefined = absent). Children: nodes,
 * strings (as text), arrays of them, or null/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key.startsWith('on')) {
      if (typeof value !== 'function') throw new Error(`${key} must be a function`);
      el.addEventListener(key.slice(2), value);
    } else if (key === 'style') {
      throw new Error('inline styles are not allowed (Content-Security-Policy)');
    } else if (key === 'href' && !/^(#|blob:)/.test(String(value))) {
      // Links stay inside the console (hash routes) or point at a download made here.
      throw new Error(`refusing link target ${value}`);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children as `h` does (nodes, strings, arrays; null and false skipped). */
export function append(el, ...children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** "1 pack", "2 packs". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

let uid = 0;
/** A unique element id, for label/for and aria-* pairs. */
export function newId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form control: returns { field, control }. */
export function field(label, control, hint) {
  const id = control.id || newId();
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return { field: h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl), control };
}

/** An internal link to a console route. */
export function link(text, route) {
  return h('a', { href: `#${route}` }, text);
}

/** A status badge: the contract's status strings as people read them. */
export function statusBadge(status) {
  const labels = {
    pending_commissioning_approval: 'Pending commissioning approval',
    released: 'Released',
    decommissioned: 'Decommissioned',
    pending: 'Pending',
    active: 'Active',
    suspended: 'Suspended',
    ended: 'Ended',
  };
  return h('span', { class: `badge badge-${String(status).replace(/[^a-z_]/g, '')}` }, labels[status] || String(status));
}

/** A time as the reader's local date and time, YYYY-MM-DD hh:mm:ss (the API speaks UTC; the UTC
 *  value is in the title). */
export function time(iso) {
  if (!iso) return h('span', {}, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
  const p = (n) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  const clock = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  // Date and time each stay whole; a narrow column breaks between them.
  return h('time', { datetime: iso, title: `${iso} (UTC)` }, h('span', {}, day), ' ', h('span', {}, clock));
}

/**
 * A GS1 expiry as printed (YYMMDD, day 00 = end of month) with its calendar reading. The century
 * follows the GS1 sliding window (+49 / -50 years around this year).
 */
export function expiry(printed) {
  const m = /^(\d\d)(\d\d)(\d\d)$/.exec(String(printed || ''));
  if (!m) return h('span', {}, printed || '—');
  const year = new Date().getFullYear();
  let century = Math.floor(year / 100) * 100;
  const diff = Number(m[1]) - (year % 100);
  if (diff >= 51) century -= 100;
  if (diff <= -50) century += 100;
  const full = `${century + Number(m[1])}-${m[2]}${m[3] === '00' ? '' : `-${m[3]}`}`;
  return h('span', { class: 'expiry' }, printed, h('small', {}, ` (${full})`));
}

/** A long identifier (UUID) shortened for a table, whole in its title and for copying. */
export function shortId(id) {
  if (!id) return h('span', {}, '—');
  const s = String(id);
  return h('small', { class: 'id', title: s }, s.length > 13 ? `${s.slice(0, 8)}…` : s);
}

/** `{tenant_id, name}` as a person reads it. */
export function tenantName(t) {
  if (!t) return '—';
  return t.name || t.tenant_id || '—';
}

/** A table with a caption, header cells and rows (arrays of cells). Wide tables scroll. */
export function table(caption, headers, rows, opts = {}) {
  const t = h('table', { class: opts.class || 'data' },
    h('caption', { class: opts.captionHidden ? 'sr-only' : null }, caption),
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))));
  return h('div', { class: 'table-wrap' }, t);
}
