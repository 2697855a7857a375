import type { Interaction } from '../../../src/contracts/interactions.js';
import { h, replace } from '../../shared/dom.js';
import { describeError, formatDateTime } from '../../shared/format.js';
import type { Screen } from '../context.js';

/** Everything the server holds about the person (account, observations, notifications), and erasing it. */
export const myDataScreen: Screen = (main, context) => {
  const account = h('dl', { id: 'my-account' });
  const observations = h('ul', { id: 'my-interactions', class: 'plain' });
  const notifications = h('p', { id: 'my-notifications' });
  const status = h('p', { role: 'status' });

  const load = async () => {
    status.textContent = 'Loading…';
    try {
      const [user, page] = await Promise.all([
        context.client.getUser(context.session.userId),
        context.client.listInteractions(context.session.userId, { limit: 200 }),
      ]);
      replace(
        account,
        h('dt', {}, 'Account id'),
        h('dd', {}, user.id),
        h('dt', {}, 'Name'),
        h('dd', {}, user.name ?? '(not given)'),
        h('dt', {}, 'Contact'),
        h('dd', {}, user.contact_info ?? '(not given)'),
        h('dt', {}, 'Registered'),
        h('dd', {}, formatDateTime(user.created_at)),
      );
      replace(
        observations,
        ...(page.interactions.length === 0 ? [h('li', {}, 'Nothing recorded yet.')] : page.interactions.map(describe)),
      );
      if (page.next_cursor !== null)
        observations.append(h('li', {}, 'and older records (only the latest 200 are shown).'));
      notifications.textContent = `${context.notifications.all.length} exposure notification(s), shown under Alerts.`;
      status.textContent = '';
    } catch (e) {
      status.textContent = describeError(e);
    }
  };

  const confirmArea = h('div', {});
  const erase = h('button', { type: 'button', class: 'danger' }, 'Erase my data');
  erase.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'danger' }, 'Yes, erase everything');
    const no = h('button', { type: 'button' }, 'Cancel');
    no.addEventListener('click', () => replace(confirmArea));
    yes.addEventListener('click', () => {
      context.client
        .deleteUser(context.session.userId)
        .then(() => context.forget())
        .catch((e: unknown) => (status.textContent = describeError(e)));
    });
    replace(
      confirmArea,
      h(
        'p',
        { role: 'alert' },
        'This deletes your account, everything recorded and your notifications, on the server and on this phone. It cannot be undone.',
      ),
      yes,
      no,
    );
    yes.focus();
  });

  replace(
    main,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'data-heading' },
      h('h2', { id: 'data-heading' }, 'My data'),
      h('p', {}, 'This is everything the Epitrace server holds about you.'),
      status,
      h('h3', {}, 'Account'),
      account,
      h('h3', {}, 'Places, check-ins and encounters'),
      observations,
      h('h3', {}, 'Notifications'),
      notifications,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'erase-heading' },
      h('h2', { id: 'erase-heading' }, 'Erase my data'),
      h('p', {}, 'You can delete everything at any time. You will no longer be told about exposures.'),
      erase,
      confirmArea,
    ),
  );
  void load();
};

function describe(interaction: Interaction): HTMLElement {
  const when = `${formatDateTime(interaction.started_at)} – ${formatDateTime(interaction.ended_at)}`;
  const what =
    interaction.kind === 'location'
      ? `Place ${interaction.lat?.toFixed(5)}, ${interaction.lng?.toFixed(5)}`
      : interaction.kind === 'checkin'
        ? `Check-in at venue ${interaction.venue_id}`
        : 'Bluetooth encounter';
  return h('li', { 'data-kind': interaction.kind }, h('strong', {}, what), h('br'), when);
}
