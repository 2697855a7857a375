import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  composeExposureNotification,
  describeCell,
  formatDay,
  formatDuration,
  formatLocalTime,
  storedFacts,
  type ExposureFacts,
} from '../../src/modules/notifications/model.js';

const MIN = 60_000;
// 13:05 UTC = 14:05 in Paris (CET, UTC+1) on Tuesday 3 March 2026.
const START = Date.UTC(2026, 2, 3, 13, 5);

function facts(overrides: Partial<ExposureFacts> = {}, main: Partial<ExposureFacts['main']> = {}): ExposureFacts {
  return {
    tier: 'high',
    exposure_date: '2026-03-03',
    total_weighted_minutes: 21.3,
    episodes: 1,
    ...overrides,
    main: {
      contact_kind: 'venue',
      place: 'cafe-de-flore',
      started_at: START,
      ended_at: START + 45 * MIN,
      minutes: 45,
      ...main,
    },
  };
}

const HIGH_ADVICE =
  'Your exposure risk is high: the contact was close enough and long enough that you may have been infected.\n\n' +
  'What to do: stay at home and avoid meeting other people until Tuesday 17 March 2026 (14 days after the exposure). ' +
  'Get tested as soon as you can, and again if symptoms appear. ' +
  'Watch for symptoms such as fever, cough, sore throat, shortness of breath, or loss of taste or smell until Tuesday 17 March 2026; ' +
  'if any appear, report them in the app and call a doctor.';

const MEDIUM_ADVICE =
  'Your exposure risk is medium: you may have been infected, although the contact was shorter or less close than a high-risk one.\n\n' +
  'What to do: watch for symptoms such as fever, cough, sore throat, shortness of breath, or loss of taste or smell until ' +
  'Tuesday 17 March 2026 (14 days after the exposure). Until then, limit close contacts, especially with people at higher risk ' +
  'of severe illness. If symptoms appear, stay at home, get tested and report them in the app.';

