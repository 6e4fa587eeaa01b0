// The audit trail: the chain verification result (GET /v1/audit/verify), the events the tenant may
// see with filters (GET /v1/audit/events), the same as an EPCIS 2.0 document
// (GET /v1/epcis/events), and the reconciliation of one batch (GET /v1/reports/batch).

import { h, append, field, table, time, replace, plural, shortId } from '../dom.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { pagedList } from '../ui/pager.js';
import { loading, showError, busy, errorBox } from '../ui/status.js';
import { whoIs } from '../ui/history.js';

const ACTIONS = ['commission', 'aggregate', 'disaggregate', 'decommission', 'release',
  'product.register', 'partnership.create', 'partnership.accept', 'partnership.update',
  'api_key.create', 'api_key.revoke', 'static_token.issue', 'static_token.revoke',
  'channel.create', 'channel.update'];

function parentText(p) {
  if (!p) return '?';
  return p.sscc ? `SSCC ${p.sscc}` : `${p.product_code} / ${p.serial_number}`;
}

/** One line saying what an event did, from its payload. */
function summary(e) {
  const p = e.payload || {};
  const n = (list) => (Array.isArray(list) ? list.length : 0);
  switch (e.action) {
    case 'commission': return `${plural(n(p.serial_numbers), 'serial')} of ${p.product_code}, batch ${p.batch}, expiry ${p.expiry_date}`;
    case 'decommission': return `${plural(n(p.serial_numbers), 'serial')} of ${p.product_code}`;
    case 'aggregate': return `${n(p.children)} onto ${parentText(p.parent)}`;
    case 'disaggregate': return `${p.count} out of ${parentText(p.parent)}`;
    case 'release': return `${plural(n(p.ssccs), 'SSCC')} and ${plural(n(p.trade_items), 'pack')} named: ${plural(p.released_packs, 'pack')} and ${plural(p.released_containers, 'container')} released`;
    case 'product.register': return `${p.product_code} “${p.name}”`;
    case 'api_key.create': return `key “${p.name}” (${(p.roles || []).join(', ')})`;
    case 'channel.create': return `channel “${p.name}” (${p.type}, ${p.source})`;
    case 'channel.update': return p.enabled ? `enabled: ${p.enabled.from} → ${p.enabled.to}` : '';
    default:
      if (p.status && p.status.to) return `status ${p.status.from || 'new'} → ${p.status.to}`;
      return '';
  }
}

function eventsTable(items, known) {
  return table('Audit events', ['Seq', 'When', 'Action', 'What', 'Who', 'On behalf of', 'Reason', 'Hash'],
    items.map((e) => [
      h('span', { class: 'num' }, String(e.seq)),
      time(e.occurred_at),
      h('code', {}, e.action),
      h('div', {}, summary(e),
        h('details', {}, h('summary', {}, 'Payload'), h('pre', {}, JSON.stringify(e.payload, null, 2)))),
      h('div', {}, whoIs(e.actor.tenant_id, known), h('br'), shortId(e.actor.api_key_id)),
      whoIs(e.owner_tenant_id, known),
      e.reason || '—',
      h('small', { class: 'id hash', title: e.hash }, `${e.hash.slice(0, 12)}…`),
    ]), { captionHidden: true });
}

function chainResult(v) {
  const s = session.current();
  const whose = (s && s.tenantName) || 'this company';
  if (v.valid) {
    return h('div', { class: 'verified', role: 'status' },
      h('p', { class: 'big' }, 'Chain verified'),
      h('p', {}, `The audit chain of ${whose} is intact: ${v.events} event${v.events === 1 ? '' : 's'}, each linked to the one before and rehashed.`),
      h('p', {}, 'Head hash: ', h('code', { class: 'hash' }, v.head)),
      h('p', { class: 'hint' }, 'Keep the head hash with your audit records: a later head must still have it at the same position.'));
  }
  return h('div', { class: 'error', role: 'alert' },
    h('p', { class: 'big' }, `Chain BROKEN at event ${v.first_broken}`),
    h('p', {}, `${v.events} events read; the last intact head is `, h('code', { class: 'hash' }, v.head || '—'), '.'));
}

