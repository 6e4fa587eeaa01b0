// API keys: list with roles, create (the generated secret shown once), revoke, and the static
// token of a key (issue / replace, shown once; revoke).

import { h, append, field, table, time, newId } from '../../dom.js';
import * as api from '../../api.js';
import * as session from '../../session.js';
import { pagedList } from '../../ui/pager.js';
import { busy, errorBox } from '../../ui/status.js';
import { confirmDialog } from '../../ui/dialog.js';
import { secretPanel, reveal } from '../../ui/secret.js';

const ROLES = [
  ['admin', 'admin — dashboard: keys, channels, products, partnerships'],
  ['shopfloor', 'shopfloor — packaging lines (Manufacturer V2 API)'],
  ['release', 'release — review and release to market'],
  ['audit', 'audit — read the trail, lookups and reports'],
];

export async function render(el) {
  const shown = h('div', {});
  const errors = h('div', { 'aria-live': 'assertive' });
  const own = (session.current() || {}).apiKey;

  async function act(button, label, work) {
    await busy(button, label, errors, work);
  }

  const list = pagedList({
    noun: 'API keys',
    fetchPage: (after, limit) => api.get('/v1/tenant/api_keys', { after, limit }),
    render: (items) => table('API keys', ['Name', 'API key', 'Roles', 'Created', 'Static token', 'Status', 'Actions'],
      items.map((k) => {
        const actions = h('div', { class: 'actions' });
        if (!k.revoked) {
          const issue = h('button', { type: 'button', 'aria-label': k.has_static_token ? `Replace static token of ${k.name}` : `Issue static token for ${k.name}` }, k.has_static_token ? 'Replace static token' : 'Issue static token');
          issue.addEventListener('click', async () => {
            if (k.has_static_token && !(await confirmDialog('Replace the static token?',
              h('p', {}, `The current static token of “${k.name}” stops working at once.`), 'Replace token', { danger: true }))) return;
            await act(issue, 'Issuing…', async () => {
              const r = await api.post(`/v1/tenant/api_keys/${api.seg(k.id)}/static_token`, undefined);
              shown.replaceChildren(secretPanel(`Static token of “${k.name}”`, [['Static token', r.token]]));
              reveal(shown.firstChild);
              await list.refresh();
            });
          });
          actions.append(issue);
          if (k.has_static_token) {
            const revokeStatic = h('button', { type: 'button', 'aria-label': `Revoke static token of ${k.name}` }, 'Revoke static token');
            revokeStatic.addEventListener('click', async () => {
              if (!(await confirmDialog('Revoke the static token?', h('p', {}, `Machines using the static token of “${k.name}” are refused at once.`), 'Revoke token', { danger: true }))) return;
              await act(revokeStatic, 'Revoking…', async () => {
                await api.del(`/v1/tenant/api_keys/${api.seg(k.id)}/static_token`);
                await list.refresh();
              });
            });
            actions.append(revokeStatic);
          }
          const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke key ${k.name}` }, 'Revoke key');
          revoke.addEventListener('click', async () => {
            const mine = k.api_key === own;
            if (!(await confirmDialog(`Revoke key “${k.name}”?`, h('div', {},
              h('p', {}, 'Every token of this key, dynamic and static, stops working at once. This cannot be undone.'),
              mine ? h('p', { class: 'error' }, 'This is the key you are signed in with: you will be signed out.') : null), 'Revoke key', { danger: true }))) return;
            await act(revoke, 'Revoking…', async () => {
              await api.del(`/v1/tenant/api_keys/${api.seg(k.id)}`);
              await list.refresh();
            });
          });
          actions.append(revoke);
        }
        return [k.name, h('code', {}, k.api_key), k.roles.join(', '), time(k.created_at),
          k.has_static_token ? 'yes' : 'no', k.revoked ? 'revoked' : 'active', actions];
      }), { captionHidden: true }),
  });

  // --- create ------------------------------------------------------------------------------
  const name = h('input', { name: 'key_name', autocomplete: 'off', required: true, maxlength: '200' });
  const secret = h('input', { name: 'key_secret', type: 'password', autocomplete: 'new-password', minlength: '12' });
  const boxes = ROLES.map(([role, label]) => {
    const id = newId('role');
    const box = h('input', { type: 'checkbox', id, name: 'roles', value: role });
    return { role, box, el: h('div', { class: 'check' }, box, h('label', { for: id }, label)) };
  });
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create key');
  const createErrors = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { class: 'form', 'aria-label': 'Create an API key' },
    field('Name', name, 'What or who uses it, e.g. "line 1 PLC" or "QA release".').field,
    h('fieldset', {}, h('legend', {}, 'Roles'), boxes.map((b) => b.el)),
    field('API secret (optional)', secret, 'At least 12 characters. Leave empty to have a strong one generated and shown once.').field,
    create, createErrors);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(create, 'Creating…', createErrors, async () => {
      const body = { name: name.value.trim(), roles: boxes.filter((b) => b.box.checked).map((b) => b.role) };
      if (secret.value) body.api_secret = secret.value;
      // No Idempotency-Key: a replayed answer would lack the generated secret.
      const k = await api.post('/v1/tenant/api_keys', body);
      const pairs = [['API key', k.api_key]];
      if (k.api_secret) pairs.push(['API secret', k.api_secret]);
      shown.replaceChildren(k.api_secret
        ? secretPanel(`New key “${k.name}”`, pairs)
        : h('div', { class: 'notice', role: 'status' }, `Key “${k.name}” created: API key `, h('code', {}, k.api_key), ', with the secret you chose.'));
      reveal(shown.firstChild);
      form.reset();
      await list.reload();
    });
  });

  append(el, 
    shown,
    errors,
    h('section', { 'aria-labelledby': 'k-list' }, h('h2', { id: 'k-list' }, 'Keys'), list.element),
    h('section', { 'aria-labelledby': 'k-new' }, h('h2', { id: 'k-new' }, 'New key'), form));
  await list.reload();
}
