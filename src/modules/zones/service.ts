import { randomUUID } from 'node:crypto';
import { getResolution } from 'h3-js';
import type { Alert } from '../../contracts/alerts.js';
import type {
  ExposureSitePage,
  ExposureSitesQuery,
  ZoneCluster,
  ZoneScan,
  ZonesQuery,
  ZonesResponse,
} from '../../contracts/zones.js';
import type { NewRow, Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden } from '../../platform/http/problem.js';
import type { AlertsService } from '../alerts/service.js';
import type { AuditService } from '../audit/service.js';
import { addDays, MS_PER_DAY } from '../../platform/time/calendar.js';
import {
  cellCentre,
  compareSites,
  exposureSites,
  identityKey,
  matchTracked,
  type FoundCluster,
  type ScanSettings,
  type StudyPeriod,
  type TrackedCluster,
} from './model.js';
import type { ZonesRepository } from './repository.js';

/** Scans older than this are deleted (the latest is always kept). */
const SCAN_HISTORY_MS = 30 * MS_PER_DAY;
/** Exposure sites default to presence in this last period. */
const DEFAULT_SITES_PERIOD_MS = 14 * MS_PER_DAY;
/** Longest period one exposure-site request may cover. */
const MAX_SITES_PERIOD_MS = 60 * MS_PER_DAY;

/** One finished run of the scan statistic, ready to be recorded. */
export interface CompletedScan {
  readonly ranAt: number;
  readonly durationMs: number;
  readonly period: StudyPeriod;
  readonly settings: ScanSettings;
  readonly totalCases: number;
  readonly locatedCases: number;
  readonly cellsWithCases: number;
  readonly maxLlr: number;
  readonly pValue: number;
  readonly clusters: readonly FoundCluster[];
}

export interface RecordedScan {
  readonly scanId: string;
  readonly clusters: readonly ZoneCluster[];
  /** Alerts raised by this scan: clusters that became significant. */
  readonly alerts: readonly Alert[];
}

export interface ZonesRules {
  /** H3 resolution of stored interaction cells (exposure sites cannot be finer). */
  readonly h3Resolution: number;
  /** Longest single observation (bounds the time-index lookup of exposure sites). */
  readonly maxDurationMs: number;
}

interface StoredParams {
  readonly days: number;
  readonly max_rings: number;
  readonly max_duration_days: number;
  readonly replications: number;
  readonly min_cases: number;
  readonly alert_recurrence_days: number;
  readonly seed: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toTracked(row: Row<'zone_clusters'>): TrackedCluster {
  return {
    id: row.id,
    resolution: row.resolution,
    cells: JSON.parse(row.cells) as string[],
    startDate: row.start_date,
    endDate: row.end_date,
  };
}

function clusterFacts(found: FoundCluster) {
  return {
    resolution: found.resolution,
    centre_cell: found.centre,
    centre: cellCentre(found.centre),
    radius_rings: found.radius,
    cells: [...found.cells],
    start_date: found.startDate,
    end_date: found.endDate,
    duration_days: found.durationDays,
    observed: found.observed,
    expected: found.expected,
    observed_over_expected: found.observedOverExpected,
    relative_risk: found.relativeRisk,
    llr: found.llr,
    p_value: found.pValue,
    recurrence_interval_days: found.recurrenceIntervalDays,
  };
}

/** The columns of a tracked cluster that follow its latest detection. */
function detectionColumns(found: FoundCluster) {
  return {
    centre: found.centre,
    radius: found.radius,
    cells: JSON.stringify(found.cells),
    start_date: found.startDate,
    end_date: found.endDate,
    observed: found.observed,
    expected: found.expected,
    relative_risk: found.relativeRisk,
    llr: found.llr,
    p_value: found.pValue,
    recurrence_interval_days: found.recurrenceIntervalDays,
  };
}

function newTrackedRow(
  id: string,
  key: string,
  found: FoundCluster,
  scanId: string,
  now: number,
): NewRow<'zone_clusters'> {
  return {
    id,
    identity_key: key,
    resolution: found.resolution,
    ...detectionColumns(found),
    first_detected_at: now,
    last_detected_at: now,
    first_scan_id: scanId,
    last_scan_id: scanId,
  };
}

function encodeSiteCursor(site: { lastAt: number; kind: string; place: string }): string {
  return Buffer.from(JSON.stringify([site.lastAt, site.kind, site.place]), 'utf8').toString('base64url');
}

function decodeSiteCursor(cursor: string): { lastAt: number; kind: 'cell' | 'venue'; place: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      Number.isSafeInteger(value[0]) &&
      (value[1] === 'cell' || value[1] === 'venue') &&
      typeof value[2] === 'string' &&
      value[2].length <= 128
    ) {
      return { lastAt: value[0] as number, kind: value[1], place: value[2] };
    }
  } catch {
    // fall through
  }
  return null;
}

