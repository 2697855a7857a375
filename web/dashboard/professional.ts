import type { Case } from '../sdk/index.js';
import { formValues, h, replace } from '../shared/dom.js';
import { REPORT_TYPE_LABEL, STATUS_LABEL } from '../shared/cases.js';
import { formatDate, formatDateTime, localToday, shortId } from '../shared/format.js';
import { venueRegistration } from '../shared/venue-form.js';
import { describeStreamState, type View } from './context.js';
import { hexMap } from './hex-map.js';
import { issueCodeCard } from './issue-code.js';
import { RiskFeed, type StaffStreamEvent } from './risk-feed.js';

export type { ExposureRiskEvent } from './risk-feed.js';
import { selfReportsCard } from './self-reports.js';

/**
 * Health professionals: issue a verification code, confirm a case, the self-reports waiting for confirmation, the
 * cases they manage, the live feed of exposure risks, exposure sites.
 */
export const professionalView: View = (main, context) => {
  const casesBody = h('tbody', { id: 'cases-body' });
  const feed = new RiskFeed();
  const feedState = h('p', { class: 'muted', id: 'risk-feed-state' }, 'Connecting…');
  const sites = h('div', { id: 'sites-map' });
  const confirmMessage = h('p', { role: 'status', id: 'confirm-message' });

  const loadCases = async () => {
    try {
      const page = await context.client.listCases({ limit: 200 });
      replace(
        casesBody,
        ...(page.cases.length === 0
          ? [h('tr', {}, h('td', { colspan: 7 }, 'No cases yet.'))]
          : page.cases.map(caseRow)),
      );
    } catch (e) {
      replace(casesBody, h('tr', {}, h('td', { colspan: 7 }, context.failed(e))));
    }
  };
  const caseRow = (c: Case) =>
    h(
      'tr',
      { 'data-case-id': c.id },
      h('td', {}, h('a', { href: `#case/${c.id}` }, `Case ${shortId(c.id)}`)),
      h('td', {}, shortId(c.user_id)),
      h('td', {}, REPORT_TYPE_LABEL[c.report_type] ?? c.report_type),
      h('td', { class: 'case-status' }, STATUS_LABEL[c.status] ?? c.status),
      h('td', {}, c.onset_date ? formatDate(c.onset_date) : '—'),
      // Reported: when the case was opened (a self-report, or the professional's confirmation); confirmed: when a
      // professional or a verification code confirmed it, which for a self-report comes later.
      h('td', { class: 'case-reported' }, formatDateTime(c.created_at)),
      h('td', { class: 'case-confirmed' }, c.confirmed_at ? formatDateTime(c.confirmed_at) : '—'),
    );

  const loadSites = async () => {
    try {
      const page = await context.client.exposureSites({ limit: 500 });
      const lastPresence = (s: (typeof page.exposure_sites)[number]) => formatDateTime(s.windows.at(-1)?.end ?? '');
      const cells = page.exposure_sites.filter((s) => s.kind === 'cell');
      const venues = page.exposure_sites.filter((s) => s.kind === 'venue');
      replace(
        sites,
        hexMap(
          cells.map((s) => ({
            cell: s.place,
            className: 'site',
            label: `${s.cases} infectious case(s) present, last ${lastPresence(s)}`,
          })),
          'Places where infectious cases stayed in the last 14 days',
        ),
        h('h3', {}, 'Venues'),
        h(
          'ul',
          { class: 'plain', id: 'venue-sites' },
          ...(venues.length === 0
            ? [h('li', {}, 'None.')]
            : venues.map((s) =>
                h(
                  'li',
                  { 'data-venue': s.place },
                  `Venue ${s.place}: ${s.cases} infectious case(s), last ${lastPresence(s)}`,
                ),
              )),
        ),
      );
    } catch (e) {
      replace(sites, h('p', {}, context.failed(e)));
    }
  };

  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'confirm-heading' },
    h('label', { for: 'confirm-user' }, "Person's account id (shown in their app under My data)"),
    h('input', {
      id: 'confirm-user',
      name: 'user_id',
      required: true,
      pattern: '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
      autocomplete: 'off',
      spellcheck: false,
    }),
    h('label', { for: 'confirm-type' }, 'Diagnosis'),
    h(
      'select',
      { id: 'confirm-type', name: 'report_type' },
      h('option', { value: 'confirmed_test' }, 'Positive test'),
      h('option', { value: 'clinical_diagnosis' }, 'Clinical diagnosis'),
    ),
    h('label', { for: 'confirm-onset' }, 'Symptom onset (if known)'),
    h('input', { id: 'confirm-onset', name: 'onset_date', type: 'date', max: localToday() }),
    h('label', { for: 'confirm-test' }, 'Test date (if tested)'),
    h('input', { id: 'confirm-test', name: 'test_date', type: 'date', max: localToday() }),
    h('button', { type: 'submit' }, 'Confirm case and trace contacts'),
    confirmMessage,
  );
  // A self-report taken on: the confirm form, filled in with the person's account id and onset date.
  const selfReports = selfReportsCard(context, (c) => {
    const user = form.querySelector<HTMLInputElement>('#confirm-user')!;
    user.value = c.user_id;
    form.querySelector<HTMLInputElement>('#confirm-onset')!.value = c.onset_date ?? '';
    confirmMessage.textContent = `Filled in for person ${shortId(c.user_id)}: choose the diagnosis, add the test date if tested, and confirm.`;
    const diagnosis = form.querySelector<HTMLSelectElement>('#confirm-type')!;
    diagnosis.scrollIntoView({ block: 'center' });
    diagnosis.focus();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = formValues(form);
    confirmMessage.textContent = 'Confirming…';
    context.client
      .confirmCase({
        user_id: (v.user_id ?? '').trim(),
        report_type: v.report_type === 'clinical_diagnosis' ? 'clinical_diagnosis' : 'confirmed_test',
        ...(v.onset_date ? { onset_date: v.onset_date } : {}),
        ...(v.test_date ? { test_date: v.test_date } : {}),
      })
      .then(({ case: confirmed, created }) => {
        confirmMessage.textContent = `${created ? 'Case confirmed' : 'Existing case upgraded'}: tracing its contacts.`;
        form.reset();
        location.hash = `#case/${confirmed.id}`;
      })
      .catch((e: unknown) => (confirmMessage.textContent = context.failed(e)));
  });

  // Updates of the same exposure (case, person, day) make one entry with the latest tier and how many updates.
  const stream = context.client.streamExposureRisks<StaffStreamEvent>({
    onEvent: ({ data }) => feed.add(data),
    onStateChange: (state) => (feedState.textContent = describeStreamState(state)),
    onError: (error, info) => {
      if (!info.willRetry) feedState.textContent = context.failed(error);
    },
  });

  replace(
    main,
    h(
      'div',
      { class: 'grid' },
      issueCodeCard(context),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'confirm-heading' },
        h('h2', { id: 'confirm-heading' }, 'Confirm a case'),
        h(
          'p',
          {},
          "When you know the person's account id. Otherwise, issue a verification code: they enter it in their app.",
        ),
        form,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'feed-heading' },
        h('h2', { id: 'feed-heading' }, 'New exposure risks'),
        feedState,
        feed.element,
      ),
      h(
        'section',
        { class: 'card wide', 'aria-labelledby': 'cases-heading' },
        h('h2', { id: 'cases-heading' }, 'My cases'),
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
                h('th', { scope: 'col' }, 'Case'),
                h('th', { scope: 'col' }, 'Person'),
                h('th', { scope: 'col' }, 'Type'),
                h('th', { scope: 'col' }, 'Status'),
                h('th', { scope: 'col' }, 'Onset'),
                h('th', { scope: 'col' }, 'Reported'),
                h('th', { scope: 'col' }, 'Confirmed'),
              ),
            ),
            casesBody,
          ),
        ),
      ),
      selfReports.element,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'sites-heading' },
        h('h2', { id: 'sites-heading' }, 'Exposure sites'),
        h('p', { class: 'legend' }, h('span', { class: 'l-site' }, 'Place where an infectious case stayed')),
        sites,
      ),
      venueRegistration(() => context.client),
    ),
  );
  void loadCases();
  void selfReports.reload();
  void loadSites();
  return () => void stream.close();
};
