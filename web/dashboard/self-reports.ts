import type { Case, RevokeReason } from '../sdk/index.js';
import { h, replace } from '../shared/dom.js';
import { formatDate, formatDateTime, shortId } from '../shared/format.js';
import type { DashboardContext } from './context.js';

/**
 * "Self-reports not yet confirmed": open self-reported cases (those held until confirmed, too) that no
 * professional manages yet, and the professional's own. Each can be taken on (the confirm form, filled in with the
 * person's account id) or revoked.
 */
export function selfReportsCard(
  context: DashboardContext,
  takeOn: (c: Case) => void,
): { element: HTMLElement; reload: () => Promise<void> } {
  const body = h('tbody', { id: 'self-reports-body' });
  const message = h('p', { role: 'status', id: 'self-reports-message' });

  const reload = async () => {
    try {
      const [reported, held] = await Promise.all([
        context.client.listCases({ status: 'self_reported', limit: 200 }),
        context.client.listCases({ status: 'held', limit: 200 }),
      ]);
      const all = [...reported.cases, ...held.cases].sort((a, b) => b.created_at.localeCompare(a.created_at));
      replace(
        body,
        ...(all.length === 0 ? [h('tr', {}, h('td', { colspan: 5 }, 'No self-reports waiting.'))] : all.map(row)),
      );
    } catch (e) {
      replace(body, h('tr', {}, h('td', { colspan: 5 }, context.failed(e))));
    }
  };

  const row = (c: Case): HTMLTableRowElement => {
    const actions = h('td', {});
    const showButtons = () => {
      const take = h('button', { type: 'button' }, 'Take on and confirm');
      take.addEventListener('click', () => takeOn(c));
      const revoke = h('button', { type: 'button', class: 'secondary' }, 'Revoke…');
      revoke.addEventListener('click', () => showRevoke());
      replace(actions, h('div', { class: 'actions' }, take, revoke));
    };
    const showRevoke = () => {
      const id = `revoke-reason-${c.id}`;
      const reason = h(
        'select',
        { id, name: 'reason' },
        h('option', { value: 'negative_test' }, 'Tested negative'),
        h('option', { value: 'entered_in_error' }, 'Entered in error'),
      );
      const confirm = h('button', { type: 'submit', class: 'danger' }, 'Revoke report');
      const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', showButtons);
      const form = h(
        'form',
        { class: 'stack', 'aria-label': `Revoke the self-report of person ${shortId(c.user_id)}` },
        h('label', { for: id }, 'Why?'),
        reason,
        h('div', { class: 'actions' }, confirm, cancel),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        message.textContent = 'Revoking…';
        context.client
          .revokeCase(c.id, { reason: reason.value as RevokeReason })
          .then(() => {
            message.textContent = `The self-report of person ${shortId(c.user_id)} was revoked: the people it exposed are told it no longer counts.`;
            return reload();
          })
          .catch((e: unknown) => (message.textContent = context.failed(e)));
      });
      replace(actions, form);
      reason.focus();
    };
    showButtons();
    return h(
      'tr',
      { 'data-case-id': c.id, 'data-user-id': c.user_id },
      h('td', {}, h('span', { title: c.user_id }, shortId(c.user_id))),
      h('td', {}, formatDateTime(c.created_at)),
      h('td', {}, c.onset_date ? formatDate(c.onset_date) : '—'),
      h(
        'td',
        {},
        c.status === 'held' ? 'Held: contacts not told yet' : 'Contacts told',
        c.managed_by === null ? '' : ' · yours',
      ),
      actions,
    );
  };

  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => void reload());
  const element = h(
    'section',
    { class: 'card wide', 'aria-labelledby': 'self-reports-heading' },
    h('h2', { id: 'self-reports-heading' }, 'Self-reports not yet confirmed'),
    h(
      'p',
      {},
      'People who reported symptoms in the app, not confirmed by a test or a professional. Take one on to confirm it, or revoke it (for example after a negative test).',
    ),
    refresh,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Person', 'Reported', 'Symptoms since', 'Contacts', 'Action'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    message,
  );
  return { element, reload };
}
