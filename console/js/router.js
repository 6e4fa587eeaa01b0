// Hash routes (#/release?product=…): the server serves one page, and nothing of the route — let
// alone the token — is ever sent to it. Only hashes starting with "#/" are routes.

import { pages, home } from './pages/index.js';
import * as session from './session.js';
import { h, replace, link } from './dom.js';
import { loading, showError } from './ui/status.js';

let generation = 0;
let returnTo = null;

/** Splits "#/pack/0401/S%2F1?x=1" into path segments (decoded) and query parameters. */
export function parse(hash) {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const [path, q = ''] = raw.split('?', 2);
  return { path: path || '/', query: new URLSearchParams(q) };
}

function match(path) {
  const segs = path.split('/').filter(Boolean);
  for (const page of pages) {
    const pat = page.path.split('/').filter(Boolean);
    if (pat.length !== segs.length) continue;
    const params = {};
    const ok = pat.every((p, i) => {
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(segs[i]);
        } catch {
          return false;
        }
        return true;
      }
      return p === segs[i];
    });
    if (ok) return { page, params };
  }
  return null;
}

/** Goes to a route (e.g. "/sscc/0409…"); the hashchange renders it. */
export function navigate(route) {
  const target = `#${route}`;
  if (window.location.hash === target) render();
  else window.location.hash = target;
}

/** Renders the page of the current hash into <main>. */
export async function render() {
  const main = document.getElementById('main');
  const { path, query } = parse(window.location.hash);
  if (!window.location.hash.startsWith('#/')) {
    if (window.location.hash) return; // an in-page anchor, not a route
  }
  const s = session.current();
  document.dispatchEvent(new Event('serialhub:session'));
  if (path === '/' || path === '') {
    navigate(s ? home(s.roles) : '/sign-in');
    return;
  }
  const found = match(path);
  if (!found) {
    replace(main, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'There is no such page in the console. ', link('Go to the start page', '/')));
    focusHeading(main);
    return;
  }
  const { page, params } = found;
  if (!page.public && !s) {
    returnTo = `${path}${query.toString() ? `?${query}` : ''}`;
    navigate('/sign-in');
    return;
  }
  if (s && page.path === '/sign-in') {
    navigate(home(s.roles));
    return;
  }
  if (!page.public && !session.allows(page.roles)) {
    if (!session.allows(session.READ)) {
      navigate('/shopfloor');
      return;
    }
    replace(main,
      h('h1', { tabindex: '-1' }, `${page.title}: not available for this key`),
      h('p', {}, `This page needs one of the roles ${page.roles.join(', ')}; the key you signed in with holds ${s.roles.join(', ')}. `, link('Go to the start page', '/')));
    focusHeading(main);
    return;
  }
  generation += 1;
  const mine = generation;
  document.title = `${page.title} · serialhub console`;
  loading(main, `Loading ${page.title.toLowerCase()}…`);
  try {
    const mod = await page.load();
    if (mine !== generation) return;
    main.replaceChildren();
    await mod.render(main, {
      params,
      query,
      navigate,
      alive: () => mine === generation,
      takeReturnTo: () => { const r = returnTo; returnTo = null; return r; },
    });
    // Keyboard and screen-reader users start at the new page's heading (unless the page itself
    // put the focus somewhere, as the sign-in form does).
    if (mine === generation && !main.contains(document.activeElement)) focusHeading(main);
  } catch (err) {
    if (mine === generation) showError(main, err, `Could not show ${page.title.toLowerCase()}`);
  }
}

function focusHeading(main) {
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}
