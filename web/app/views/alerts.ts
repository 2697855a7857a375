import type { Notification } from '../../sdk/index.js';
import { h, replace } from '../../shared/dom.js';
import { describeError, formatDate, formatDateTime } from '../../shared/format.js';
import { getVenue, type Venue } from '../../shared/venues.js';
import type { Screen } from '../context.js';

const TIER_LABEL: Record<Notification['tier'], string> = { high: 'High risk', medium: 'Medium risk', low: 'Low risk' };

/** The person's exposure notifications, newest first, arriving live; each one acknowledged once read. */
export const alertsScreen: Screen = (main, context) => {
  // A venue exposure names the venue's code; the venue's name and address say more to the person.
  const venues = new Map<string, Promise<Venue | null>>();
  const venueLine = (code: string) => {
    const line = h('p', { class: 'venue-name' });
    if (!venues.has(code))
      venues.set(
        code,
        getVenue(context.client, code).catch(() => null),
      );
    void venues.get(code)!.then((venue) => {
      if (venue !== null) line.textContent = `Venue ${code}: ${venue.name}${venue.address ? `, ${venue.address}` : ''}`;
    });
    return line;
  };
  const list = h('ol', { class: 'notifications', id: 'notification-list', 'aria-live': 'polite' });
  const connection = h('p', { class: 'muted', id: 'stream-state' });
  const render = () => {
    connection.textContent =
      context.notifications.state === 'open'
        ? 'Connected: new notifications appear here at once.'
        : 'Reconnecting… notifications you missed will arrive when the connection is back.';
    const all = context.notifications.all;
    if (all.length === 0) {
      replace(
        list,
        h(
          'li',
          { class: 'empty' },
          'No exposure so far. If you were near someone who reports being ill, you will be told here.',
        ),
      );
      return;
    }
    replace(list, ...all.map((n) => card(n)));
  };
  const card = (n: Notification) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const ack =
      n.acked_at === null
        ? h('button', { type: 'button' }, 'I have read this')
        : h('p', { class: 'muted' }, `Read ${formatDateTime(n.acked_at)}`);
    ack.addEventListener('click', () => {
      if (n.acked_at !== null) return;
      context.notifications.acknowledge(n.id).catch((e: unknown) => (error.textContent = describeError(e)));
    });
    return h(
      'li',
      { class: `notification tier-${n.tier}`, 'data-notification-id': n.id },
      h(
        'article',
        { 'aria-labelledby': `n-${n.id}` },
        h('p', { class: `badge tier-${n.tier}` }, TIER_LABEL[n.tier]),
        h('h3', { id: `n-${n.id}` }, n.title),
        h('p', { class: 'when' }, `Exposure on ${formatDate(n.exposure_date)} · told ${formatDateTime(n.created_at)}`),
        n.details.contact_kind === 'venue' && n.details.place !== null ? venueLine(n.details.place) : null,
        h('p', { class: 'body' }, n.body),
        ack,
        error,
      ),
    );
  };
  replace(
    main,
    h(
      'section',
      { 'aria-labelledby': 'alerts-heading' },
      h('h2', { id: 'alerts-heading' }, 'Exposure notifications'),
      connection,
      list,
    ),
  );
  render();
  return context.notifications.onChange(render);
};
