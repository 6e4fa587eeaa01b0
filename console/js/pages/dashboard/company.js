// The company (GET /v1/tenant): its id is what a brand owner needs to invite it as a CMO.

import { h } from '../../dom.js';
import * as api from '../../api.js';
import { loading, showError } from '../../ui/status.js';

export async function render(el) {
  loading(el, 'Loading the company…');
  try {
    const t = await api.get('/v1/tenant');
    el.replaceChildren(
      h('dl', { class: 'facts' },
        h('dt', {}, 'Name'), h('dd', {}, t.name),
        h('dt', {}, 'Tenant id'), h('dd', {}, h('code', {}, t.id)),
        h('dt', {}, 'GS1 Company Prefixes'), h('dd', {}, t.gs1_company_prefixes.length ? t.gs1_company_prefixes.join(', ') : 'none'),
        h('dt', {}, 'GLN'), h('dd', {}, t.gln || '—')),
      h('p', { class: 'hint' }, 'A brand owner invites this company as its contract manufacturer with the tenant id above. Company prefixes are set by the hub operator.'));
  } catch (err) {
    showError(el, err, 'Could not load the company');
  }
}