/**
 * Infection zones: the clusters of the latest scan (authorities and health professionals: cells, counts, dates),
 * exposure sites (health professionals: where infectious cases were, when; no person), and the recording of each
 * scan, which follows clusters across scans and raises an alert when one becomes significant.
 */
export class ZonesService {
  constructor(
    private readonly zones: ZonesRepository,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
    private readonly rules: ZonesRules,
  ) {}

  /**
   * Records a scan in one transaction that no other process's recording overlaps: each significant cluster is
   * matched against the tracked clusters (model.ts `matchTracked`); one found again updates its tracked cluster,
   * one not found before becomes a tracked cluster with an alert (and its webhook deliveries). Alerts are announced
   * after the commit.
   */
  async recordScan(scan: CompletedScan): Promise<RecordedScan> {
    const scanId = randomUUID();
    const now = scan.ranAt;
    const result = await this.zones.exclusively(async (trx) => {
      const candidates = scan.clusters.some((c) => c.significant)
        ? (await this.zones.trackedEndingSince(trx, addDays(scan.period.end, -scan.settings.maxDurationDays))).map(
            toTracked,
          )
        : [];
      const raised: Alert[] = [];
      const assigned = new Map<number, { clusterId: string; firstDetectedAt: number }>();
      for (const found of scan.clusters) {
        if (!found.significant) continue;
        let tracked = matchTracked(found, candidates);
        if (tracked === null) {
          const id = randomUUID();
          const key = identityKey(found);
          if (await this.zones.insertCluster(trx, newTrackedRow(id, key, found, scanId, now))) {
            const alert = await this.alerts.raiseIn(
              trx,
              id,
              {
                cluster: { id, ...clusterFacts(found) },
                scan: {
                  id: scanId,
                  ran_at: iso(now),
                  study_start: scan.period.start,
                  study_end: scan.period.end,
                  total_cases: scan.totalCases,
                  replications: scan.settings.replications,
                },
              },
              now,
            );
            if (alert !== null) raised.push(alert);
            candidates.push({
              id,
              resolution: found.resolution,
              cells: found.cells,
              startDate: found.startDate,
              endDate: found.endDate,
            });
            assigned.set(found.rank, { clusterId: id, firstDetectedAt: now });
            continue;
          }
          // That identity exists already (recorded concurrently): this is that cluster found again.
          const existing = await this.zones.clusterByKey(trx, key);
          if (existing === undefined) continue;
          tracked = toTracked(existing);
          candidates.push(tracked);
        }
        const row = await this.zones.clusterById(trx, tracked.id);
        if (row === undefined) continue;
        // Found again: it now has this detection's cells and days (never moved back by a scan of an earlier day).
        if (found.endDate >= row.end_date) {
          await this.zones.updateCluster(trx, row.id, {
            ...detectionColumns(found),
            last_detected_at: now,
            last_scan_id: scanId,
          });
          const index = candidates.findIndex((c) => c.id === row.id);
          if (index >= 0)
            candidates[index] = {
              ...candidates[index]!,
              cells: found.cells,
              startDate: found.startDate,
              endDate: found.endDate,
            };
        }
        assigned.set(found.rank, { clusterId: row.id, firstDetectedAt: row.first_detected_at });
      }
      const alertIds = await this.alerts.alertIdsForClusters(trx, [
        ...new Set([...assigned.values()].map((a) => a.clusterId)),
      ]);
      const clusters: ZoneCluster[] = scan.clusters.map((found) => {
        const tracked = assigned.get(found.rank);
        return {
          rank: found.rank,
          ...clusterFacts(found),
          significant: found.significant,
          cluster_id: tracked?.clusterId ?? null,
          alert_id: tracked === undefined ? null : (alertIds.get(tracked.clusterId) ?? null),
          first_detected_at: tracked === undefined ? null : iso(tracked.firstDetectedAt),
        };
      });
      const params: StoredParams = {
        days: scan.settings.days,
        max_rings: scan.settings.maxRings,
        max_duration_days: scan.settings.maxDurationDays,
        replications: scan.settings.replications,
        min_cases: scan.settings.minCases,
        alert_recurrence_days: scan.settings.alertRecurrenceDays,
        seed: scan.settings.seed,
      };
      await this.zones.insertScan(trx, {
        id: scanId,
        ran_at: now,
        study_start: scan.period.start,
        study_end: scan.period.end,
        resolution: scan.settings.resolution,
        params: JSON.stringify(params),
        total_cases: scan.totalCases,
        located_cases: scan.locatedCases,
        cells_with_cases: scan.cellsWithCases,
        max_llr: scan.maxLlr,
        p_value: scan.pValue,
        duration_ms: Math.round(scan.durationMs),
        clusters: JSON.stringify(clusters),
      });
      await this.zones.pruneScans(trx, now - SCAN_HISTORY_MS, scanId);
      return { clusters, raised };
    });
    await this.alerts.announce(result.raised);
    return { scanId, clusters: result.clusters, alerts: result.raised };
  }

