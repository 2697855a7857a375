import type { Notification } from '../../sdk/index.js';
import { h, replace } from '../../shared/dom.js';
import { describeError, formatDate, formatDateTime } from '../../shared/format.js';
import { getVenue, type Venue } from '../../shared/venues.js';
import type { Screen } from '../context.js';

const TIER_LABEL: Record<Notification['tier'], string> = { high: 'High risk', medium: 'Medium risk', low: 'Low risk' };
const tierWords = (tier: Notification['tier']) => TIER_LABEL[tier].toLowerCase();

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
          'No exposure so far. If you were near someone who reports being ill, you will be told here, and told again if it changes.',
        ),
      );
      return;
    }
    // An exposure a later update changed says so, pointing to the update.
    const updates = new Map<string, Notification>();
    for (const n of all) if (n.kind === 'update' && !updates.has(n.exposure_date)) updates.set(n.exposure_date, n);
    replace(list, ...all.map((n) => (n.kind === 'update' ? updateCard(n) : card(n, updates.get(n.exposure_date)))));
  };
  const ackControl = (n: Notification, error: HTMLElement) => {
    const ack =
      n.acked_at === null
        ? h('button', { type: 'button' }, 'I have read this')
        : h('p', { class: 'muted' }, `Read ${formatDateTime(n.acked_at)}`);
    ack.addEventListener('click', () => {
      if (n.acked_at !== null) return;
      context.notifications.acknowledge(n.id).catch((e: unknown) => (error.textContent = describeError(e)));
    });
    return ack;
  };
  const updateCard = (n: Notification) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const before = n.update?.previous_tier;
    return h(
      'li',
      { class: `notification update tier-${n.tier}`, 'data-notification-id': n.id, 'data-kind': 'update' },
      h(
        'article',
        { 'aria-labelledby': `n-${n.id}` },
        h('p', { class: 'badge' }, 'Update'),
        h('h3', { id: `n-${n.id}` }, n.title),
        h(
          'p',
          { class: 'when' },
          `About your exposure on ${formatDate(n.exposure_date)} · told ${formatDateTime(n.created_at)}`,
        ),
        h(
          'p',
          { class: 'new-tier' },
          // What changed, in a line (the server's text below says why, and what to do now).
          before === undefined
            ? `Your risk for that day is now ${tierWords(n.tier)}.`
            : `Your risk for that day was ${tierWords(before)}; it is now ${tierWords(n.tier)}.`,
        ),
        h('p', { class: 'body' }, n.body),
        ackControl(n, error),
        error,
      ),
    );
  };
  const card = (n: Notification, update: Notification | undefined) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const changed =
      update !== undefined && update.seq > n.seq
        ? h(
            'p',
            { class: 'update-note' },
            `This has changed since: see the update of ${formatDateTime(update.created_at)}. Your risk for that day is now ${tierWords(update.tier)}.`,
          )
        : null;
    return h(
      'li',
      { class: `notification tier-${n.tier}`, 'data-notification-id': n.id, 'data-kind': 'exposure' },
      h(
        'article',
        { 'aria-labelledby': `n-${n.id}` },
        h('p', { class: `badge tier-${n.tier}` }, TIER_LABEL[n.tier]),
        h('h3', { id: `n-${n.id}` }, n.title),
        h('p', { class: 'when' }, `Exposure on ${formatDate(n.exposure_date)} · told ${formatDateTime(n.created_at)}`),
        changed,
        n.details.contact_kind === 'venue' && n.details.place !== null ? venueLine(n.details.place) : null,
        h('p', { class: 'body' }, n.body),
        ackControl(n, error),
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
