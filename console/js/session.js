// The signed-in key, for this browser tab only: sessionStorage is per tab and is emptied when the
// tab closes. The token never goes into a URL, a cookie or storage that outlives the tab.

const KEY = 'serialhub.console.session';
let memory = null; // used when sessionStorage is unavailable (e.g. blocked by the browser)
let notice = '';

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The current session, or null. An expired one is forgotten on the way. */
export function current() {
  let s = memory;
  const store = storage();
  if (store) {
    try {
      s = JSON.parse(store.getItem(KEY) || 'null');
    } catch {
      s = null;
    }
  }
  if (s && typeof s.expiresAt === 'number' && Date.now() >= s.expiresAt) {
    end('Your session has expired. Sign in again.');
    return null;
  }
  return s && s.token ? s : null;
}

/** Keeps a fresh sign-in: token, its expiry, the key's roles and tenant (from POST /v1/api_auth). */
export function start(auth, apiKey) {
  const s = {
    token: auth.token,
    expiresAt: Date.now() + Number(auth.expires_in || 0) * 1000,
    roles: Array.isArray(auth.roles) ? auth.roles : [],
    tenantId: auth.tenant_id || null,
    tenantName: auth.tenant_name || null,
    apiKey,
  };
  memory = s;
  const store = storage();
  if (store) store.setItem(KEY, JSON.stringify(s));
  notice = '';
  return s;
}

/** Forgets the token; `message` (if any) is shown on the sign-in page until the next sign-in. */
export function end(message = '') {
  memory = null;
  const store = storage();
  if (store) store.removeItem(KEY);
  if (message) notice = message;
}

/** Why the reader is on the sign-in page ("" when they simply arrived). Several refused calls
 *  may end one session: the message stays until a sign-in succeeds. */
export function signInNotice() {
  return notice;
}

/** Whether the signed-in key holds any of `roles` (empty list: any signed-in key). */
export function allows(roles) {
  const s = current();
  if (!s) return false;
  if (!roles || roles.length === 0) return true;
  return roles.some((r) => s.roles.includes(r));
}

/** Roles that read commissioning views, lookups and the audit trail. */
export const READ = ['audit', 'release', 'admin'];
/** Roles that release to market. */
export const RELEASE = ['release', 'admin'];
/** The tenant dashboard. */
export const ADMIN = ['admin'];
