// The tenant dashboard (role admin): the company, API keys, channels, products, partnerships.
// One module per section; the section is the second part of the route (#/dashboard/keys).

import { h, append } from '../../dom.js';

const SECTIONS = [
  { id: 'company', label: 'Company', load: () => import('./company.js') },
  { id: 'keys', label: 'API keys', load: () => import('./keys.js') },
  { id: 'channels', label: 'Channels', load: () => import('./channels.js') },
  { id: 'products', label: 'Products', load: () => import('./products.js') },
  { id: 'partnerships', label: 'Partnerships', load: () => import('./partnerships.js') },
];

export async function render(main, route) {
  const current = SECTIONS.find((s) => s.id === route.params.section) || SECTIONS[0];
  const body = h('div', { class: 'section-body' });
  append(main, 
    h('h1', {}, `Dashboard: ${current.label}`),
    h('nav', { class: 'tabs', 'aria-label': 'Dashboard sections' },
      h('ul', {}, SECTIONS.map((s) => h('li', {},
        h('a', { href: `#/dashboard/${s.id}`, 'aria-current': s === current ? 'page' : null }, s.label))))),
    body);
  const mod = await current.load();
  if (route.alive()) await mod.render(body, route);
}
