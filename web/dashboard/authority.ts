import { gridDisk } from 'h3-js';
import type { Alert, RtResult, ZonesResponse } from '../sdk/index.js';
import { formValues, h, replace } from '../shared/dom.js';
import { countOf, formatDate, formatDateTime } from '../shared/format.js';
import { caseCurve, rtChart, type CaseDates } from './charts.js';
import { describeStreamState, type View } from './context.js';
import { hexMap } from './hex-map.js';

const SUMMARY_REFRESH_MS = 10_000;

/** Serial interval of COVID-19 (Nishiura et al. 2020: mean 4.7 days, sd 2.9), the default Rt is computed with. */
const DEFAULT_SI = { mean: 4.7, sd: 2.9 };

/** Authorities: the map of clusters, the case curve, Rt and the live alert feed. Aggregates only. */
export const authorityView: View = (main, context) => {
  const map = h('div', { id: 'zones-map' });
  const clusterTable = h('tbody', { id: 'clusters-body' });
  const scanInfo = h('p', { class: 'muted', id: 'scan-info' });
  const curve = h('div', { id: 'case-curve' });
  const curveLegend = h('p', { class: 'legend', id: 'case-curve-legend' });
  const curveNote = h('p', { class: 'muted', id: 'case-curve-note' });
  // One choice for the curve and Rt: by symptom onset (the epidemic curve) or by the day cases were reported.
  let dates: CaseDates = 'onset';
  const datesSelect = h(
    'select',
    { id: 'case-dates', name: 'dates' },
    h('option', { value: 'onset' }, 'Symptom onset date'),
    h('option', { value: 'report' }, 'Report date'),
  );
  const totals = h('p', { id: 'case-totals' });
  const rt = h('div', { id: 'rt-chart' });
  const rtLatest = h('p', { id: 'rt-latest' });
  const alerts = h('ol', { class: 'feed', id: 'alert-feed', 'aria-live': 'polite', 'aria-label': 'Cluster alerts' });
  const alertState = h('p', { class: 'muted', id: 'alert-feed-state' }, 'Connecting…');

  const loadZones = async () => {
    try {
      showZones(await context.client.zones());
    } catch (e) {
      replace(map, h('p', {}, context.failed(e)));
    }
  };
  const showZones = (zones: ZonesResponse) => {
    scanInfo.textContent = zones.scan
      ? `Latest scan ${formatDateTime(zones.scan.ran_at)}: ${zones.scan.total_cases} cases in ${zones.scan.days} days, ${zones.scan.located_cases} with a place.`
      : 'No scan has run yet.';
    // The neighbourhood of each cluster, drawn faintly, shows where it lies and how large it is.
    const inCluster = new Set(zones.clusters.flatMap((c) => c.cells));
    const context = [...new Set(zones.clusters.flatMap((c) => gridDisk(c.centre_cell, c.radius_rings + 2)))].filter(
      (cell) => !inCluster.has(cell),
    );
    replace(
      map,
      hexMap(
        [
          ...context.map((cell) => ({ cell, className: 'context', label: 'No cluster' })),
          ...zones.clusters.flatMap((c) =>
            c.cells.map((cell) => ({
              cell,
              className: c.significant ? 'cluster' : 'cluster not-significant',
              label: `Cluster ${c.rank}: ${c.observed} cases (${c.expected.toFixed(1)} expected) ${formatDate(c.start_date)}–${formatDate(c.end_date)}`,
            })),
          ),
        ],
        'Clusters of the latest space-time scan',
      ),
    );
    replace(
      clusterTable,
      ...(zones.clusters.length === 0
        ? [h('tr', {}, h('td', { colspan: 5 }, 'No cluster.'))]
        : zones.clusters.map((c) =>
            h(
              'tr',
              { 'data-cluster-centre': c.centre_cell, 'data-significant': String(c.significant) },
              h('td', {}, String(c.rank)),
              h('td', {}, c.start_date === c.end_date ? c.start_date : `${c.start_date} to ${c.end_date}`),
              h('td', {}, `${c.observed} / ${c.expected.toFixed(1)}`),
              h('td', {}, countOf(Math.round(c.recurrence_interval_days), 'day', 'days')),
              h('td', {}, c.significant ? 'Yes' : 'No'),
            ),
          )),
    );
  };

  const loadSummary = async () => {
    try {
      const summary = await context.client.analyticsSummary();
      replace(curve, caseCurve(summary, dates));
      if (dates === 'report') {
        replace(
          curveLegend,
          h('span', { class: 'l-cases' }, 'Cases per day (report date)'),
          h('span', { class: 'l-avg' }, '7-day average'),
        );
        curveNote.textContent = '';
      } else {
        replace(curveLegend, h('span', { class: 'l-cases' }, 'Cases per day (symptom onset date)'));
        curveNote.textContent =
          'The last days fill in as people who fell ill are reported. Cases without a known onset are not shown.';
      }
      const last = summary.days.at(-1);
      totals.textContent = `${summary.totals.cases} cases in ${summary.days.length} days${last ? `; 7-day average today ${last.cases_7day_avg.toFixed(1)}` : ''}; ${summary.totals.contacts_traced} contacts traced, ${summary.totals.notified} notified.`;
    } catch (e) {
      replace(curve, h('p', {}, context.failed(e)));
    }
  };

  const rtForm = h(
    'form',
    { class: 'legend', 'aria-label': 'Serial interval' },
    h('label', { for: 'si-mean' }, 'Serial interval mean (days)'),
    h('input', {
      id: 'si-mean',
      name: 'si_mean',
      type: 'number',
      step: '0.1',
      min: '1.1',
      max: '30',
      value: DEFAULT_SI.mean,
      style: 'width: 6rem',
    }),
    h('label', { for: 'si-sd' }, 'sd'),
    h('input', {
      id: 'si-sd',
      name: 'si_sd',
      type: 'number',
      step: '0.1',
      min: '0.1',
      max: '30',
      value: DEFAULT_SI.sd,
      style: 'width: 6rem',
    }),
    h('button', { type: 'submit', class: 'secondary' }, 'Update Rt'),
  );
  const loadRt = async () => {
    const v = formValues(rtForm);
    try {
      const result: RtResult = await context.client.analyticsRt({
        si_mean: Number(v.si_mean),
        si_sd: Number(v.si_sd),
        dates,
      });
      replace(rt, rtChart(result));
      rtLatest.textContent = describeRt(result);
    } catch (e) {
      rtLatest.textContent = context.failed(e);
    }
  };
  datesSelect.addEventListener('change', () => {
    dates = datesSelect.value === 'report' ? 'report' : 'onset';
    void loadSummary();
    void loadRt();
  });
  rtForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void loadRt();
  });

  const alertItem = (alert: Alert) =>
    h(
      'li',
      { 'data-alert-seq': alert.seq },
      h('strong', {}, alert.title),
      h('br'),
      `${formatDateTime(alert.raised_at)} · ${countOf(alert.cluster.observed, 'case', 'cases')}, ${countOf(alert.cluster.cells.length, 'cell', 'cells')}, recurrence interval ${countOf(Math.round(alert.cluster.recurrence_interval_days), 'day', 'days')}`,
    );

  let stream: { close(): Promise<void> } | null = null;
  let closed = false;
  const startAlerts = async () => {
    let lastSeq = 0;
    try {
      const page = await context.client.listAlerts({ limit: 50 });
      replace(alerts, ...page.alerts.map(alertItem));
      lastSeq = Math.max(0, ...page.alerts.map((a) => a.seq));
    } catch (e) {
      alertState.textContent = context.failed(e);
    }
    if (closed) return;
    stream = context.client.streamAlerts({
      lastEventId: lastSeq,
      onEvent: ({ data }) => {
        alerts.prepend(alertItem(data));
        void loadZones(); // the cluster behind the alert appears on the map
        void loadSummary();
      },
      onStateChange: (state) => (alertState.textContent = describeStreamState(state)),
      onError: (error, info) => {
        if (!info.willRetry) alertState.textContent = context.failed(error);
      },
    });
  };

  replace(
    main,
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card wide', 'aria-labelledby': 'zones-heading' },
        h('h2', { id: 'zones-heading' }, 'Infection zones'),
        scanInfo,
        h(
          'p',
          { class: 'legend' },
          h('span', { class: 'l-cluster' }, 'Significant cluster'),
          h('span', { class: 'l-weak' }, 'Not significant'),
        ),
        map,
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            {},
            h('caption', { class: 'visually-hidden' }, 'Clusters'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Rank', 'Days', 'Cases / expected', 'Recurrence', 'Significant'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            clusterTable,
          ),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'alerts-heading' },
        h('h2', { id: 'alerts-heading' }, 'Cluster alerts'),
        alertState,
        alerts,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'curve-heading' },
        h('h2', { id: 'curve-heading' }, 'Case curve'),
        h('p', { class: 'legend' }, h('label', { for: 'case-dates' }, 'Count cases by'), datesSelect),
        curveLegend,
        curve,
        curveNote,
        totals,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'rt-heading' },
        h('h2', { id: 'rt-heading' }, 'Reproduction number Rt'),
        h(
          'p',
          { class: 'legend' },
          h('span', { class: 'l-avg' }, 'Posterior mean'),
          h('span', { class: 'l-rt' }, '95% credible interval'),
        ),
        rtForm,
        rt,
        rtLatest,
      ),
    ),
  );
  void loadZones();
  void loadSummary();
  void loadRt();
  void startAlerts();
  // Daily aggregates are recomputed shortly after the reports that change them (ANALYTICS_SETTLE_MS), which can be
  // after the alert that made this page reload them: refresh the curve on a slow timer as well.
  const refresh = setInterval(() => void loadSummary(), SUMMARY_REFRESH_MS);
  return () => {
    closed = true;
    clearInterval(refresh);
    void stream?.close();
  };
};

/** The latest Rt in words, or why there is none yet: how many days of cases it needs (never a raw error). */
function describeRt(result: RtResult): string {
  const latest = result.estimates.at(-1);
  if (latest === undefined) {
    const have =
      result.from === null
        ? 'there is no case yet'
        : `the cases so far span ${result.incidence.length} day${result.incidence.length === 1 ? '' : 's'}`;
    return `Rt needs at least ${result.needs_days} days of cases; ${have}.`;
  }
  const parts = [
    `Latest window: Rt ${latest.mean.toFixed(2)} (95% credible interval ${latest.quantile_0_025.toFixed(2)} to ${latest.quantile_0_975.toFixed(2)}), cases from ${formatDate(latest.start_date)} to ${formatDate(latest.end_date)}.`,
  ];
  if (result.dates === 'onset' && result.cases_without_onset > 0)
    parts.push(
      `${result.cases_without_onset} case${result.cases_without_onset === 1 ? '' : 's'} without a known onset date left out.`,
    );
  parts.push(...result.warnings);
  return parts.join(' ');
}
