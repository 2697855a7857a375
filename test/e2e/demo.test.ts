import { rmSync } from 'node:fs';
import { latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DEMO,
  demoScenario,
  simulateDemoCity,
  startDemoServer,
  type DemoSettings,
} from '../../src/simulator/demo-run.js';
import type { LocalServer } from '../../src/simulator/local-server.js';
import type { SimulationResult } from '../../src/simulator/runner.js';
import { EpitraceClient } from '../../web/sdk/index.js';

/**
 * Acceptance (issue #21, the demo shows everything): the core of `npm run demo` (src/simulator/demo-run.ts, the
 * same functions demo.ts calls), with the demo's city and days, run faster, against a real server process. The end
 * state is read back through the API as the dashboard reads it: a case curve over several days, Rt with its credible
 * interval, notifications and their follow-up, zones scanned, and the village choir's outbreak found as a significant
 * cluster with its alert.
 */
describe('npm run demo', () => {
  const settings: DemoSettings = { ...DEFAULT_DEMO, speedUp: 40_000, streams: 100 };
  const printed: string[] = [];
  let server: LocalServer;
  let result: SimulationResult;
  let authority: EpitraceClient;

  beforeAll(async () => {
    server = await startDemoServer(settings, (text) => void printed.push(text));
    result = await simulateDemoCity(server, settings, (text) => void printed.push(text));
    const anonymous = new EpitraceClient({ baseUrl: server.baseUrl });
    const login = await anonymous.login(server.authority.username, server.authority.password);
    authority = anonymous.withToken(login.token);
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('prints where to find the dashboard and how to sign in, and ends with the run without errors', () => {
    const text = printed.join('');
    expect(text).toContain(`Dashboard  ${server.baseUrl}/dashboard`);
    expect(text).toContain(`Authority:           ${server.authority.username} / ${server.authority.password}`);
    expect(text).toContain('Simulation report');
    expect(result.report.errors.total).toBe(0);
  });

  it('the case curve by onset spans several days, the cases confirmed and line-listed over the simulated days', async () => {
    const summary = await authority.analyticsSummary();
    const daysWithOnsets = summary.days.filter((d) => d.cases_by_onset > 0).map((d) => d.date);
    expect(daysWithOnsets.length, JSON.stringify(summary.days)).toBeGreaterThanOrEqual(4);
    // Every case the city reported is counted: confirmed app cases, self-reports and the line list.
    expect(summary.totals.cases).toBeGreaterThanOrEqual(
      result.report.epidemic.confirmations + result.report.epidemic.line_list_cases,
    );
  });

  it('Rt by onset is computed: at least one window with its 95% credible interval', async () => {
    const rt = await authority.analyticsRt({ si_mean: 4.7, si_sd: 2.9, dates: 'onset' });
    expect(rt.reason, JSON.stringify(rt.incidence)).toBeNull();
    expect(rt.estimates.length).toBeGreaterThanOrEqual(1);
    for (const e of rt.estimates) {
      expect(e.quantile_0_025).toBeLessThan(e.mean);
      expect(e.mean).toBeLessThan(e.quantile_0_975);
    }
    expect(rt.incidence.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(8);
  });

  it('contacts were traced and notified, and the follow-up counts notified people who became cases', async () => {
    const summary = await authority.analyticsSummary();
    expect(summary.totals.contacts_traced).toBeGreaterThan(0);
    expect(summary.totals.notified).toBeGreaterThan(0);
    const notified = summary.notification_outcomes.tiers.reduce((n, t) => n + t.notified, 0);
    expect(notified).toBeGreaterThan(0);
    expect(result.report.streams.open_at_end).toBeGreaterThan(0);
  });

  it('the zones were scanned over every case the city reported', async () => {
    const zones = await authority.zones();
    const summary = await authority.analyticsSummary({ from: zones.scan?.study_start, to: zones.scan?.study_end });
    expect(zones.scan?.total_cases).toBe(summary.totals.cases);
    expect(zones.scan?.located_cases ?? 0).toBeGreaterThan(0);
  });

  it("reports the choir rehearsal's outbreak and the scan's most likely cluster, read once the scan has settled", () => {
    const [choir] = result.report.gatherings;
    expect(choir?.what).toBe('a choir rehearsal');
    // The Skagit County attack rate (52 of 60): most singers are infected there.
    expect(choir!.infected_there).toBeGreaterThan(choir!.attendees / 2);
    expect(result.report.zones?.top).not.toBeNull();
    expect(printed.join('')).toContain('most likely cluster:');
  });

  it("finds the village choir's outbreak as a significant cluster on the map, with its alert in the feed", async () => {
    const zones = await authority.zones();
    const significant = zones.clusters.filter((c) => c.significant);
    expect(significant.length, JSON.stringify(zones.clusters)).toBeGreaterThanOrEqual(1);
    // Where the choir sang: the cluster was found by the server from the cases alone.
    const [choir] = result.report.gatherings;
    const scenario = demoScenario(settings);
    const venue = scenario.city.places[scenario.gatherings![0]!.place]!;
    const cluster = significant.find((c) => c.cells.includes(latLngToCell(venue.lat, venue.lng, c.resolution)));
    expect(cluster, `${choir?.what} not inside ${JSON.stringify(significant)}`).toBeDefined();
    expect(cluster!.recurrence_interval_days).toBeGreaterThanOrEqual(100);
    expect(cluster!.observed).toBeGreaterThan(cluster!.expected);
    expect(cluster!.alert_id).not.toBeNull();
    const { alerts } = await authority.listAlerts();
    const alert = alerts.find((a) => a.id === cluster!.alert_id);
    expect(alert, JSON.stringify(alerts)).toBeDefined();
    expect(alert!.cluster.cells).toEqual(expect.arrayContaining([cluster!.centre_cell]));
    expect(printed.join('')).toContain(`around where ${choir!.what} was held`);
    expect(printed.join('')).toContain("significant, its alert is in the authority's feed");
  });
});
