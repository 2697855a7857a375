import type { EpitraceClient } from '../../sdk/index.js';
import { formValues, h } from '../../shared/dom.js';
import { describeError } from '../../shared/format.js';
import type { Session } from '../session.js';

/** Registration, after the person has read what the app records and agreed to it. */
export function registrationScreen(client: EpitraceClient, onRegistered: (session: Session) => void): HTMLElement {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'register-heading' },
    h('h2', { id: 'register-heading' }, 'Join Epitrace'),
    h(
      'section',
      { class: 'consent', 'aria-labelledby': 'consent-heading' },
      h('h3', { id: 'consent-heading' }, 'What you agree to'),
      h(
        'ul',
        {},
        h(
          'li',
          {},
          "When you turn recording on, this phone notes where you stay (your location) and the venues you check in at. It sends them to the health department's Epitrace server.",
        ),
        h(
          'li',
          {},
          'If someone who was at the same place at the same time falls ill, you get a notification saying when, where and for how long, and what to do. It never says who it was.',
        ),
        h('li', {}, 'If you report symptoms, people who were near you are told, without your name.'),
        h(
          'li',
          {},
          'Health professionals working on a case you are part of can see your details; every such look is logged.',
        ),
        h(
          'li',
          {},
          'Places and times are deleted automatically after a few weeks (21 days unless the health department chose otherwise). You can see everything the server holds about you and erase it at any time under "My data".',
        ),
        h(
          'li',
          {},
          'Your name and contact details are optional. They are only used if a health professional needs to call you, and are stored encrypted.',
        ),
      ),
    ),
    h('label', { for: 'reg-name' }, 'Name (optional)'),
    h('input', { id: 'reg-name', name: 'name', maxlength: 255, autocomplete: 'name' }),
    h('label', { for: 'reg-contact' }, 'Phone or e-mail (optional)'),
    h('input', { id: 'reg-contact', name: 'contact_info', maxlength: 255, autocomplete: 'tel' }),
    h(
      'div',
      { class: 'checkbox' },
      h('input', { id: 'reg-consent', name: 'consent', type: 'checkbox', required: true }),
      h('label', { for: 'reg-consent' }, 'I have read the above and agree to it.'),
    ),
    h('button', { type: 'submit' }, 'Register'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(form);
    const body = {
      ...(values.name?.trim() ? { name: values.name.trim() } : {}),
      ...(values.contact_info?.trim() ? { contact_info: values.contact_info.trim() } : {}),
    };
    error.textContent = '';
    client
      .registerUser(body)
      .then((user) => onRegistered({ userId: user.id, token: user.token }))
      .catch((e: unknown) => (error.textContent = describeError(e)));
  });
  return form;
}
