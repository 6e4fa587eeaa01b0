// Sign-in with an API key and secret (POST /v1/api_auth). The answer carries the token, its
// lifetime, the key's roles and its tenant; the console keeps them for this tab only.

import { h, append, field } from '../dom.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { home } from './index.js';
import { busy } from '../ui/status.js';

export async function render(main, route) {
  const message = session.signInNotice();
  const key = h('input', { name: 'api_key', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { name: 'api_secret', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const errors = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { class: 'signin', novalidate: true },
    field('API key', key).field,
    field('API secret', secret).field,
    submit,
    errors);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!key.value.trim() || !secret.value) {
      errors.replaceChildren(h('div', { class: 'error', role: 'alert' }, 'Enter the API key and its secret.'));
      return;
    }
    await busy(submit, 'Signing in…', errors, async () => {
      const auth = await api.call('POST', '/v1/api_auth', {
        anonymous: true,
        body: { api_key: key.value.trim(), api_secret: secret.value },
      });
      secret.value = '';
      const s = session.start(auth, key.value.trim());
      route.navigate(route.takeReturnTo() || home(s.roles));
    });
  });
  append(main, 
    h('div', { class: 'signin-wrap' },
      h('h1', {}, 'Sign in to serialhub'),
      message ? h('div', { class: 'notice', role: 'alert', id: 'signin-notice' }, message) : null,
      h('p', {}, 'Sign in with an API key and its secret. Your administrator creates keys in the dashboard; ',
        h('code', {}, 'serialhub tenant create'), ' prints the first one.'),
      form,
      h('p', { class: 'hint' }, 'The token is kept in this browser tab only and is forgotten when you sign out or close the tab.')));
  key.focus();
}
