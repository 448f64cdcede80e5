import type { ApiKeyList, ApiKeyResource, CreatedApiKeyResource } from '@reportrun/core';
import { apiRequest, ApiProblem, session } from '../api-client.ts';
import { errorBox, h, showPage, statusRegion } from '../dom.ts';
import { formatTime } from '../format.ts';

/** The key this tab signed in with, recognised by the redacted form the API shows of every key. */
const isSessionKey = (key: ApiKeyResource) => {
  const secret = session.key() ?? '';
  return key.redacted === `${secret.slice(0, 12)}…${secret.slice(-4)}`;
};

/** The team's keys: create one (its secret shown once, here), revoke others. */
export async function showApiKeys(notice?: HTMLElement): Promise<void> {
  let keys: ApiKeyList;
  try {
    keys = await apiRequest<ApiKeyList>('GET', '/v1/api_keys');
  } catch (error) {
    showPage(h('h1', {}, 'API keys'), errorBox(error instanceof ApiProblem ? error.message : 'The keys could not be read.'));
    return;
  }
  const message = statusRegion();
  const name = h('input', { id: 'key-name', name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const form = h('form', { class: 'card inline-form', 'aria-labelledby': 'create-key-heading' },
    h('h2', { id: 'create-key-heading' }, 'Create a key'),
    h('div', { class: 'field' }, h('label', { for: 'key-name' }, 'Name'), name),
    h('button', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const created = await apiRequest<CreatedApiKeyResource>('POST', '/v1/api_keys', { name: name.value });
      await showApiKeys(
        h('section', { class: 'card secret', role: 'alert', 'aria-labelledby': 'secret-heading' },
          h('h2', { id: 'secret-heading' }, `Key “${created.name}” created`),
          h('p', {}, 'Copy it now: it is not shown again.'),
          h('label', { for: 'new-secret' }, 'Secret'),
          h('input', { id: 'new-secret', readonly: true, value: created.secret, onfocus: (focus) => (focus.target as HTMLInputElement).select() })),
      );
    } catch (error) {
      message.textContent = error instanceof ApiProblem ? error.message : 'The key could not be created.';
    }
  });

  const revoke = async (key: ApiKeyResource, button: HTMLButtonElement) => {
    if (!confirm(`Revoke the key “${key.name}”? Programs using it stop working at once.`)) return;
    button.disabled = true;
    try {
      await apiRequest('DELETE', `/v1/api_keys/${encodeURIComponent(key.id)}`);
      await showApiKeys(h('p', { role: 'status', class: 'notice' }, `The key “${key.name}” was revoked.`));
    } catch (error) {
      message.textContent = error instanceof ApiProblem ? error.message : 'The key could not be revoked.';
      button.disabled = false;
    }
  };

  showPage(
    h('h1', {}, 'API keys'),
    notice,
    message,
    h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, "The team's API keys"),
      h('thead', {}, h('tr', {}, ['Name', 'Key', 'Mode', 'Created', 'Last used', 'Actions'].map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, keys.data.map((key) => {
        const mine = isSessionKey(key);
        const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${key.name}`, ...(mine ? { disabled: true, title: 'You are signed in with this key' } : {}) }, 'Revoke');
        button.addEventListener('click', () => void revoke(key, button));
        return h('tr', {},
          h('td', { 'data-label': 'Name' }, key.name, mine ? h('span', { class: 'hint' }, ' (this session)') : null),
          h('td', { 'data-label': 'Key' }, h('code', {}, key.redacted)),
          h('td', { 'data-label': 'Mode' }, key.livemode ? 'live' : 'test'),
          h('td', { 'data-label': 'Created' }, formatTime(key.created)),
          h('td', { 'data-label': 'Last used' }, formatTime(key.last_used_at)),
          h('td', { 'data-label': 'Actions' }, button));
      }))),
    form,
  );
  if (notice?.querySelector('#new-secret')) notice.querySelector<HTMLInputElement>('#new-secret')!.focus();
}
