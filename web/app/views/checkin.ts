import { EpitraceApiError } from '../../sdk/index.js';
import { h, replace } from '../../shared/dom.js';
import { describeError, formatTime } from '../../shared/format.js';
import { getVenue, groupedVenueCode, normaliseVenueCode } from '../../shared/venues.js';
import { checkinObservation, saveActiveCheckin } from '../checkins.js';
import type { Screen } from '../context.js';
import { CameraScanner, decodeQrPhoto } from '../qr-scan.js';

const MINUTE = 60_000;

/**
 * Check in at a venue: scan its QR code with the camera or from a photo, or type its code; then say when you
 * arrived and how long you stay. A stay already over is recorded at once; one going on when you leave.
 */
export const checkinScreen: Screen = (main, context) => {
  let scanner: CameraScanner | null = null;
  const message = h('p', { role: 'status', id: 'checkin-message' });
  const confirmArea = h('div', { 'aria-live': 'polite' });
  const video = h('video', {
    class: 'scanner',
    muted: true,
    playsinline: true,
    hidden: true,
    'aria-label': 'Camera view',
  });

  const chooseVenue = async (raw: string) => {
    const code = normaliseVenueCode(raw);
    if (code === null) {
      message.textContent = `"${raw}" is not a venue code. A code has 10 letters and digits, like 7K3Q-X9M2-PA.`;
      return;
    }
    message.textContent = 'Looking the venue up…';
    let name: string | null = null;
    try {
      name = (await getVenue(context.client, code)).name;
    } catch (error) {
      if (error instanceof EpitraceApiError && error.status === 404) {
        message.textContent = `No venue has the code ${groupedVenueCode(code)}. Check the code on the poster.`;
        return;
      }
      if (error instanceof EpitraceApiError) {
        message.textContent = describeError(error);
        return;
      }
      // Offline: check in by code; the server knows the venue when the check-in is uploaded.
    }
    message.textContent = '';
    replace(confirmArea, confirmForm(code, name));
  };

  const confirmForm = (code: string, name: string | null) => {
    const arrived = h(
      'select',
      { id: 'checkin-arrived', name: 'arrived' },
      ...[0, 15, 30, 60, 120].map((m) =>
        h(
          'option',
          { value: m },
          m === 0 ? 'Just now' : m < 60 ? `${m} minutes ago` : `${m / 60} hour${m > 60 ? 's' : ''} ago`,
        ),
      ),
    );
    const stay = h(
      'select',
      { id: 'checkin-duration', name: 'duration' },
      ...[15, 30, 60, 120, 240].map((m) =>
        h('option', { value: m, selected: m === 60 }, m < 60 ? `${m} minutes` : `${m / 60} hour${m > 60 ? 's' : ''}`),
      ),
    );
    const form = h(
      'form',
      { class: 'stack card', 'aria-labelledby': 'confirm-heading' },
      h('h2', { id: 'confirm-heading' }, `Check in at ${name ?? groupedVenueCode(code)}`),
      name === null
        ? h(
            'p',
            {},
            'The venue could not be looked up (no connection). The check-in is kept on this phone until it can be uploaded.',
          )
        : null,
      h('label', { for: 'checkin-arrived' }, 'When did you arrive?'),
      arrived,
      h('label', { for: 'checkin-duration' }, 'How long do you stay?'),
      stay,
      h('button', { type: 'submit' }, 'Check in'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const startedAt = Date.now() - Number(arrived.value) * MINUTE;
      const plannedEndAt = startedAt + Number(stay.value) * MINUTE;
      const label = name ?? groupedVenueCode(code);
      if (plannedEndAt <= Date.now()) {
        void context.outbox.add(checkinObservation(code, startedAt, plannedEndAt));
        message.textContent = `Recorded your visit to ${label}, ${formatTime(startedAt)} to ${formatTime(plannedEndAt)}.`;
      } else {
        saveActiveCheckin({ venueId: code, venueName: name, startedAt, plannedEndAt });
        message.textContent = `You are checked in at ${label} until ${formatTime(plannedEndAt)}. Check out on the Home screen when you leave.`;
      }
      context.announce(message.textContent);
      replace(confirmArea);
    });
    return form;
  };

  const scanButton = h('button', { type: 'button', hidden: !CameraScanner.available() }, 'Scan with the camera');
  scanButton.addEventListener('click', () => {
    scanner?.stop();
    const current = new CameraScanner(video);
    scanner = current;
    video.hidden = false;
    message.textContent = "Point the camera at the venue's QR code.";
    current
      .scan()
      .then(async (code) => {
        if (code !== null) await chooseVenue(code);
      })
      .catch(
        (e: unknown) =>
          (message.textContent = `The camera could not be used: ${describeError(e)}. Scan from a photo or type the code instead.`),
      )
      .finally(() => (video.hidden = true));
  });
  const photo = h('input', { id: 'checkin-photo', type: 'file', accept: 'image/*', capture: 'environment' });
  photo.addEventListener('change', () => {
    const file = photo.files?.[0];
    if (!file) return;
    decodeQrPhoto(file)
      .then(async (code) => {
        if (code === null)
          message.textContent = 'No QR code was found in that picture. Try again closer, or type the code.';
        else await chooseVenue(code);
      })
      .catch((e: unknown) => (message.textContent = describeError(e)))
      .finally(() => (photo.value = ''));
  });
  const codeInput = h('input', {
    id: 'checkin-code',
    name: 'code',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: false,
    maxlength: 14,
    placeholder: '7K3Q-X9M2-PA',
  });
  const typed = h(
    'form',
    { class: 'stack', 'aria-label': 'Type a venue code' },
    h('label', { for: 'checkin-code' }, 'Venue code'),
    codeInput,
    h('button', { type: 'submit' }, 'Find venue'),
  );
  typed.addEventListener('submit', (event) => {
    event.preventDefault();
    void chooseVenue(codeInput.value);
  });

  replace(
    main,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'checkin-heading' },
      h('h2', { id: 'checkin-heading' }, 'Check in at a venue'),
      h('p', {}, 'Scan the QR code at the entrance, or type the code printed under it.'),
      scanButton,
      video,
      h('label', { for: 'checkin-photo' }, 'Scan from a photo'),
      photo,
      typed,
      message,
    ),
    confirmArea,
  );
  return () => scanner?.stop();
};
