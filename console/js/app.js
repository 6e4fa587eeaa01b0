// The console's entry point: the header (navigation for the key's roles, who is signed in, sign
// out) and the router.

import { pages } from './pages/index.js';
import * as session from './session.js';
import { h, replace } from './dom.js';
import { render, navigate, parse } from './router.js';

function header() {
  const s = session.current();
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  nav.hidden = !s;
  who.hidden = !s;
  if (!s) {
    nav.replaceChildren();
    return;
  }
  const { path } = parse(window.location.hash);
  const entries = pages.filter((p) => p.nav && session.allows(p.roles));
  replace(nav, h('ul', {}, entries.map((p) => {
    const here = path === p.path || path.startsWith(`${p.path}/`)
      || (p.path === '/release' && (path.startsWith('/sscc/') || path.startsWith('/pack/')));
    return h('li', {}, h('a', { href: `#${p.path}`, 'aria-current': here ? 'page' : null }, p.nav));
  })));
  const tenant = s.tenantName || s.tenantId || 'unknown tenant';
  document.getElementById('who-text').textContent = `${tenant} · ${s.roles.join(', ')}`;
  document.getElementById('who-text').title = `API key ${s.apiKey || ''}`;
}

document.addEventListener('serialhub:session', header);
window.addEventListener('hashchange', render);
window.addEventListener('serialhub:signed-out', () => {
  header();
  navigate('/sign-in');
});
document.getElementById('sign-out').addEventListener('click', () => {
  session.end('You have signed out.');
  header();
  navigate('/sign-in');
});
document.getElementById('skip').addEventListener('click', () => {
  const main = document.getElementById('main');
  const heading = main.querySelector('h1');
  (heading || main).focus();
});
render();
