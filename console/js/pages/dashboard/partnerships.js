// Partnerships: as brand owner (MAH) invite a contract manufacturer with the products it may
// produce, change that list, suspend, resume or end; as contract manufacturer (CMO) accept an
// invitation. Both sides see each partnership.

import { h, append, field, table, time, statusBadge, newId } from '../../dom.js';
import * as api from '../../api.js';
import { busy, loading, showError } from '../../ui/status.js';
import { openDialog, confirmDialog } from '../../ui/dialog.js';

function productChecks(products, chosen, prefix) {
  if (products.length === 0) return h('p', { class: 'empty' }, 'Register a product first.');
  return products.map((p) => {
    const id = newId(prefix);
    const box = h('input', { type: 'checkbox', id, value: p.product_code, checked: chosen.includes(p.product_code) });
    return h('div', { class: 'check' }, box, h('label', { for: id }, `${p.product_code} — ${p.name}`));
  });
}

const checked = (root) => [...root.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.value);

export async function render(el) {
  const errors = h('div', { 'aria-live': 'assertive' });
  const listEl = h('div', {});
  let products = [];

  async function load() {
    loading(listEl, 'Loading partnerships…');
    try {
      const r = await api.all('/v1/tenant/partnerships');
      listEl.replaceChildren(r.items.length ? rows(r.items) : h('p', { class: 'empty' }, 'No partnerships yet.'));
    } catch (err) {
      showError(listEl, err, 'Could not load partnerships');
    }
  }

  function setStatus(p, status, label, verb) {
    const partner = p.cmo_name || p.cmo_tenant_id;
    const b = h('button', { type: 'button', class: status === 'ended' ? 'danger' : null, 'aria-label': `${label} partnership with ${partner}` }, label);
    b.addEventListener('click', async () => {
      if (status !== 'active' && !(await confirmDialog(`${label} the partnership with ${partner}?`,
        h('p', {}, status === 'ended'
          ? 'The contract manufacturer stops producing your products at once. An ended partnership cannot be resumed; you would invite again.'
          : 'The contract manufacturer stops producing your products at once, until you resume. What it produced stays yours.'),
        label, { danger: true }))) return;
      await busy(b, verb, errors, async () => {
        await api.patch(`/v1/tenant/partnerships/${api.seg(p.id)}`, { status });
        await load();
      });
    });
    return b;
  }

  function editProducts(p) {
    const partner = p.cmo_name || p.cmo_tenant_id;
    const b = h('button', { type: 'button', 'aria-label': `Change products of partnership with ${partner}` }, 'Change products');
    b.addEventListener('click', () => {
      const fs = h('fieldset', {}, h('legend', {}, `Products ${partner} may produce`), productChecks(products, p.product_codes, 'grant'));
      const errs = h('div', { 'aria-live': 'assertive' });
      const d = openDialog(`Products for ${partner}`, h('div', {}, fs, errs));
      const save = h('button', { type: 'button', class: 'primary' }, 'Save products');
      save.addEventListener('click', () => busy(save, 'Saving…', errs, async () => {
        await api.patch(`/v1/tenant/partnerships/${api.seg(p.id)}`, { product_codes: checked(fs) });
        d.close();
        await load();
      }));
      d.setActions(h('button', { type: 'button', onclick: () => d.close() }, 'Cancel'), save);
    });
    return b;
  }

  function rows(items) {
    return table('Partnerships', ['We are', 'Partner', 'Status', 'Products', 'Changed', 'Actions'],
      items.map((p) => {
        const partnerId = p.role === 'mah' ? p.cmo_tenant_id : p.mah_tenant_id;
        const partner = (p.role === 'mah' ? p.cmo_name : p.mah_name) || partnerId;
        const actions = h('div', { class: 'actions' });
        if (p.role === 'cmo' && p.status === 'pending') {
          const accept = h('button', { type: 'button', class: 'primary', 'aria-label': `Accept partnership with ${partner}` }, 'Accept');
          accept.addEventListener('click', () => busy(accept, 'Accepting…', errors, async () => {
            await api.post(`/v1/tenant/partnerships/${api.seg(p.id)}/accept`, {});
            await load();
          }));
          actions.append(accept);
        }
        if (p.role === 'mah' && p.status !== 'ended') {
          if (p.status === 'active') actions.append(setStatus(p, 'suspended', 'Suspend', 'Suspending…'));
          if (p.status === 'suspended') actions.append(setStatus(p, 'active', 'Resume', 'Resuming…'));
          actions.append(editProducts(p), setStatus(p, 'ended', 'End', 'Ending…'));
        }
        return [
          p.role === 'mah' ? 'brand owner (MAH)' : 'contract manufacturer (CMO)',
          h('span', {}, partner, h('br'), h('small', { class: 'id' }, partnerId)),
          statusBadge(p.status),
          p.product_codes.length ? h('ul', { class: 'plain' }, p.product_codes.map((c) => h('li', {}, h('code', {}, c)))) : '—',
          time(p.updated_at),
          actions,
        ];
      }), { captionHidden: true });
  }

  // --- invite --------------------------------------------------------------------------------
  const cmo = h('input', { name: 'cmo_tenant_id', autocomplete: 'off', spellcheck: 'false', required: true });
  const grants = h('fieldset', {}, h('legend', {}, 'Products it may produce'));
  const invite = h('button', { type: 'submit', class: 'primary' }, 'Invite');
  const inviteErrors = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { class: 'form', 'aria-label': 'Invite a contract manufacturer' },
    field('Contract manufacturer tenant id', cmo, 'The CMO finds its tenant id in its own dashboard, under Company.').field,
    grants, invite, inviteErrors);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(invite, 'Inviting…', inviteErrors, async () => {
      await api.post('/v1/tenant/partnerships', { cmo_tenant_id: cmo.value.trim(), product_codes: checked(grants) },
        { idempotencyKey: api.idempotencyKey() });
      form.reset();
      await load();
    });
  });

  append(el, 
    errors,
    h('section', { 'aria-labelledby': 'pa-list' }, h('h2', { id: 'pa-list' }, 'Partnerships'), listEl),
    h('section', { 'aria-labelledby': 'pa-new' }, h('h2', { id: 'pa-new' }, 'Invite a contract manufacturer'), form));
  const productsLoaded = api.all('/v1/tenant/products').then((r) => {
    products = r.items;
    grants.append(...[productChecks(products, [], 'inv')].flat());
  }).catch((err) => showError(grants, err, 'Could not load your products'));
  await Promise.all([load(), productsLoaded]);
}
