import type { EpitraceClient } from '../sdk/index.js';
import { formValues, h } from '../shared/dom.js';
import { describeError } from '../shared/format.js';
import type { StaffSession } from './context.js';
import { sessionFrom } from './session-keeper.js';

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
      .then((login) => onSignedIn(sessionFrom(login, username, Date.now())))
      .catch((e: unknown) => (error.textContent = describeError(e)));
  });
  return form;
}

/**
 * The session has ended while the person was working: a dialog over the page asks them to sign in again as the same
 * person. The page underneath is left as it is (what they typed stays), and the request that found the session ended
 * goes through once they have signed in. Resolves with the new session, or null when they choose to sign out.
 */
export function signInAgain(client: EpitraceClient, ended: StaffSession, reason: string): Promise<StaffSession | null> {
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const signOut = h(
      'button',
      { type: 'button', class: 'link', style: 'min-height: 44px; color: var(--blue)' },
      'Sign out instead',
    );
    const form = h(
      'form',
      { class: 'stack', method: 'dialog' },
      h('label', { for: 'again-username' }, 'Username'),
      h('input', {
        id: 'again-username',
        name: 'username',
        value: ended.username,
        readonly: true,
        autocomplete: 'username',
      }),
      h('label', { for: 'again-password' }, 'Password'),
      h('input', {
        id: 'again-password',
        name: 'password',
        type: 'password',
        required: true,
        autocomplete: 'current-password',
      }),
      h('button', { type: 'submit' }, 'Sign in and continue'),
      signOut,
      error,
    );
    const dialog = h(
      'dialog',
      {
        class: 'card',
        'aria-labelledby': 'again-heading',
        'aria-describedby': 'again-why',
        // Centred over the page (a card's bottom margin would pull it up), scrolling inside on a short screen.
        style: 'margin: auto; width: min(420px, calc(100vw - 2rem)); max-height: calc(100dvh - 2rem); overflow: auto;',
      },
      h(
        'div',
        { class: 'stack' },
        h('h2', { id: 'again-heading' }, 'Sign in to continue'),
        h(
          'p',
          { id: 'again-why' },
          'Your session has ended (',
          reason.replace(/: please sign in again$/, ''),
          '). Sign in again and carry on: what you typed is still on the page.',
        ),
        form,
      ),
    );
    const finish = (session: StaffSession | null) => {
      dialog.close();
      dialog.remove();
      resolve(session);
    };
    // Escape would close the dialog and leave the request waiting: the person signs in or signs out.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    signOut.addEventListener('click', () => finish(null));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const { password = '' } = formValues(form);
      error.textContent = '';
      client
        .login(ended.username, password)
        .then((login) => {
          if (login.staff_id !== ended.staffId) throw new Error(`Sign in as ${ended.username} to continue.`);
          finish(sessionFrom(login, ended.username, Date.now()));
        })
        .catch((e: unknown) => (error.textContent = describeError(e)));
    });
    document.body.append(dialog);
    dialog.showModal();
    (form.elements.namedItem('password') as HTMLInputElement).focus();
  });
}