describe('composeExposureNotification', () => {
  it('venue, high tier, in the deployment time zone', () => {
    expect(composeExposureNotification(facts(), 'Europe/Paris')).toEqual({
      title: 'High risk: you were exposed on Tuesday 3 March 2026',
      body:
        'On Tuesday 3 March 2026, between 14:05 and 14:50 (Europe/Paris time), you spent 45 minutes at the venue "cafe-de-flore" ' +
        '(where you checked in) at the same time as a person who may have been infectious.\n\n' +
        HIGH_ADVICE,
    });
  });

  it('a registered venue is named, with its code', () => {
    const text = composeExposureNotification(facts({}, { venue_name: 'Café de Flore', place: 'CAFEFLORE1' }), 'UTC');
    expect(text.body.split('\n\n')[0]).toBe(
      'On Tuesday 3 March 2026, between 13:05 and 13:50 (UTC), you spent 45 minutes at "Café de Flore" (venue CAFEFLORE1, where you checked in) ' +
        'at the same time as a person who may have been infectious.',
    );
  });

  it('venue, medium tier, in UTC', () => {
    expect(composeExposureNotification(facts({ tier: 'medium' }), 'UTC')).toEqual({
      title: 'Medium risk: you may have been exposed on Tuesday 3 March 2026',
      body:
        'On Tuesday 3 March 2026, between 13:05 and 13:50 (UTC), you spent 45 minutes at the venue "cafe-de-flore" ' +
        '(where you checked in) at the same time as a person who may have been infectious.\n\n' +
        MEDIUM_ADVICE,
    });
  });

  it('GPS co-location: the H3 cell as an approximate area (centre to ~100 m), several episodes that day', () => {
    const cell = latLngToCell(48.8566, 2.3522, 10);
    expect(
      composeExposureNotification(
        facts(
          { tier: 'medium', episodes: 3 },
          { contact_kind: 'gps', place: cell, ended_at: START + 12 * MIN, minutes: 12 },
        ),
        'UTC',
      ),
    ).toEqual({
      title: 'Medium risk: you may have been exposed on Tuesday 3 March 2026',
      body:
        'On Tuesday 3 March 2026, between 13:05 and 13:17 (UTC), you spent 12 minutes near a person who may have been infectious, ' +
        'in the area around 48.856° N, 2.352° E (within about 100 m).\n\n' +
        'This was the most significant of 3 contacts you had that day; together they make your risk medium.\n\n' +
        MEDIUM_ADVICE,
    });
  });

  it('GPS co-location, high tier, southern and western hemispheres, a coarser cell', () => {
    const cell = latLngToCell(-34.6037, -58.3816, 9);
    const text = composeExposureNotification(
      facts({}, { contact_kind: 'gps', place: cell }),
      'America/Argentina/Buenos_Aires',
    );
    expect(text.body).toBe(
      'On Tuesday 3 March 2026, between 10:05 and 10:50 (America/Argentina/Buenos_Aires time), you spent 45 minutes near a person ' +
        'who may have been infectious, in the area around 34.603° S, 58.381° W (within about 250 m).\n\n' +
        HIGH_ADVICE,
    );
  });

  it('Bluetooth proximity, high tier, across local midnight', () => {
    const start = Date.UTC(2026, 2, 3, 22, 40); // 23:40 in Paris
    const text = composeExposureNotification(
      facts({}, { contact_kind: 'proximity', place: null, started_at: start, ended_at: start + 40 * MIN, minutes: 40 }),
      'Europe/Paris',
    );
    expect(text).toEqual({
      title: 'High risk: you were exposed on Tuesday 3 March 2026',
      body:
        'From 23:40 on Tuesday 3 March 2026 to 00:20 on Wednesday 4 March 2026 (Europe/Paris time), your phone was close to another ' +
        'phone (Bluetooth) for 40 minutes, carried by a person who may have been infectious.\n\n' +
        HIGH_ADVICE,
    });
  });

  it('Bluetooth proximity, medium tier', () => {
    const text = composeExposureNotification(
      facts({ tier: 'medium' }, { contact_kind: 'proximity', place: null, ended_at: START + 95 * MIN, minutes: 95 }),
      'UTC',
    );
    expect(text.body).toBe(
      'On Tuesday 3 March 2026, between 13:05 and 14:40 (UTC), your phone was close to another phone (Bluetooth) for 1 hour 35 minutes, ' +
        'carried by a person who may have been infectious.\n\n' +
        MEDIUM_ADVICE,
    );
  });

  it('falls back to plain words when the place is unknown or not a cell', () => {
    expect(composeExposureNotification(facts({}, { place: null }), 'UTC').body.split('\n')[0]).toBe(
      'On Tuesday 3 March 2026, between 13:05 and 13:50 (UTC), you spent 45 minutes at a venue at the same time as a person who may have been infectious.',
    );
    expect(
      composeExposureNotification(facts({}, { contact_kind: 'gps', place: 'not-a-cell' }), 'UTC').body.split('\n')[0],
    ).toBe(
      'On Tuesday 3 March 2026, between 13:05 and 13:50 (UTC), you spent 45 minutes near a person who may have been infectious.',
    );
  });

  it('the end of the watch period crosses months and years correctly', () => {
    const text = composeExposureNotification(
      facts(
        { exposure_date: '2025-12-25' },
        { started_at: Date.UTC(2025, 11, 25, 9), ended_at: Date.UTC(2025, 11, 25, 10), minutes: 60 },
      ),
      'UTC',
    );
    expect(text.title).toBe('High risk: you were exposed on Thursday 25 December 2025');
    expect(text.body).toContain('between 09:00 and 10:00 (UTC), you spent 1 hour at the venue');
    expect(text.body).toContain('until Thursday 8 January 2026 (14 days after the exposure)');
  });

  it('never describes the source person, whatever else the caller passes along', () => {
    const leaky = {
      ...facts(),
      source_user_id: '5b0c2c7e-3a3f-4a51-9d5c-0c8f7d1f2b11',
      source_name: 'Ada Lovelace',
      report_type: 'confirmed_test',
      case_id: 'd3b07384-d9a0-4c9b-8a3e-1f2b3c4d5e6f',
    } as ExposureFacts;
    for (const kind of ['venue', 'gps', 'proximity'] as const) {
      for (const tier of ['medium', 'high'] as const) {
        const { title, body } = composeExposureNotification(
          { ...leaky, tier, main: { ...leaky.main, contact_kind: kind } },
          'UTC',
        );
        const text = `${title}\n${body}`;
        expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
        expect(text).not.toMatch(/Ada|Lovelace|confirm|positive|diagnos|self-report|case/i);
      }
    }
    expect(JSON.stringify(storedFacts(leaky))).not.toMatch(/source|Ada|report_type|case_id/);
    expect(storedFacts(leaky)).toEqual(facts());
  });

  it('refuses facts it cannot describe', () => {
    expect(() => composeExposureNotification(facts({ tier: 'low' as 'high' }), 'UTC')).toThrow(RangeError);
    expect(() => composeExposureNotification(facts({ exposure_date: '2026-02-30' }), 'UTC')).toThrow(RangeError);
    expect(() => composeExposureNotification(facts({}, { ended_at: START - 1 }), 'UTC')).toThrow(RangeError);
    expect(() => composeExposureNotification(facts(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('text building blocks', () => {
  it('formats days, local times, durations and cells', () => {
    expect(formatDay('1970-01-01')).toBe('Thursday 1 January 1970');
    expect(formatDay('2024-02-29')).toBe('Thursday 29 February 2024');
    expect(formatDay('1969-12-31')).toBe('Wednesday 31 December 1969');
    // Summer time in Paris (UTC+2) and New York (UTC−4).
    expect(formatLocalTime(Date.UTC(2026, 6, 1, 6, 7, 59), 'Europe/Paris')).toBe('08:07');
    expect(formatLocalTime(Date.UTC(2026, 6, 1, 2, 0), 'America/New_York')).toBe('22:00');
    expect(formatDuration(0.4)).toBe('less than a minute');
    expect(formatDuration(1)).toBe('1 minute');
    expect(formatDuration(59.6)).toBe('1 hour');
    expect(formatDuration(61)).toBe('1 hour 1 minute');
    expect(formatDuration(150)).toBe('2 hours 30 minutes');
    expect(describeCell(latLngToCell(51.5007, -0.1246, 10))).toBe('51.501° N, 0.125° W (within about 100 m)');
    expect(describeCell('zzz')).toBeNull();
  });
});
