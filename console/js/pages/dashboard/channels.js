// Channels: the integration endpoints of the company (a packaging line sends its channel key in
// x-channel-key). Create, enable, disable.

import { h, append, field, table, time } from '../../dom.js';
import * as api from '../../api.js';
import { pagedList } from '../../ui/pager.js';
import { busy } from '../../ui/status.js';

export async function render(el) {
  const errors = h('div', { 'aria-live': 'assertive' });
  const list = pagedList({
    noun: 'channels',
    fetchPage: (after, limit) => api.get('/v1/tenant/channels', { after, limit }),
    empty: 'No channels yet. A packaging line needs one with source manufacturer_v2_api.',
    render: (items) => table('Channels', ['Name', 'Type', 'Source', 'Channel key', 'Status', 'Created', 'Action'],
      items.map((c) => {
        const toggle = h('button', { type: 'button', 'aria-label': `${c.enabled ? 'Disable' : 'Enable'} channel ${c.name}`, class: c.enabled ? 'danger' : null },
          c.enabled ? 'Disable' : 'Enable');
        toggle.addEventListener('click', () => busy(toggle, c.enabled ? 'Disabling…' : 'Enabling…', errors, async () => {
          await api.patch(`/v1/tenant/channels/${api.seg(c.id)}`, { enabled: !c.enabled });
          await list.refresh();
        }));
        return [c.name, c.type, c.source, h('code', { class: 'secret-value' }, c.channel_key),
          c.enabled ? 'enabled' : 'disabled', time(c.created_at), toggle];
      }), { captionHidden: true }),
  });

  const name = h('input', { name: 'channel_name', autocomplete: 'off', required: true });
  const type = h('select', { name: 'channel_type' }, h('option', { value: 'shopfloor' }, 'shopfloor'), h('option', { value: 'erp' }, 'erp'));
  const source = h('select', { name: 'channel_source' },
    h('option', { value: 'manufacturer_v2_api' }, 'manufacturer_v2_api (may call the Manufacturer V2 API)'),
    h('option', { value: 'manual' }, 'manual'));
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create channel');
  const createErrors = h('div', { 'aria-live': 'assertive' });
  const created = h('div', {});
  const form = h('form', { class: 'form', 'aria-label': 'Create a channel' },
    field('Channel name', name).field, field('Type', type).field, field('Source', source).field, create, createErrors);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(create, 'Creating…', createErrors, async () => {
      const c = await api.post('/v1/tenant/channels', { name: name.value.trim(), type: type.value, source: source.value },
        { idempotencyKey: api.idempotencyKey() });
      created.replaceChildren(h('div', { class: 'notice', role: 'status' },
        `Channel “${c.name}” created. Its line sends x-channel-key: `, h('code', {}, c.channel_key)));
      form.reset();
      await list.reload();
    });
  });

  append(el, 
    errors,
    h('section', { 'aria-labelledby': 'ch-list' }, h('h2', { id: 'ch-list' }, 'Channels'), list.element),
    h('section', { 'aria-labelledby': 'ch-new' }, h('h2', { id: 'ch-new' }, 'New channel'), created, form));
  await list.reload();
}
