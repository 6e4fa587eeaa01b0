// Loading, error and notice states, shared by every page: each call to the API shows one of
// them until it answers.

import { h, replace } from '../dom.js';
import { ApiError, SessionEnded } from '../api.js';

/** "Loading …" in `el` (a live region, so assistive technology announces it). */
export function loading(el, what = 'Loading…') {
  return replace(el, h('p', { class: 'loading', role: 'status' }, what));
}

/** What went wrong, for a person: the API's message and every offending input it listed. */
export function errorBox(err, what) {
  const message = err instanceof ApiError || (err && err.message) ? err.message : String(err);
  const details = (err && err.details) || [];
  return h('div', { class: 'error', role: 'alert' },
    h('p', {}, what ? `${what}: ` : '', message,
      err && err.type && err.type !== 'Error' ? h('span', { class: 'error-type' }, ` (${err.type})`) : null),
    details.length ? h('ul', {}, details.map((d) => h('li', {}, d.path ? h('code', {}, d.path) : null, d.path ? ': ' : '', d.problem || ''))) : null,
    err && err.retryAfter ? h('p', {}, `Retry after ${err.retryAfter} seconds.`) : null);
}

/** Shows the error in `el`, unless the session ended (the sign-in page is already showing). */
export function showError(el, err, what) {
  if (err instanceof SessionEnded) return;
  replace(el, errorBox(err, what));
}

/** A success notice. */
export function notice(text) {
  return h('div', { class: 'notice', role: 'status' }, text);
}

/**
 * Runs `work` with `button` disabled and its label swapped for `busyLabel`; errors are shown in
 * `errorEl` (if given) and rethrown only when the session ended.
 */
export async function busy(button, busyLabel, errorEl, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  button.setAttribute('aria-busy', 'true');
  if (errorEl) errorEl.replaceChildren();
  try {
    return await work();
  } catch (err) {
    if (err instanceof SessionEnded) return undefined;
    if (errorEl) replace(errorEl, errorBox(err));
    else throw err;
    return undefined;
  } finally {
    button.disabled = false;
    button.textContent = label;
    button.removeAttribute('aria-busy');
  }
}
