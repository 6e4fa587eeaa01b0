// The MAH release console: pending SSCCs and loose packs of the tenant's own products (made on its
// own lines or by its CMOs), filtered by product, batch and producer, one page at a time through
// the API's cursors; select, confirm what will be released, release, see the result.

import { h, append, field, link, table, tenantName, expiry, time, replace, plural } from '../dom.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { pagedList } from '../ui/pager.js';
import { releaseDialog } from '../ui/release.js';
import { errorBox } from '../ui/status.js';
import { findForm } from '../ui/find.js';

const PAGE = 100;

function filtersFrom(query) {
  return {
    product: query.get('product') || '',
    batch: query.get('batch') || '',
    producer: query.get('producer') || '',
  };
}

function routeOf(f) {
  const q = api.query({ product: f.product, batch: f.batch, producer: f.producer });
  return `#/release${q}`;
}

export async function render(main, route) {
  const s = session.current();
  const mayRelease = session.allows(session.RELEASE);
  const filters = filtersFrom(route.query);
  // What is selected, by key; kept across pages and filter changes until released or cleared.
  const selected = new Map();
  const producers = new Map(); // tenant id -> name, for the producer filter
  if (s.tenantId) producers.set(s.tenantId, `${s.tenantName || 'This company'} (own lines)`);

  // --- filters ---------------------------------------------------------------------------
  const product = h('select', { name: 'product' }, h('option', { value: '' }, 'All products'));
  const batch = h('input', { name: 'batch', value: filters.batch, autocomplete: 'off', spellcheck: 'false' });
  const producer = h('select', { name: 'producer' }, h('option', { value: '' }, 'Any producer'));
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter pending items' },
    field('Product', product).field,
    field('Batch', batch).field,
    field('Producer', producer).field,
    h('div', { class: 'field-buttons' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'button', onclick: () => { product.value = ''; batch.value = ''; producer.value = ''; apply(); } }, 'Clear filters')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });
  const choiceErrors = h('div', {});
  const choiceFailed = (what) => (err) => {
    if (!(err instanceof api.SessionEnded)) choiceErrors.append(errorBox(err, `Could not load the ${what} to filter by`));
  };

  function fillProducers() {
    const keep = producer.value || filters.producer;
    replace(producer, h('option', { value: '' }, 'Any producer'),
      [...producers].map(([id, name]) => h('option', { value: id }, name)));
    if (keep && !producers.has(keep)) producer.append(h('option', { value: keep }, keep));
    producer.value = keep;
  }
  function learnProducer(t) {
    if (t && t.tenant_id && !producers.has(t.tenant_id)) {
      producers.set(t.tenant_id, t.name || t.tenant_id);
      fillProducers();
    }
  }

  // --- selection ---------------------------------------------------------------------------
  const selInfo = h('span', { 'aria-live': 'polite' });
  const releaseBtn = h('button', { type: 'button', class: 'primary', disabled: true }, 'Release selected…');
  const clearBtn = h('button', { type: 'button', disabled: true }, 'Clear selection');
  const checkboxes = new Map(); // key -> checkbox on the current pages
  function updateSelection() {
    const nS = [...selected.keys()].filter((k) => k.startsWith('sscc:')).length;
    const nP = selected.size - nS;
    selInfo.textContent = selected.size
      ? `Selected: ${nS} SSCC${nS === 1 ? '' : 's'} and ${nP} pack${nP === 1 ? '' : 's'}`
      : 'Nothing selected';
    releaseBtn.disabled = selected.size === 0;
    clearBtn.disabled = selected.size === 0;
    for (const [k, box] of checkboxes) box.checked = selected.has(k);
  }
  function checkbox(key, row, label) {
    const box = h('input', { type: 'checkbox', 'aria-label': label, checked: selected.has(key) });
    box.addEventListener('change', () => {
      if (box.checked) selected.set(key, row);
      else selected.delete(key);
      updateSelection();
    });
    checkboxes.set(key, box);
    return box;
  }
  function selectAll(label, keysRows) {
    const box = h('input', { type: 'checkbox', 'aria-label': label });
    box.addEventListener('change', () => {
      for (const [k, row] of keysRows) {
        if (box.checked) selected.set(k, row);
        else selected.delete(k);
      }
      updateSelection();
    });
    return box;
  }
  clearBtn.addEventListener('click', () => { selected.clear(); updateSelection(); });

  // --- lists -------------------------------------------------------------------------------
  const params = () => ({ product_code: filters.product, batch: filters.batch, produced_by: filters.producer });
  const ssccs = pagedList({
    noun: 'SSCCs',
    limit: PAGE,
    empty: 'No SSCCs pending commissioning approval match these filters.',
    fetchPage: (after, limit) => api.get('/v1/commissioning/containers', { ...params(), after, limit }),
    render: (items) => {
      items.forEach((c) => learnProducer(c.produced_by));
      const keyed = items.map((c) => [`sscc:${c.sscc}`, c]);
      const head = mayRelease ? [selectAll('Select all SSCCs on this page', keyed)] : [];
      return table('Pending SSCCs', [...head, 'SSCC', 'Holds directly', 'Children', 'Inside', 'Produced by', 'Created'],
        items.map((c) => [
          ...(mayRelease ? [checkbox(`sscc:${c.sscc}`, c, `Select SSCC ${c.sscc}`)] : []),
          link(c.sscc, `/sscc/${c.sscc}`),
          c.contents && c.contents.length
            ? h('ul', { class: 'plain' }, c.contents.map((k) => h('li', {}, h('code', {}, k.product_code), ` · batch ${k.batch} · exp. `, expiry(k.expiry_date), ` · ${plural(k.packs, 'pack')}`)))
            : '—',
          h('span', { class: 'num' }, String(c.child_count)),
          c.parent ? link(c.parent.sscc, `/sscc/${c.parent.sscc}`) : '—',
          tenantName(c.produced_by),
          time(c.created_at),
        ]), { captionHidden: true });
    },
  });
  const packs = pagedList({
    noun: 'packs',
    limit: PAGE,
    empty: 'No loose packs pending commissioning approval match these filters.',
    fetchPage: (after, limit) => api.get('/v1/commissioning/items', { ...params(), loose: 'true', after, limit }),
    render: (items) => {
      items.forEach((p) => learnProducer(p.produced_by));
      const keyed = items.map((p) => [`pack:${p.product_code}/${p.serial_number}`, p]);
      const head = mayRelease ? [selectAll('Select all packs on this page', keyed)] : [];
      return table('Loose packs', [...head, 'Product (GTIN)', 'Serial number', 'Batch', 'Expiry', 'Produced by', 'Commissioned'],
        items.map((p) => [
          ...(mayRelease ? [checkbox(`pack:${p.product_code}/${p.serial_number}`, p, `Select pack ${p.product_code} ${p.serial_number}`)] : []),
          h('code', {}, p.product_code),
          link(p.serial_number, `/pack/${p.product_code}/${api.seg(p.serial_number)}`),
          p.batch,
          expiry(p.expiry_date),
          tenantName(p.produced_by),
          time(p.commissioned_at),
        ]), { captionHidden: true });
    },
  });

  const lastRelease = h('div', { class: 'last-release' });
  function apply() {
    filters.product = product.value;
    filters.batch = batch.value.trim();
    filters.producer = producer.value;
    // The filters live in the address (shareable, survive a reload) without re-rendering the page.
    window.history.replaceState(null, '', routeOf(filters));
    checkboxes.clear();
    return Promise.all([ssccs.reload(), packs.reload()]);
  }

  releaseBtn.addEventListener('click', async () => {
    const rows = [...selected.entries()];
    const result = await releaseDialog(
      rows.filter(([k]) => k.startsWith('sscc:')).map(([, r]) => r),
      rows.filter(([k]) => k.startsWith('pack:')).map(([, r]) => r),
    );
    if (!result || !route.alive()) return;
    selected.clear();
    updateSelection();
    replace(lastRelease, h('div', { class: 'notice', role: 'status' },
      h('p', {}, `Released to market: ${result.released} pack${result.released === 1 ? '' : 's'} and ${result.containers} container${result.containers === 1 ? '' : 's'}.`),
      h('ul', { class: 'plain' },
        result.ssccs.map((c) => h('li', {}, link(`SSCC ${c.sscc}`, `/sscc/${c.sscc}`), ' — released')),
        result.packs.map((p) => h('li', {}, link(`Pack ${p.product_code} / ${p.serial_number}`, `/pack/${p.product_code}/${api.seg(p.serial_number)}`), ' — released')))));
    checkboxes.clear();
    await Promise.all([ssccs.reload(), packs.reload()]);
  });

  append(main, 
    h('div', { class: 'page-head' }, h('h1', {}, 'Release to market'), findForm(route.navigate)),
    h('p', { class: 'lead' }, 'SSCCs and loose packs of your products that are pending commissioning approval, whoever produced them. Releasing an SSCC releases everything still pending inside it.'),
    mayRelease ? null : h('div', { class: 'notice', role: 'note' }, `This key may review what is pending but not release it (roles: ${s.roles.join(', ')}). Releasing needs the release or admin role.`),
    form,
    choiceErrors,
    lastRelease,
    h('section', { 'aria-labelledby': 'rel-ssccs' }, h('h2', { id: 'rel-ssccs' }, 'Pending SSCCs'), ssccs.element),
    h('section', { 'aria-labelledby': 'rel-packs' }, h('h2', { id: 'rel-packs' }, 'Loose packs'), packs.element),
    mayRelease ? h('div', { class: 'selection-bar', role: 'region', 'aria-label': 'Selection' }, selInfo, clearBtn, releaseBtn) : null);
  updateSelection();

  // The filter choices: the tenant's products, and its contract manufacturers (admin keys see
  // the partnerships; for others the producers appear as the lists show them).
  const choices = api.all('/v1/commissioning/products').then((r) => {
    replace(product, h('option', { value: '' }, 'All products'),
      r.items.map((p) => h('option', { value: p.product_code }, `${p.product_code} — ${p.name} (${p.pending_items} pending)`)));
    if (filters.product && !r.items.some((p) => p.product_code === filters.product)) {
      product.append(h('option', { value: filters.product }, filters.product));
    }
    product.value = filters.product;
  }).catch(choiceFailed('products'));
  const partners = session.allows(session.ADMIN)
    ? api.all('/v1/tenant/partnerships').then((r) => {
      r.items.filter((p) => p.role === 'mah').forEach((p) => producers.set(p.cmo_tenant_id, p.cmo_name || p.cmo_tenant_id));
    }).catch(choiceFailed('contract manufacturers'))
    : Promise.resolve();
  fillProducers();
  await Promise.all([choices, partners.then(fillProducers), ssccs.reload(), packs.reload()]);
}
