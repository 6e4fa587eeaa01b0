// The commissioning view: what this tenant may see (its own products with what is pending
// approval) and, for an administrator, its partnerships on both sides. For a CMO this is the CMO
// view: it never lists what the CMO produced for a brand owner — that is the brand owner's to
// release, and appears only on its side.

import { h, append, link, table, statusBadge, replace } from '../dom.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { pagedList } from '../ui/pager.js';
import { loading, showError } from '../ui/status.js';

function productRows(items) {
  return table('Products with packs pending commissioning approval',
    ['Product (GTIN)', 'Name', 'Pending packs', ''],
    items.map((p) => [
      h('code', {}, p.product_code),
      p.name,
      h('span', { class: 'num' }, String(p.pending_items)),
      p.pending_items > 0 ? link(`Review ${p.product_code}`, `/release?product=${encodeURIComponent(p.product_code)}`) : '—',
    ]), { captionHidden: true });
}

function partnerName(p) {
  const id = p.role === 'mah' ? p.cmo_tenant_id : p.mah_tenant_id;
  const name = p.role === 'mah' ? p.cmo_name : p.mah_name;
  return h('span', {}, name || id, h('br'), h('small', { class: 'id' }, id));
}

function partnershipTables(el, items) {
  const asMah = items.filter((p) => p.role === 'mah');
  const asCmo = items.filter((p) => p.role === 'cmo');
  const rows = (list) => list.map((p) => [
    partnerName(p),
    statusBadge(p.status),
    p.product_codes.length ? h('ul', { class: 'plain' }, p.product_codes.map((c) => h('li', {}, h('code', {}, c)))) : '—',
  ]);
  replace(el,
    h('h3', {}, 'As brand owner (MAH): contract manufacturers producing for you'),
    asMah.length
      ? table('Partnerships as brand owner', ['Contract manufacturer', 'Status', 'Your products they may produce'], rows(asMah), { captionHidden: true })
      : h('p', { class: 'empty' }, 'No contract manufacturers.'),
    h('h3', {}, 'As contract manufacturer (CMO): brand owners you produce for'),
    asCmo.length
      ? h('div', {},
        table('Partnerships as contract manufacturer', ['Brand owner', 'Status', 'Their products you may produce'], rows(asCmo), { captionHidden: true }),
        h('p', { class: 'hint' }, 'What you commission and pack for a brand owner belongs to it: it is listed, looked up and released only on the brand owner\u2019s side, never in your own views. ',
          asCmo.some((p) => p.status === 'pending') ? link('Accept pending invitations in the dashboard', '/dashboard/partnerships') : null))
      : h('p', { class: 'empty' }, 'No brand owners.'));
}

export async function render(main) {
  const s = session.current();
  const products = pagedList({
    noun: 'products',
    fetchPage: (after, limit) => api.get('/v1/commissioning/products', { after, limit }),
    render: productRows,
    empty: 'This company has registered no products. Only products you own appear here.',
  });
  const partners = h('div', {});
  append(main, 
    h('h1', {}, `Overview: ${s.tenantName || 'your company'}`),
    h('p', { class: 'lead' }, 'What this company may see: its own products, and the packs and SSCCs of them that are pending commissioning approval — whether made on its own lines or by its contract manufacturers.'),
    h('section', { 'aria-labelledby': 'ov-products' },
      h('h2', { id: 'ov-products' }, 'Pending commissioning approval'),
      products.element,
      session.allows(session.READ) ? h('p', {}, link('Go to the release console', '/release')) : null),
    h('section', { 'aria-labelledby': 'ov-partners' },
      h('h2', { id: 'ov-partners' }, 'Partnerships'),
      partners));
  const work = [products.reload()];
  if (session.allows(session.ADMIN)) {
    loading(partners, 'Loading partnerships…');
    work.push(api.all('/v1/tenant/partnerships')
      .then((r) => partnershipTables(partners, r.items))
      .catch((err) => showError(partners, err, 'Could not load partnerships')));
  } else {
    partners.append(h('p', { class: 'hint' }, 'Partnerships are shown to keys with the admin role.'));
  }
  await Promise.all(work);
}
