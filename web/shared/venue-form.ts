import type { CreateVenueBody } from '../../src/contracts/venues.js';
import type { EpitraceClient } from '../sdk/index.js';
import { formValues, h, parseSvg, replace } from './dom.js';
import { describeError, formatDate } from './format.js';
import { existingVenueOf, groupedVenueCode, registerVenue, type Venue } from './venues.js';

/**
 * The venue registration form and, once registered, the printable poster with its QR code. Registering a venue
 * with the same name and address as one the person already registered warns and offers that one (its QR code), or
 * a second one if that is really what they want.
 */
export function venueRegistration(client: () => EpitraceClient, headingLevel: 'h2' | 'h3' = 'h2'): HTMLElement {
  const result = h('div', { 'aria-live': 'polite', id: 'venue-result' });
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
  const send = (body: CreateVenueBody) => {
    error.textContent = '';
    replace(result);
    registerVenue(client(), body)
      .then((venue) => {
        replace(result, venuePoster(venue, headingLevel));
        form.reset();
      })
      .catch((e: unknown) => {
        const existing = existingVenueOf(e);
        if (existing === null) error.textContent = describeError(e);
        else replace(result, duplicateNotice(existing, body));
      });
  };
  const duplicateNotice = (existing: Venue, body: CreateVenueBody) => {
    const show = h('button', { type: 'button' }, 'Show its QR code');
    show.addEventListener('click', () => {
      replace(result, venuePoster(existing, headingLevel));
      form.reset();
      result.querySelector<HTMLElement>('.poster')?.focus();
    });
    const another = h('button', { type: 'button', class: 'secondary' }, 'Register a second one');
    another.addEventListener('click', () => send({ ...body, allow_duplicate: true }));
    const place = existing.address ? `"${existing.name}", ${existing.address}` : `"${existing.name}"`;
    return h(
      'div',
      { class: 'notice', id: 'venue-duplicate' },
      h('p', {}, h('strong', {}, 'You already registered this venue.')),
      h(
        'p',
        {},
        `${place} has the code ${groupedVenueCode(existing.id)} since ${formatDate(existing.created_at.slice(0, 10))}. ` +
          'Visitors who scan its poster are checked in there. Use the same poster, or register a second venue only if it is really another place.',
      ),
      h('div', { class: 'actions' }, show, another),
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { name = '', address = '' } = formValues(form);
    send({ name, ...(address.trim() ? { address } : {}) });
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
    { class: 'poster', 'data-venue-code': venue.id, tabindex: -1, 'aria-label': `Poster of ${venue.name}` },
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