/** A UTC RFC 3339 time from a datetime-local value (read as the reader's local time). */
function utc(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Partner names by tenant id (the partnerships are visible to admin keys only). */
async function partnerNames() {
  const known = new Map();
  if (!session.allows(session.ADMIN)) return known;
  try {
    const r = await api.all('/v1/tenant/partnerships');
    for (const p of r.items) {
      known.set(p.mah_tenant_id, p.mah_name || p.mah_tenant_id);
      known.set(p.cmo_tenant_id, p.cmo_name || p.cmo_tenant_id);
    }
  } catch (err) {
    if (err instanceof api.SessionEnded) throw err;
    // Without names the events show tenant ids; nothing else depends on them.
  }
  return known;
}

export async function render(main, route) {
  const known = new Map();
  const chain = h('div', {});
  const verifyBtn = h('button', { type: 'button' }, 'Verify again');
  async function verify() {
    loading(chain, 'Verifying the audit chain…');
    try {
      replace(chain, chainResult(await api.get('/v1/audit/verify')));
    } catch (err) {
      showError(chain, err, 'Could not verify the chain');
    }
  }
  verifyBtn.addEventListener('click', verify);

  // --- events --------------------------------------------------------------------------------
  const object = h('input', { name: 'object', value: route.query.get('object') || '', autocomplete: 'off', spellcheck: 'false' });
  const action = h('select', { name: 'action' }, h('option', { value: '' }, 'Any action'), ACTIONS.map((a) => h('option', { value: a }, a)));
  action.value = route.query.get('action') || '';
  const from = h('input', { name: 'from', type: 'datetime-local' });
  const to = h('input', { name: 'to', type: 'datetime-local' });
  const filterErrors = h('div', {});
  const filters = () => ({ object: object.value.trim(), action: action.value, from: utc(from.value), to: utc(to.value) });
  const events = pagedList({
    noun: 'events',
    limit: 100,
    empty: 'No audit events match these filters.',
    fetchPage: (after, limit) => api.get('/v1/audit/events', { ...filters(), after, limit }),
    render: (items) => eventsTable(items, known),
  });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter audit events' },
    field('Object (SSCC, or GTIN/serial)', object).field,
    field('Action', action).field,
    field('From (your local time)', from).field,
    field('To (your local time)', to).field,
    h('div', { class: 'field-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Show events')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    window.history.replaceState(null, '', `#/audit${api.query({ object: object.value.trim(), action: action.value })}`);
    events.reload();
  });

  // --- EPCIS ---------------------------------------------------------------------------------
  const epcisBtn = h('button', { type: 'button' }, 'Download EPCIS 2.0 document');
  const epcisOut = h('div', { 'aria-live': 'polite' });
  let epcisAfter;
  async function epcis(after) {
    const resp = await api.call('GET', `/v1/epcis/events${api.query({ ...filters(), limit: 1000, after })}`, { raw: true });
    const text = await resp.text();
    const doc = JSON.parse(text);
    const n = doc.epcisBody && doc.epcisBody.eventList ? doc.epcisBody.eventList.length : 0;
    download(text, `serialhub-epcis-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.jsonld`, 'application/ld+json');
    epcisAfter = resp.headers.get('x-next-cursor');
    const next = epcisAfter ? h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, 'Preparing…', epcisOut, () => epcis(epcisAfter)) }, 'Download the next part') : null;
    replace(epcisOut, h('div', { class: 'notice', role: 'status' },
      `Downloaded an EPCIS document with ${n} event${n === 1 ? '' : 's'}${epcisAfter ? ' (the first 1000 audit events; more follow)' : ''}.`, next ? ' ' : '', next));
  }
  epcisBtn.addEventListener('click', () => busy(epcisBtn, 'Preparing…', epcisOut, () => epcis(undefined)));

  // --- batch report --------------------------------------------------------------------------
  const rProduct = h('select', { name: 'report_product' }, h('option', { value: '' }, 'Choose a product'));
  const rBatch = h('input', { name: 'report_batch', autocomplete: 'off', spellcheck: 'false' });
  const rBtn = h('button', { type: 'submit' }, 'Show batch report');
  const rOut = h('div', {});
  const rForm = h('form', { class: 'filters', 'aria-label': 'Batch report' },
    field('Product', rProduct).field, field('Batch', rBatch).field, h('div', { class: 'field-buttons' }, rBtn));
  rForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(rBtn, 'Loading…', rOut, async () => {
      const r = await api.get('/v1/reports/batch', { product_code: rProduct.value, batch: rBatch.value.trim() });
      const reasons = Object.entries(r.decommissioned.by_reason || {});
      replace(rOut,
        h('p', { class: r.accounted_for ? 'verified' : 'notice', role: 'status' },
          r.accounted_for ? `Every pack of batch ${r.batch} is accounted for (released or decommissioned).`
            : `${r.unaccounted} pack${r.unaccounted === 1 ? '' : 's'} of batch ${r.batch} still pending.`),
        table(`Batch ${r.batch} of ${r.product_code}`, ['Commissioned', 'Pending', 'In a parent', 'Released', 'Decommissioned'],
          [[String(r.commissioned), String(r.pending), String(r.aggregated), String(r.released),
            h('span', {}, String(r.decommissioned.total), reasons.length ? ` (${reasons.map(([k, v]) => `${k} ${v}`).join(', ')})` : '')]]));
    });
  });

  append(main, 
    h('h1', {}, 'Audit trail'),
    h('section', { 'aria-labelledby': 'a-chain' }, h('h2', { id: 'a-chain' }, 'Chain verification'), chain, verifyBtn),
    h('section', { 'aria-labelledby': 'a-events' }, h('h2', { id: 'a-events' }, 'Events'),
      h('p', { class: 'hint' }, 'Events this company performed, and events of others on its goods (its contract manufacturers\u2019 work).'),
      form, filterErrors, events.element),
    h('section', { 'aria-labelledby': 'a-epcis' }, h('h2', { id: 'a-epcis' }, 'EPCIS export'),
      h('p', {}, 'The events matching the filters above, as a GS1 EPCIS 2.0 JSON-LD document.'), epcisBtn, epcisOut),
    h('section', { 'aria-labelledby': 'a-batch' }, h('h2', { id: 'a-batch' }, 'Batch report'), rForm, rOut));

  const products = api.all('/v1/commissioning/products').then((r) => {
    rProduct.append(...r.items.map((p) => h('option', { value: p.product_code }, `${p.product_code} — ${p.name}`)));
  }).catch((err) => { if (!(err instanceof api.SessionEnded)) rOut.append(errorBox(err, 'Could not load the products')); });
  const names = partnerNames().then((m) => { m.forEach((v, k) => known.set(k, v)); return events.reload(); });
  await Promise.all([verify(), names, products]);
}
