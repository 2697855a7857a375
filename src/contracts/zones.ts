import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, NextCursor, PageQuery, Uuid } from './common.js';

const H3Cell = Type.String({
  pattern: '^[0-9a-f]{15}$',
  description: 'H3 cell index (hexadecimal)',
  examples: ['881fb46625fffff'],
});
const LatLng = Type.Object(
  { lat: Type.Number(), lng: Type.Number() },
  { description: 'Centre of the cell (for maps)' },
);

/** A space-time cluster of the latest scan: cells, days and counts only, never a person. */
export const ZoneCluster = Type.Object(
  {
    rank: Type.Integer({
      minimum: 1,
      description: '1: the most likely cluster; 2..: secondary clusters (no shared cells), in decreasing likelihood',
    }),
    resolution: Type.Integer({ description: 'H3 resolution of the cells (SCAN_RESOLUTION)' }),
    centre_cell: H3Cell,
    centre: LatLng,
    radius_rings: Type.Integer({
      minimum: 0,
      description: 'Radius of the cylinder base in H3 rings around the centre',
    }),
    cells: Type.Array(H3Cell, { description: 'Every cell of the base' }),
    start_date: CalendarDate,
    end_date: CalendarDate,
    duration_days: Type.Integer({ minimum: 1 }),
    observed: Type.Integer({ description: 'Cases in the cylinder' }),
    expected: Type.Number({ description: 'Cases expected in the cylinder if space and time were independent' }),
    observed_over_expected: Type.Number(),
    relative_risk: Type.Union([Type.Number(), Type.Null()], {
      description: 'Inside vs outside the cylinder; null when every case is inside',
    }),
    llr: Type.Number({ description: 'Log likelihood ratio (the scan statistic)' }),
    p_value: Type.Number({ description: 'Monte Carlo p-value' }),
    recurrence_interval_days: Type.Number({
      description: 'Expected days between false alarms at least this strong (1 / p for a daily analysis)',
    }),
    significant: Type.Boolean({
      description: 'recurrence_interval_days reaches the alert threshold (SCAN_ALERT_RECURRENCE_DAYS)',
    }),
    cluster_id: Type.Union([Uuid, Type.Null()], {
      description: 'The tracked cluster this is (significant clusters only): the same id across scans',
    }),
    alert_id: Type.Union([Uuid, Type.Null()], {
      description: 'The alert raised when the tracked cluster first became significant',
    }),
    first_detected_at: Type.Union([IsoDateTime, Type.Null()], {
      description: 'When the tracked cluster was first significant',
    }),
  },
  { title: 'ZoneCluster' },
);
export type ZoneCluster = Static<typeof ZoneCluster>;

export const ZoneScan = Type.Object(
  {
    id: Uuid,
    ran_at: IsoDateTime,
    study_start: CalendarDate,
    study_end: CalendarDate,
    days: Type.Integer(),
    resolution: Type.Integer(),
    max_rings: Type.Integer(),
    max_duration_days: Type.Integer(),
    replications: Type.Integer(),
    min_cases: Type.Integer(),
    alert_recurrence_days: Type.Number(),
    total_cases: Type.Integer({ description: 'Cases reported in the study period' }),
    located_cases: Type.Integer({ description: 'Of which with a known cell: the cases scanned' }),
    cells_with_cases: Type.Integer(),
    max_llr: Type.Number(),
    p_value: Type.Number({ description: 'p-value of the most likely cluster (1 when there is none)' }),
    duration_ms: Type.Integer(),
  },
  { title: 'ZoneScan' },
);
export type ZoneScan = Static<typeof ZoneScan>;

export const ZonesQuery = Type.Object(
  {
    significant_only: Type.Optional(
      Type.Boolean({ default: false, description: 'true: only clusters reaching the alert threshold' }),
    ),
  },
  { additionalProperties: false },
);
export type ZonesQuery = Static<typeof ZonesQuery>;

export const ZonesResponse = Type.Object(
  {
    scan: Type.Union([ZoneScan, Type.Null()], { description: 'The latest scan; null before the first one' }),
    clusters: Type.Array(ZoneCluster, { description: 'Clusters of the latest scan (at most 10), most likely first' }),
  },
  { title: 'Zones' },
);
export type ZonesResponse = Static<typeof ZonesResponse>;

export const ExposureWindow = Type.Object({
  start: IsoDateTime,
  end: IsoDateTime,
  cases: Type.Integer({ minimum: 1, description: 'Infectious cases present at some point of this window' }),
});

/** A place where infectious cases were present: no person, no case id. */
export const ExposureSite = Type.Object(
  {
    kind: Type.Union([Type.Literal('cell'), Type.Literal('venue')]),
    place: Type.String({ description: 'H3 cell (kind cell) or venue code (kind venue)' }),
    resolution: Type.Union([Type.Integer(), Type.Null()], { description: 'H3 resolution of a cell; null for a venue' }),
    centre: Type.Union([LatLng, Type.Null()]),
    cases: Type.Integer({ minimum: 1, description: 'Distinct infectious cases present' }),
    first_at: IsoDateTime,
    last_at: IsoDateTime,
    windows: Type.Array(ExposureWindow, {
      description: 'When infectious cases were there (overlapping stays merged), in time order',
    }),
  },
  { title: 'ExposureSite' },
);
export type ExposureSite = Static<typeof ExposureSite>;

export const ExposureSitesQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 40,
        description: 'Only presence after this time (default: 14 days ago)',
      }),
    ),
    until: Type.Optional(
      Type.String({ format: 'date-time', maxLength: 40, description: 'Only presence before this time (default: now)' }),
    ),
    kind: Type.Optional(Type.Union([Type.Literal('cell'), Type.Literal('venue')])),
    resolution: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 15,
        description: 'Coarsen cells to this H3 resolution (at most H3_RESOLUTION)',
      }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ExposureSitesQuery = Static<typeof ExposureSitesQuery>;

export const ExposureSitePage = Type.Object(
  { exposure_sites: Type.Array(ExposureSite), next_cursor: NextCursor },
  { title: 'ExposureSitePage' },
);
export type ExposureSitePage = Static<typeof ExposureSitePage>;
