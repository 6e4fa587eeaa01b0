// Products: the company's own trade items (it is their brand owner). Register, list.

import { h, append, field, table, time } from '../../dom.js';
import * as api from '../../api.js';
import { pagedList } from '../../ui/pager.js';
import { busy } from '../../ui/status.js';

export async function render(el) {
  const list = pagedList({
    noun: 'products',
    fetchPage: (after, limit) => api.get('/v1/tenant/products', { after, limit }),
    empty: 'No products registered yet.',
    render: (items) => table('Products', ['Product (GTIN)', 'Name', 'Registered'],
      items.map((p) => [h('code', {}, p.product_code), p.name, time(p.created_at)]), { captionHidden: true }),
  });
  const code = h('input', { name: 'product_code', inputmode: 'numeric', autocomplete: 'off', required: true, spellcheck: 'false' });
  const name = h('input', { name: 'product_name', autocomplete: 'off', required: true });
  const create = h('button', { type: 'submit', class: 'primary' }, 'Register product');
  const errors = h('div', { 'aria-live': 'assertive' });
  const created = h('div', {});
  const form = h('form', { class: 'form', 'aria-label': 'Register a product' },
    field('GTIN', code, 'GTIN-8, -12, -13 or -14 with its check digit, under one of the company\u2019s GS1 Company Prefixes.').field,
    field('Product name', name).field, create, errors);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(create, 'Registering…', errors, async () => {
      const p = await api.post('/v1/tenant/products', { product_code: code.value.trim(), product_code_schema: 'GTIN', name: name.value.trim() },
        { idempotencyKey: api.idempotencyKey() });
      created.replaceChildren(h('div', { class: 'notice', role: 'status' }, 'Registered ', h('code', {}, p.product_code), ` “${p.name}”.`));
      form.reset();
      await list.reload();
    });
  });
  append(el, 
    h('section', { 'aria-labelledby': 'pr-list' }, h('h2', { id: 'pr-list' }, 'Products'), list.element),
    h('section', { 'aria-labelledby': 'pr-new' }, h('h2', { id: 'pr-new' }, 'Register a product'), created, form));
  await list.reload();
}