  /** The latest scan and its clusters. */
  async clusters(actor: AuthenticatedPrincipal, query: ZonesQuery): Promise<ZonesResponse> {
    if (actor.kind !== 'staff' || (actor.role !== 'authority' && actor.role !== 'health_professional')) {
      throw forbidden('infection zones are for public-health authorities and health professionals');
    }
    const row = await this.zones.latestScan();
    if (row === undefined) return { scan: null, clusters: [] };
    const params = JSON.parse(row.params) as StoredParams;
    const scan: ZoneScan = {
      id: row.id,
      ran_at: iso(row.ran_at),
      study_start: row.study_start,
      study_end: row.study_end,
      days: params.days,
      resolution: row.resolution,
      max_rings: params.max_rings,
      max_duration_days: params.max_duration_days,
      replications: params.replications,
      min_cases: params.min_cases,
      alert_recurrence_days: params.alert_recurrence_days,
      total_cases: row.total_cases,
      located_cases: row.located_cases,
      cells_with_cases: row.cells_with_cases,
      max_llr: row.max_llr,
      p_value: row.p_value,
      duration_ms: row.duration_ms,
    };
    const clusters = (JSON.parse(row.clusters) as ZoneCluster[]).filter(
      (c) => query.significant_only !== true || c.significant,
    );
    return { scan, clusters };
  }

  /** Places where infectious cases were present, when, and how many: for health professionals (audited). */
  async exposureSites(
    actor: AuthenticatedPrincipal,
    query: ExposureSitesQuery,
    requestId: string,
  ): Promise<ExposureSitePage> {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional')
      throw forbidden('exposure sites are for health professionals');
    const now = Date.now();
    const until = query.until === undefined ? now : Date.parse(query.until);
    const since = query.since === undefined ? until - DEFAULT_SITES_PERIOD_MS : Date.parse(query.since);
    if (Number.isNaN(since) || Number.isNaN(until))
      throw badRequest('querystring/since and until must be ISO 8601 date-times');
    if (!(since < until)) throw badRequest('querystring/since must be before until');
    if (until - since > MAX_SITES_PERIOD_MS)
      throw badRequest(`querystring: since to until may span at most ${MAX_SITES_PERIOD_MS / MS_PER_DAY} days`);
    if (query.resolution !== undefined && query.resolution > this.rules.h3Resolution) {
      throw badRequest(
        `querystring/resolution may be at most ${this.rules.h3Resolution} (the resolution interactions are stored at)`,
      );
    }
    const after = query.cursor === undefined ? null : decodeSiteCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;

    const stays = await this.zones.infectiousStays(since, until, this.rules.maxDurationMs);
    let sites = exposureSites(stays, { since, until, resolution: query.resolution ?? null });
    if (query.kind !== undefined) sites = sites.filter((s) => s.kind === query.kind);
    if (after !== null) sites = sites.filter((s) => compareSites(s, after) > 0);
    const page = sites.slice(0, limit);
    await this.audit.recordAction(actor, 'zones.exposure_sites', requestId, now);
    const last = page[page.length - 1];
    return {
      exposure_sites: page.map((s) => ({
        kind: s.kind,
        place: s.place,
        resolution: s.kind === 'cell' ? getResolution(s.place) : null,
        centre: s.kind === 'cell' ? cellCentre(s.place) : null,
        cases: s.cases,
        first_at: iso(s.firstAt),
        last_at: iso(s.lastAt),
        windows: s.windows.map((w) => ({ start: iso(w.start), end: iso(w.end), cases: w.cases })),
      })),
      next_cursor: sites.length > limit && last !== undefined ? encodeSiteCursor(last) : null,
    };
  }
}
