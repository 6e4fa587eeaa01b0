// "Find an SSCC or pack": an SSCC (18 digits, optionally with its "00" application identifier) or
// a GTIN and serial number ("04012345111118/S1" or "04012345111118 S1").

import { h, field } from '../dom.js';
import { seg } from '../api.js';

/** Where a typed identifier leads, or null. */
export function routeFor(text) {
  const t = text.trim();
  const sscc = /^(?:\(?00\)?)?\s*(\d{18})$/.exec(t);
  if (sscc) return `/sscc/${sscc[1]}`;
  const pack = /^(\d{8}|\d{12,14})\s*[/ ]\s*(\S.*)$/.exec(t);
  if (pack) return `/pack/${pack[1].padStart(14, '0')}/${seg(pack[2].trim())}`;
  return null;
}

export function findForm(navigate) {
  const input = h('input', { name: 'find', autocomplete: 'off', spellcheck: 'false', placeholder: '18-digit SSCC, or GTIN/serial' });
  const problem = h('p', { class: 'hint', 'aria-live': 'polite' });
  const form = h('form', { class: 'find', role: 'search', 'aria-label': 'Find an SSCC or pack' },
    field('SSCC or pack', input).field,
    h('button', { type: 'submit' }, 'Find'),
    problem);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const route = routeFor(input.value);
    if (route) {
      problem.textContent = '';
      navigate(route);
    } else {
      problem.textContent = 'Enter an 18-digit SSCC, or a GTIN and a serial number separated by "/".';
    }
  });
  return form;
}
