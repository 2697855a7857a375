import type { Case, CaseContacts } from '../sdk/index.js';
import { isOpen, REPORT_TYPE_LABEL, REVOKE_REASON_LABEL, STATUS_LABEL } from '../shared/cases.js';
import { h, replace } from '../shared/dom.js';
import { formatDate, formatDateTime, shortId } from '../shared/format.js';
import { caseActions } from './case-actions.js';
import { chainGraph, type ChainLink } from './chain-graph.js';
import type { View } from './context.js';
import type { ExposureRiskEvent } from './professional.js';

const MAX_CASES_IN_CHAIN = 25;

/**
 * One case: its status and dates, what can be done with it (correct its dates, close it, revoke it), its contacts
 * with their tiers and notification state, and the transmission chain it is part of.
 */
export const casePage: View = (main, context, route) => {
  const caseId = route[1] ?? '';
  const status = h('p', { role: 'status', id: 'case-status' }, 'Loading…');
  const details = h('dl', { id: 'case-details' });
  const actions = h('div', { id: 'case-actions' });
  const actionMessage = h('p', { role: 'status', id: 'case-action-message' });
  const contactsBody = h('tbody', { id: 'contacts-body' });
  const chain = h('div', { id: 'chain' });

  const showCase = (c: Case) => {
    const row = (term: string, value: string | null, key: string) =>
      value === null ? [] : [h('dt', {}, term), h('dd', { 'data-field': key }, value)];
    replace(
      details,
      ...row('Person', c.user_id, 'user_id'),
      ...row('Status', STATUS_LABEL[c.status] ?? c.status, 'status'),
      ...row('Type', REPORT_TYPE_LABEL[c.report_type] ?? c.report_type, 'report_type'),
      ...row('Symptoms since', c.onset_date ? formatDate(c.onset_date) : 'Not known', 'onset_date'),
      ...row('Test date', c.test_date ? formatDate(c.test_date) : 'Not tested', 'test_date'),
      ...row('Reported', formatDateTime(c.created_at), 'created_at'),
      ...row('Confirmed', c.confirmed_at ? formatDateTime(c.confirmed_at) : null, 'confirmed_at'),
      ...row('Closed', c.closed_at ? formatDateTime(c.closed_at) : null, 'closed_at'),
      ...row(
        'Revoked',
        c.revoked_at
          ? `${formatDateTime(c.revoked_at)}${c.revoked_reason ? ` (${REVOKE_REASON_LABEL[c.revoked_reason]})` : ''}`
          : null,
        'revoked_at',
      ),
    );
    if (isOpen(c))
      replace(
        actions,
        caseActions(context, c, actionMessage, (changed) => void refresh(changed)),
      );
    else
      replace(
        actions,
        h(
          'p',
          { class: 'muted' },
          c.status === 'revoked'
            ? 'This case was revoked: its exposures no longer count, and the people it exposed were told.'
            : 'This case is closed: it no longer counts as an active case.',
        ),
      );
  };
  const loadCase = async () => {
    try {
      showCase(await context.client.getCase(caseId));
    } catch (e) {
      replace(details);
      replace(actions, h('p', { class: 'error' }, context.failed(e)));
    }
  };
  // After a change: the case as the server answered, then its contacts (a revocation or a new window changes them).
  const refresh = async (changed: Case) => {
    showCase(changed);
    await load();
  };

  const load = async () => {
    try {
      const [contacts, cases] = await Promise.all([
        context.client.caseContacts(caseId),
        context.client.listCases({ limit: MAX_CASES_IN_CHAIN }),
      ]);
      const person = cases.cases.find((c) => c.id === caseId)?.user_id;
      status.textContent = `${person ? `Person ${shortId(person)} · ` : ''}${contacts.traced_at ? `traced ${formatDateTime(contacts.traced_at)} · ${contacts.contacts.length} contact(s)` : 'tracing has not finished yet; this page updates when it has.'}`;
      replace(
        contactsBody,
        ...(contacts.contacts.length === 0
          ? [h('tr', {}, h('td', { colspan: 5 }, 'No contacts found (yet).'))]
          : contacts.contacts.map(contactRow)),
      );
      // The chain: every managed case's contacts, linked from the case's person to each contact.
      const personOfCase = new Map(cases.cases.map((c) => [c.id, c.user_id]));
      const root = personOfCase.get(caseId) ?? caseId;
      const others = await Promise.all(
        cases.cases.filter((c) => c.id !== caseId).map((c) => context.client.caseContacts(c.id).catch(() => null)),
      );
      // Two cases that exposed each other: the one confirmed first is taken as the source, as contact tracers do.
      const caseSince = new Map(cases.cases.map((c) => [c.user_id, Date.parse(c.created_at)]));
      const links: ChainLink[] = [contacts, ...others]
        .filter((c): c is CaseContacts => c !== null)
        .flatMap((c) => {
          const from = personOfCase.get(c.case_id) ?? c.case_id;
          return c.contacts
            .filter((contact) => (caseSince.get(contact.user_id) ?? Infinity) > (caseSince.get(from) ?? -Infinity))
            .map((contact) => ({ from, to: contact.user_id, tier: contact.highest_tier }));
        });
      const casePeople = new Set(personOfCase.values());
      replace(
        chain,
        chainGraph(
          root,
          links,
          (person) => casePeople.has(person),
          (person) => person,
        ),
      );
    } catch (e) {
      status.textContent = context.failed(e);
    }
  };
  const contactRow = (contact: CaseContacts['contacts'][number]) =>
    h(
      'tr',
      { 'data-contact': contact.user_id },
      h('td', {}, shortId(contact.user_id)),
      h('td', {}, h('span', { class: `tier-text-${contact.highest_tier}` }, contact.highest_tier)),
      h('td', {}, contact.notified ? 'Notified' : 'Not notified'),
      h(
        'td',
        {},
        contact.days
          .map((d) => `${formatDate(d.date)}: ${d.tier}${d.notified_tier ? ` (told: ${d.notified_tier})` : ''}`)
          .join('; '),
      ),
      h(
        'td',
        {},
        contact.risks
          .map(
            (r) =>
              `${r.contact_kind === 'venue' ? '' : `${r.contact_kind ?? 'contact'} `}${r.place ? `at ${r.place.replace(/^venue:/, 'venue ')} ` : ''}${Math.round(r.minutes)} min, risk ${r.risk_level.toFixed(2)}`,
          )
          .join('; '),
      ),
    );

  // New risks of this case arrive on the live stream: reload the page's data then.
  const stream = context.client.streamExposureRisks<ExposureRiskEvent>({
    onEvent: ({ data }) => {
      if (data.case_id === caseId) void load();
    },
  });

  replace(
    main,
    h('p', {}, h('a', { href: '#' }, '← All cases')),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'case-heading' },
      h('h2', { id: 'case-heading' }, `Case ${shortId(caseId)}`),
      details,
      status,
      h('h3', {}, 'Contacts'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Person', 'Highest tier', 'Notification', 'Days', 'Exposures'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        contactsBody,
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'actions-heading' },
      h('h2', { id: 'actions-heading' }, 'Change this case'),
      actionMessage,
      actions,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'chain-heading' },
      h('h2', { id: 'chain-heading' }, 'Transmission chain'),
      h(
        'p',
        { class: 'muted' },
        'Arrows go from a case to the people it exposed, coloured by risk tier (red high, brown medium, green low). Cases you manage are outlined in red.',
      ),
      chain,
    ),
  );
  void loadCase();
  void load();
  return () => void stream.close();
};
