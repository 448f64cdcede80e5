import { apiRequest, ApiProblem, session } from '../api-client.ts';
import { errorBox, h, showPage } from '../dom.ts';

export function showSignIn(): void {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
    placeholder: 'rr_test_…',
  });
  const message = h('div', { 'aria-live': 'assertive' });
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'sign-in-heading' },
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { class: 'hint' }, 'Kept only in this tab: closing it signs you out.'),
    message,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    message.replaceChildren();
    try {
      // Any authenticated read proves the key; the team's keys are a cheap one.
      await apiRequest('GET', '/v1/api_keys', undefined, key);
      session.signIn(key);
      location.hash = '#/runs';
    } catch (error) {
      message.append(errorBox(error instanceof ApiProblem ? error.message : 'The API could not be reached.'));
      input.focus();
    }
  });
  showPage(h('h1', { id: 'sign-in-heading' }, 'Sign in'), form);
}
