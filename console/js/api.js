// The console's only way to the server: the public JSON API (docs/api.md), with the token in the
// x-access-token header. Any 401 ends the session and sends the reader back to the sign-in page.

import * as session from './session.js';

/** An error answer of the API (or a network failure, with status 0). */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The request failed (HTTP ${status})`);
    this.status = status;
    this.type = (body && body.error) || 'Error';
    this.details = (body && Array.isArray(body.details)) ? body.details : [];
    this.retryAfter = body && body.retryAfter;
  }
}

/** Raised after a 401: the page that called stops, the sign-in page takes over. */
export class SessionEnded extends Error {}

/** `?a=1&b=2` from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Calls the API. `opts`: `body` (sent as JSON), `idempotencyKey`, `anonymous` (no token: the
 * sign-in itself), `raw` (return the Response instead of parsed JSON).
 */
export async function call(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  const s = opts.anonymous ? null : session.current();
  if (!opts.anonymous) {
    if (!s) {
      session.end();
      window.dispatchEvent(new Event('serialhub:signed-out'));
      throw new SessionEnded('not signed in');
    }
    headers['x-access-token'] = s.token;
  }
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, {
      error: 'NetworkError',
      message: 'The serialhub service could not be reached. Check the connection and try again.',
    });
  }
  if (resp.status === 401 && !opts.anonymous) {
    session.end('Your session has ended: the token expired or was revoked. Sign in again.');
    window.dispatchEvent(new Event('serialhub:signed-out'));
    throw new SessionEnded('401');
  }
  if (opts.raw && resp.ok) return resp;
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (!resp.ok || !body || body.success === false) {
    const err = body || { message: `Unexpected answer (HTTP ${resp.status})` };
    err.retryAfter = resp.headers.get('Retry-After');
    throw new ApiError(resp.status, err);
  }
  return body;
}

export const get = (path, params) => call('GET', path + query(params));
export const post = (path, body, opts = {}) => call('POST', path, { ...opts, body });
export const patch = (path, body, opts = {}) => call('PATCH', path, { ...opts, body });
export const del = (path, opts = {}) => call('DELETE', path, opts);

/** Every page of a list endpoint (for short lists such as products or partnerships). */
export async function all(path, params = {}, max = 20) {
  const items = [];
  let after;
  for (let i = 0; i < max; i += 1) {
    const page = await get(path, { ...params, limit: 1000, after });
    items.push(...page.items);
    if (!page.next) return { items, complete: true };
    after = page.next;
  }
  return { items, complete: false };
}

/** A fresh Idempotency-Key: a retried request (network failure, double click) happens once. */
export function idempotencyKey() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Path segment encoding for identifiers (serial numbers may contain / % ? & +). */
export const seg = (s) => encodeURIComponent(String(s));
