import type { EpitraceClient } from '../sdk/index.js';
import { formValues, h, parseSvg, replace } from './dom.js';
import { describeError } from './format.js';
import { groupedVenueCode, registerVenue, type Venue } from './venues.js';

/** The venue registration form and, once registered, the printable poster with its QR code. */
export function venueRegistration(client: () => EpitraceClient, headingLevel: 'h2' | 'h3' = 'h2'): HTMLElement {
  const result = h('div', { 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Register a venue' },
    h('label', { for: 'venue-name' }, 'Venue name'),
    h('input', { id: 'venue-name', name: 'name', required: true, maxlength: 120, autocomplete: 'organization' }),
    h('label', { for: 'venue-address' }, 'Address (optional)'),
    h('input', { id: 'venue-address', name: 'address', maxlength: 255, autocomplete: 'street-address' }),
    h('button', { type: 'submit' }, 'Register venue'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { name = '', address = '' } = formValues(form);
    error.textContent = '';
    registerVenue(client(), { name, ...(address.trim() ? { address } : {}) })
      .then((venue) => {
        replace(result, venuePoster(venue, headingLevel));
        form.reset();
      })
      .catch((e: unknown) => (error.textContent = describeError(e)));
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'venue-heading' },
    h(headingLevel, { id: 'venue-heading' }, 'Register a venue'),
    h(
      'p',
      {},
      'Venue owners print the QR code and put it up at the entrance. Visitors scan it with the Epitrace app to check in, so they can be told if someone who was there at the same time falls ill.',
    ),
    form,
    result,
  );
}

export function venuePoster(venue: Venue, headingLevel: 'h2' | 'h3' = 'h2'): HTMLElement {
  const qr = parseSvg(venue.qr_svg);
  qr.setAttribute('role', 'img');
  qr.setAttribute('aria-label', `QR code of venue code ${groupedVenueCode(venue.id)}`);
  qr.classList.add('qr');
  return h(
    'article',
    { class: 'poster', 'data-venue-code': venue.id },
    h(headingLevel === 'h2' ? 'h3' : 'h4', {}, venue.name),
    venue.address ? h('p', {}, venue.address) : null,
    qr,
    h(
      'p',
      {},
      'Check in with the Epitrace app: scan this code, or type ',
      h('strong', { class: 'venue-code' }, groupedVenueCode(venue.id)),
      '.',
    ),
    h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, 'Print poster'),
  );
}
