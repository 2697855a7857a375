import { h, replace } from '../../shared/dom.js';
import { formatTime } from '../../shared/format.js';
import { groupedVenueCode } from '../../shared/venues.js';
import type { Screen } from '../context.js';
import { checkinObservation, loadActiveCheckin, saveActiveCheckin } from '../checkins.js';
import type { OutboxState } from '../outbox.js';
import type { RecorderStatus } from '../recorder.js';

/** Recording on or off, what is waiting to upload, and the check-in going on. */
export const homeScreen: Screen = (main, context) => {
  const recorderText = h('p', { id: 'recorder-status', role: 'status' });
  const toggle = h('button', { type: 'button', id: 'recording-toggle' });
  const queueText = h('p', { id: 'upload-status', role: 'status' });
  const checkinCard = h('section', { class: 'card', 'aria-labelledby': 'current-checkin-heading' });

  const showRecorder = (status: RecorderStatus) => {
    toggle.textContent = context.recorder.active ? 'Stop recording' : 'Start recording';
    toggle.setAttribute('aria-pressed', String(context.recorder.active));
    recorderText.textContent =
      status.state === 'off'
        ? 'Recording is off.'
        : status.state === 'waiting'
          ? 'Waiting for your position…'
          : status.state === 'recording'
            ? `Recording. You have been here since ${formatTime(status.since)}.`
            : status.message;
  };
  const showQueue = (state: OutboxState) => {
    queueText.dataset.pending = String(state.pending);
    queueText.textContent =
      state.pending === 0
        ? `Everything is uploaded${state.lastUploadAt ? ` (last upload ${formatTime(state.lastUploadAt)})` : ''}.`
        : `${state.pending} ${state.pending === 1 ? 'record is' : 'records are'} waiting to upload${state.lastError ? ` — ${state.lastError}` : ''}.`;
    if (state.refused > 0) queueText.textContent += ` ${state.refused} could not be accepted by the server.`;
  };
  const showCheckin = () => {
    const active = loadActiveCheckin();
    if (active === null) {
      replace(
        checkinCard,
        h('h2', { id: 'current-checkin-heading' }, 'Check-in'),
        h('p', {}, 'You are not checked in anywhere.'),
        h('a', { href: '#checkin', class: 'action-link' }, 'Check in at a venue'),
      );
      return;
    }
    const checkOut = h('button', { type: 'button' }, 'Check out now');
    checkOut.addEventListener('click', () => {
      saveActiveCheckin(null);
      void context.outbox.add(
        checkinObservation(active.venueId, active.startedAt, Math.min(Date.now(), active.plannedEndAt)),
      );
      context.announce('Checked out.');
      showCheckin();
    });
    replace(
      checkinCard,
      h('h2', { id: 'current-checkin-heading' }, 'Check-in'),
      h(
        'p',
        {},
        `You are checked in at ${active.venueName ?? groupedVenueCode(active.venueId)} since ${formatTime(active.startedAt)}, until ${formatTime(active.plannedEndAt)} at the latest.`,
      ),
      checkOut,
    );
  };

  toggle.addEventListener('click', () => {
    if (context.recorder.active) void context.recorder.stop();
    else context.recorder.start();
  });
  replace(
    main,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'recording-heading' },
      h('h2', { id: 'recording-heading' }, 'Location recording'),
      h(
        'p',
        {},
        'While recording is on, the app notes where you stay so you can be told if you were near someone who falls ill.',
      ),
      recorderText,
      toggle,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'upload-heading' },
      h('h2', { id: 'upload-heading' }, 'Uploads'),
      queueText,
    ),
    checkinCard,
  );
  showCheckin();
  const stopRecorder = context.recorder.onChange(showRecorder);
  const stopQueue = context.outbox.onChange(showQueue);
  return () => {
    stopRecorder();
    stopQueue();
  };
};
