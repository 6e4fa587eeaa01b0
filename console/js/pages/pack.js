// One pack: status, batch, expiry, producer, where it sits (innermost parent first) and its history
// (GET /v1/items/{product_code}/{serial_number}). A pending pack can be released from here.

import { h, append, link, statusBadge, tenantName, time, expiry, replace } from '../dom.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { historyTable } from '../ui/history.js';
import { releaseDialog } from '../ui/release.js';
import { findForm } from '../ui/find.js';
import { loading, showError } from '../ui/status.js';

function place(ref) {
  if (ref.sscc) return link(`SSCC ${ref.sscc}`, `/sscc/${ref.sscc}`);
  return link(`Pack ${ref.product_code} / ${ref.serial_number}`, `/pack/${ref.product_code}/${api.seg(ref.serial_number)}`);
}

export async function render(main, route) {
  const { gtin, serial } = route.params;
  const body = h('div', {});
  append(main, h('div', { class: 'page-head' }, h('h1', {}, `Pack ${gtin} / ${serial}`), findForm(route.navigate)), body);
  loading(body, 'Loading the pack…');
  let p;
  try {
    p = await api.get(`/v1/items/${api.seg(gtin)}/${api.seg(serial)}`);
  } catch (err) {
    if (err.status === 404) {
      body.replaceChildren(h('div', { class: 'error', role: 'alert' },
        `Pack ${gtin} / ${serial} was not found: it does not exist, or it is another company\u2019s product.`));
      return;
    }
    showError(body, err, 'Could not load the pack');
    return;
  }
  if (!route.alive()) return;
  const known = new Map();
  if (p.produced_by) known.set(p.produced_by.tenant_id, p.produced_by.name);
  const releaseBtn = p.status === 'pending_commissioning_approval' && session.allows(session.RELEASE)
    ? h('button', { type: 'button', class: 'primary' }, 'Release this pack…')
    : null;
  if (releaseBtn) {
    releaseBtn.addEventListener('click', async () => {
      const done = await releaseDialog([], [p]);
      if (done && route.alive()) route.navigate(`/pack/${p.product_code}/${api.seg(p.serial_number)}`);
    });
  }
  replace(body,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', {}, statusBadge(p.status), p.decommission_reason ? ` (${p.decommission_reason})` : ''),
      h('dt', {}, 'Batch'), h('dd', {}, p.batch),
      h('dt', {}, 'Expiry'), h('dd', {}, expiry(p.expiry_date)),
      h('dt', {}, 'Produced by'), h('dd', {}, tenantName(p.produced_by)),
      h('dt', {}, 'Commissioned'), h('dd', {}, time(p.commissioned_at)),
      h('dt', {}, 'Inside'), h('dd', {}, p.ancestors && p.ancestors.length
        ? h('ol', { class: 'path', 'aria-label': 'Parents, innermost first' }, p.ancestors.map((a) => h('li', {}, place(a))))
        : 'nothing (loose)')),
    releaseBtn ? h('p', {}, releaseBtn) : null,
    h('section', { 'aria-labelledby': 'p-hist' },
      h('h2', { id: 'p-hist' }, 'History'),
      historyTable(p.history, known),
      h('p', {}, link('All audit events of this pack', `/audit?object=${encodeURIComponent(`${p.product_code}/${p.serial_number}`)}`))));
}
