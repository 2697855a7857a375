import type { EpitraceClient } from '../sdk/index.js';
import { formValues, h } from '../shared/dom.js';
import { describeError } from '../shared/format.js';
import type { StaffSession } from './context.js';

/** Staff sign in with their username and password (POST /auth/login). */
export function loginForm(client: EpitraceClient, onSignedIn: (session: StaffSession) => void): HTMLElement {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'stack card', 'aria-labelledby': 'login-heading', style: 'max-width: 420px; margin: 2rem auto;' },
    h('h2', { id: 'login-heading' }, 'Staff sign-in'),
    h('p', {}, 'For health professionals, laboratories, public-health authorities and administrators.'),
    h('label', { for: 'login-username' }, 'Username'),
    h('input', { id: 'login-username', name: 'username', required: true, autocomplete: 'username' }),
    h('label', { for: 'login-password' }, 'Password'),
    h('input', {
      id: 'login-password',
      name: 'password',
      type: 'password',
      required: true,
      autocomplete: 'current-password',
    }),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { username = '', password = '' } = formValues(form);
    error.textContent = '';
    client
      .login(username, password)
      .then((login) =>
        onSignedIn({ token: login.token, role: login.role, username, expiresAt: Date.now() + login.expires_in * 1000 }),
      )
      .catch((e: unknown) => (error.textContent = describeError(e)));
  });
  return form;
}
