// One SSCC: status, producer, parent, the hierarchy below it as a tree, and its history
// (GET /v1/containers/{sscc}). A pending SSCC can be released from here.

import { h, append, link, statusBadge, tenantName, time, replace } from '../dom.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { hierarchy } from '../ui/tree.js';
import { historyTable } from '../ui/history.js';
import { releaseDialog } from '../ui/release.js';
import { findForm } from '../ui/find.js';
import { loading, showError } from '../ui/status.js';

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export async function render(main, route) {
  const sscc = route.params.sscc;
  const body = h('div', {});
  append(main, h('div', { class: 'page-head' }, h('h1', {}, `SSCC ${sscc}`), findForm(route.navigate)), body);
  loading(body, `Loading SSCC ${sscc}…`);
  let c;
  try {
    c = await api.get(`/v1/containers/${api.seg(sscc)}`);
  } catch (err) {
    if (err.status === 404) {
      body.replaceChildren(h('div', { class: 'error', role: 'alert' },
        `SSCC ${sscc} was not found: it does not exist, or it holds goods of another company.`));
      return;
    }
    showError(body, err, `Could not load SSCC ${sscc}`);
    return;
  }
  if (!route.alive()) return;
  const known = new Map();
  if (c.produced_by) known.set(c.produced_by.tenant_id, c.produced_by.name);
  const pending = c.status === 'pending_commissioning_approval';
  const releaseBtn = pending && session.allows(session.RELEASE)
    ? h('button', { type: 'button', class: 'primary' }, 'Release this SSCC…')
    : null;
  if (releaseBtn) {
    releaseBtn.addEventListener('click', async () => {
      const done = await releaseDialog([{ sscc: c.sscc, produced_by: c.produced_by, contents: [], child_count: c.children.length }], []);
      if (done && route.alive()) route.navigate(`/sscc/${c.sscc}`);
    });
  }
  replace(body,
    facts([
      ['Status', statusBadge(c.status)],
      ['Produced by', tenantName(c.produced_by)],
      ['Parent', c.parent ? link(c.parent.sscc, `/sscc/${c.parent.sscc}`) : 'none (top level)'],
      ['Packs inside', String(c.pack_count)],
      ['Created', time(c.created_at)],
    ]),
    releaseBtn ? h('p', {}, releaseBtn) : null,
    h('section', { 'aria-labelledby': 'c-tree' }, h('h2', { id: 'c-tree' }, 'Hierarchy'), hierarchy(c)),
    h('section', { 'aria-labelledby': 'c-hist' },
      h('h2', { id: 'c-hist' }, 'History'),
      historyTable(c.history, known),
      h('p', {}, link('All audit events of this SSCC', `/audit?object=${encodeURIComponent(c.sscc)}`))));
}
