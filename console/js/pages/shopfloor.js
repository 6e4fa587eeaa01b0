// What a key with only the shopfloor role can do: nothing in this console, everything on the
// packaging line through the Manufacturer V2 API. Said plainly, instead of a row of refusals.

import { h, append } from '../dom.js';
import * as session from '../session.js';

const MV2 = [
  ['POST', '/serials/commission', 'commission serial numbers of a product, batch and expiry'],
  ['POST', '/serials/decommission', 'decommission packs (destroyed, sampled, stolen, damaged, expired, other)'],
  ['POST', '/aggregate/trade_item', 'pack items into a bundle pack'],
  ['POST', '/aggregate/container', 'pack items onto a case (SSCC)'],
  ['POST', '/aggregate/containers', 'put cases onto a pallet'],
  ['DELETE', '/aggregate/…', 'take items or cases out again'],
];

export async function render(main) {
  const s = session.current();
  const roles = s ? s.roles : [];
  append(main, 
    h('h1', {}, 'This key is for packaging lines'),
    h('p', { class: 'lead' },
      'The key you signed in with (', h('code', {}, (s && s.apiKey) || '—'), ') holds the role ',
      h('strong', {}, roles.join(', ') || 'none'),
      '. It has nothing to show or change in this console: it does not see what was produced, cannot release to market, read the audit trail or manage the company.'),
    h('section', { 'aria-labelledby': 'sf-can' },
      h('h2', { id: 'sf-can' }, 'What it can do'),
      h('p', {}, 'A line or ERP system uses it on the Manufacturer V2 API, ',
        h('code', {}, '/v1/manufacturer/v2/api'),
        ', sending its token in ', h('code', {}, 'x-access-token'),
        ' and the key of one of the company\u2019s enabled channels in ', h('code', {}, 'x-channel-key'), ':'),
      h('ul', { class: 'plain' }, MV2.map(([m, p, what]) => h('li', {}, h('code', {}, `${m} ${p}`), ` — ${what}`)))),
    h('section', { 'aria-labelledby': 'sf-else' },
      h('h2', { id: 'sf-else' }, 'To use the console'),
      h('p', {}, 'Sign out and sign in with a key holding the ', h('strong', {}, 'release'), ' role (review and release), the ',
        h('strong', {}, 'audit'), ' role (read the trail), or the ', h('strong', {}, 'admin'),
        ' role (keys, channels, products, partners). Your administrator creates such keys in the dashboard.')));
}
