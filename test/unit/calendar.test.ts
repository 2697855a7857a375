import { describe, expect, it } from 'vitest';
import {
  MS_PER_HOUR,
  addDays,
  assertDay,
  assertTimeZone,
  calendarDay,
  dayDifference,
  dayFromNumber,
  dayLengthMs,
  dayNumber,
  isValidDay,
  isValidTimeZone,
  splitIntervalByDay,
  startOfDay,
  utcOffsetMs,
} from '../../src/platform/time/calendar.js';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

describe('calendarDay', () => {
  it('gives the local date of an instant in the zone', () => {
    const instant = at('2024-03-14T23:30:00Z');
    expect(calendarDay(instant, 'UTC')).toBe('2024-03-14');
    expect(calendarDay(instant, 'Europe/Paris')).toBe('2024-03-15'); // 00:30 CET
    expect(calendarDay(instant, 'America/New_York')).toBe('2024-03-14'); // 19:30 EDT
    expect(calendarDay(at('2024-03-14T18:29:59Z'), 'Asia/Kolkata')).toBe('2024-03-14'); // 23:59:59 IST (+05:30)
    expect(calendarDay(at('2024-03-14T18:30:00Z'), 'Asia/Kolkata')).toBe('2024-03-15');
    expect(calendarDay(at('2024-03-14T10:00:00Z'), 'Pacific/Kiritimati')).toBe('2024-03-15'); // +14
    expect(calendarDay(at('2024-03-14T10:00:00Z'), 'Pacific/Pago_Pago')).toBe('2024-03-13'); // −11
  });

  it('switches day exactly at local midnight', () => {
    expect(calendarDay(at('2024-07-01T21:59:59.999Z'), 'Europe/Paris')).toBe('2024-07-01'); // 23:59:59.999 CEST
    expect(calendarDay(at('2024-07-01T22:00:00Z'), 'Europe/Paris')).toBe('2024-07-02');
    expect(calendarDay(at('2024-01-01T00:00:00Z'), 'UTC')).toBe('2024-01-01');
    expect(calendarDay(at('2023-12-31T23:59:59.999Z'), 'UTC')).toBe('2023-12-31');
  });

  it('works for instants before 1970 and in far years', () => {
    expect(calendarDay(at('1969-12-31T23:59:59Z'), 'UTC')).toBe('1969-12-31');
    expect(calendarDay(at('1900-03-01T12:00:00Z'), 'Europe/Paris')).toBe('1900-03-01');
    expect(calendarDay(at('2400-02-29T12:00:00Z'), 'America/New_York')).toBe('2400-02-29');
  });

  it('agrees with startOfDay on many instants in zones with DST and odd offsets', () => {
    const zones = [
      'UTC',
      'Europe/Paris',
      'America/New_York',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'America/Santiago',
    ];
    const mismatches: string[] = [];
    for (let t = at('2023-01-01T00:00:00Z'); t < at('2025-01-01T00:00:00Z'); t += 7 * MS_PER_HOUR + 12_345) {
      for (const zone of zones) {
        const day = calendarDay(t, zone);
        if (!(startOfDay(day, zone) <= t && t < startOfDay(addDays(day, 1), zone))) {
          mismatches.push(`${zone} ${new Date(t).toISOString()} ${day}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('rejects invalid instants and time zones with clear errors', () => {
    expect(() => calendarDay(Number.NaN, 'UTC')).toThrow(/epochMs must be a finite epoch time/);
    expect(() => calendarDay(Number.POSITIVE_INFINITY, 'UTC')).toThrow(RangeError);
    expect(() => calendarDay(0, 'Europe/Pariss')).toThrow(
      'time zone must be an IANA time-zone name such as "UTC" or "Europe/Paris", got "Europe/Pariss"',
    );
    expect(() => calendarDay(0, '')).toThrow(RangeError);
  });
});

describe('utcOffsetMs', () => {
  it('gives the offset in force at an instant', () => {
    expect(utcOffsetMs(at('2024-01-15T12:00:00Z'), 'Europe/Paris')).toBe(1 * MS_PER_HOUR);
    expect(utcOffsetMs(at('2024-07-15T12:00:00Z'), 'Europe/Paris')).toBe(2 * MS_PER_HOUR);
    expect(utcOffsetMs(at('2024-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * MS_PER_HOUR);
    expect(utcOffsetMs(at('2024-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * MS_PER_HOUR);
    expect(utcOffsetMs(at('2024-07-15T12:00:00Z'), 'UTC')).toBe(0);
  });
});

describe('time-zone validation', () => {
  it('accepts IANA names and rejects the rest', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('Europe/Pariss')).toBe(false);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
    expect(isValidTimeZone(undefined)).toBe(false);
  });

  it('assertTimeZone names what is wrong', () => {
    expect(() => assertTimeZone('Europe/Paris')).not.toThrow();
    expect(() => assertTimeZone('Nowhere/Atlantis', 'DEPLOYMENT_TIME_ZONE')).toThrow(
      'DEPLOYMENT_TIME_ZONE must be an IANA time-zone name such as "UTC" or "Europe/Paris", got "Nowhere/Atlantis"',
    );
    expect(() => assertTimeZone(null)).toThrow(/got null/);
  });
});

describe('day strings', () => {
  it('validates real calendar dates only', () => {
    expect(isValidDay('2024-02-29')).toBe(true); // leap year
    expect(isValidDay('2000-02-29')).toBe(true); // divisible by 400
    expect(isValidDay('1900-02-29')).toBe(false); // divisible by 100
    expect(isValidDay('2023-02-29')).toBe(false);
    expect(isValidDay('2024-04-31')).toBe(false);
    expect(isValidDay('2024-13-01')).toBe(false);
    expect(isValidDay('2024-00-10')).toBe(false);
    expect(isValidDay('2024-1-01')).toBe(false);
    expect(isValidDay('2024-01-01T00:00:00Z')).toBe(false);
    expect(isValidDay('0000-01-01')).toBe(false);
    expect(isValidDay(20240101)).toBe(false);
    expect(() => assertDay('2024-02-30', 'onsetDay')).toThrow(
      'onsetDay must be a calendar date written YYYY-MM-DD (years 0001-9999), got "2024-02-30"',
    );
  });

  it('numbers days from 1970-01-01', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('1969-12-31')).toBe(-1);
    expect(dayNumber('2024-03-14')).toBe(19_796);
    expect(dayFromNumber(19_796)).toBe('2024-03-14');
    expect(dayFromNumber(dayNumber('0001-01-01'))).toBe('0001-01-01');
    expect(dayFromNumber(dayNumber('9999-12-31'))).toBe('9999-12-31');
    expect(() => dayFromNumber(dayNumber('9999-12-31') + 1)).toThrow(RangeError);
  });

  it('agrees with Date for every 7th day over four centuries', () => {
    const mismatches: number[] = [];
    for (let n = dayNumber('1800-01-01'); n < dayNumber('2200-01-01'); n += 7) {
      const day = dayFromNumber(n);
      if (day !== new Date(n * 86_400_000).toISOString().slice(0, 10) || dayNumber(day) !== n) mismatches.push(n);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('dayDifference', () => {
  it('is a − b in whole calendar days', () => {
    expect(dayDifference('2024-03-14', '2024-03-14')).toBe(0);
    expect(dayDifference('2024-03-15', '2024-03-14')).toBe(1);
    expect(dayDifference('2024-03-10', '2024-03-14')).toBe(-4);
    expect(dayDifference('2024-03-01', '2024-02-28')).toBe(2); // leap day in between
    expect(dayDifference('2023-03-01', '2023-02-28')).toBe(1);
    expect(dayDifference('2025-01-01', '2024-01-01')).toBe(366);
    expect(dayDifference('2024-01-02', '2023-12-30')).toBe(3);
  });

  it('is unaffected by DST transitions (days of 23 and 25 hours)', () => {
    expect(dayDifference('2024-04-01', '2024-03-31')).toBe(1);
    expect(dayDifference('2024-03-31', '2024-03-30')).toBe(1);
    expect(dayDifference('2024-10-28', '2024-10-26')).toBe(2);
    expect(dayDifference('2024-11-04', '2024-03-09')).toBe(240);
  });

  it('rejects malformed days', () => {
    expect(() => dayDifference('2024-3-14', '2024-03-14')).toThrow(/YYYY-MM-DD/);
  });
});

describe('addDays', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(addDays('2024-03-14', 0)).toBe('2024-03-14');
    expect(addDays('2024-03-14', 5)).toBe('2024-03-19');
    expect(addDays('2024-03-14', -4)).toBe('2024-03-10');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-03-30', 2)).toBe('2024-04-01'); // over the Paris DST change: still 2 days
    expect(addDays('2024-01-01', 366)).toBe('2025-01-01');
  });

  it('rejects non-integer offsets', () => {
    expect(() => addDays('2024-03-14', 1.5)).toThrow('addDays: n must be an integer, got 1.5');
    expect(() => addDays('2024-03-14', Number.NaN)).toThrow(RangeError);
  });
});

describe('startOfDay', () => {
  it('gives local midnight as an instant', () => {
    expect(startOfDay('2024-03-14', 'UTC')).toBe(at('2024-03-14T00:00:00Z'));
    expect(startOfDay('2024-01-15', 'Europe/Paris')).toBe(at('2024-01-14T23:00:00Z')); // CET +1
    expect(startOfDay('2024-07-15', 'Europe/Paris')).toBe(at('2024-07-14T22:00:00Z')); // CEST +2
    expect(startOfDay('2024-07-15', 'Asia/Kolkata')).toBe(at('2024-07-14T18:30:00Z'));
    expect(startOfDay('2024-07-15', 'America/New_York')).toBe(at('2024-07-15T04:00:00Z'));
  });

  it('is right on DST transition days', () => {
    // Paris: clocks go 02:00 → 03:00 on 2024-03-31 and 03:00 → 02:00 on 2024-10-27 (not at midnight).
    expect(startOfDay('2024-03-31', 'Europe/Paris')).toBe(at('2024-03-30T23:00:00Z'));
    expect(startOfDay('2024-04-01', 'Europe/Paris')).toBe(at('2024-03-31T22:00:00Z'));
    expect(startOfDay('2024-10-27', 'Europe/Paris')).toBe(at('2024-10-26T22:00:00Z'));
    expect(startOfDay('2024-10-28', 'Europe/Paris')).toBe(at('2024-10-27T23:00:00Z'));
  });

  it('handles zones whose clocks change at midnight', () => {
    // America/Santiago 2024-09-08: 00:00 (−04) becomes 01:00 (−03); local midnight does not exist,
    // the day starts at 01:00 −03 = 04:00Z.
    expect(startOfDay('2024-09-08', 'America/Santiago')).toBe(at('2024-09-08T04:00:00Z'));
    expect(calendarDay(at('2024-09-08T03:59:59Z'), 'America/Santiago')).toBe('2024-09-07');
    // 2024-04-07: 00:00 (−03) goes back to 23:00 (−04) on the 6th; the 7th starts at 00:00 −04 = 04:00Z.
    expect(startOfDay('2024-04-07', 'America/Santiago')).toBe(at('2024-04-07T04:00:00Z'));
    expect(startOfDay('2024-04-06', 'America/Santiago')).toBe(at('2024-04-06T03:00:00Z'));
  });

  it('gives a skipped day zero length (Samoa skipped 2011-12-30)', () => {
    expect(startOfDay('2011-12-30', 'Pacific/Apia')).toBe(at('2011-12-30T10:00:00Z'));
    expect(startOfDay('2011-12-31', 'Pacific/Apia')).toBe(at('2011-12-30T10:00:00Z'));
    expect(dayLengthMs('2011-12-30', 'Pacific/Apia')).toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => startOfDay('2024-02-30', 'UTC')).toThrow(/YYYY-MM-DD/);
    expect(() => startOfDay('2024-02-03', 'Europe/Pariss')).toThrow(/IANA time-zone name/);
  });
});

describe('dayLengthMs', () => {
  it('is 23 hours when clocks spring forward and 25 when they fall back', () => {
    expect(dayLengthMs('2024-03-31', 'Europe/Paris')).toBe(23 * MS_PER_HOUR);
    expect(dayLengthMs('2024-10-27', 'Europe/Paris')).toBe(25 * MS_PER_HOUR);
    expect(dayLengthMs('2024-06-01', 'Europe/Paris')).toBe(24 * MS_PER_HOUR);
    expect(dayLengthMs('2024-03-10', 'America/New_York')).toBe(23 * MS_PER_HOUR);
    expect(dayLengthMs('2024-11-03', 'America/New_York')).toBe(25 * MS_PER_HOUR);
    expect(dayLengthMs('2024-09-08', 'America/Santiago')).toBe(23 * MS_PER_HOUR);
    expect(dayLengthMs('2024-04-06', 'America/Santiago')).toBe(25 * MS_PER_HOUR);
    expect(dayLengthMs('2024-10-06', 'Australia/Lord_Howe')).toBe(23.5 * MS_PER_HOUR); // 30-minute DST
    expect(dayLengthMs('2024-03-31', 'UTC')).toBe(24 * MS_PER_HOUR);
  });
});

describe('splitIntervalByDay', () => {
  it('splits 23:30–00:30 in Europe/Paris into two days of 30 minutes', () => {
    // 2024-03-11 23:30 CET = 22:30Z; 2024-03-12 00:30 CET = 23:30Z
    const pieces = splitIntervalByDay(at('2024-03-11T22:30:00Z'), at('2024-03-11T23:30:00Z'), 'Europe/Paris');
    expect(pieces).toEqual([
      { day: '2024-03-11', startMs: at('2024-03-11T22:30:00Z'), endMs: at('2024-03-11T23:00:00Z'), minutes: 30 },
      { day: '2024-03-12', startMs: at('2024-03-11T23:00:00Z'), endMs: at('2024-03-11T23:30:00Z'), minutes: 30 },
    ]);
    // The same instants are one day in UTC.
    expect(splitIntervalByDay(at('2024-03-11T22:30:00Z'), at('2024-03-11T23:30:00Z'), 'UTC')).toEqual([
      { day: '2024-03-11', startMs: at('2024-03-11T22:30:00Z'), endMs: at('2024-03-11T23:30:00Z'), minutes: 60 },
    ]);
  });

  it('keeps an interval inside one day whole, and an empty interval gives no piece', () => {
    const start = at('2024-03-11T08:00:00Z');
    expect(splitIntervalByDay(start, start + 45 * 60_000, 'Europe/Paris')).toEqual([
      { day: '2024-03-11', startMs: start, endMs: start + 45 * 60_000, minutes: 45 },
    ]);
    expect(splitIntervalByDay(start, start, 'Europe/Paris')).toEqual([]);
  });

  it('ends exactly at midnight without an empty piece', () => {
    const pieces = splitIntervalByDay(at('2024-03-11T22:00:00Z'), at('2024-03-11T23:00:00Z'), 'Europe/Paris');
    expect(pieces).toHaveLength(1);
    expect(pieces[0]?.day).toBe('2024-03-11');
    expect(pieces[0]?.minutes).toBe(60);
  });

  it('gives a 23-hour middle piece over the spring-forward day', () => {
    // 2024-03-30 12:00 CET (11:00Z) to 2024-04-01 12:00 CEST (10:00Z)
    const pieces = splitIntervalByDay(at('2024-03-30T11:00:00Z'), at('2024-04-01T10:00:00Z'), 'Europe/Paris');
    expect(pieces.map((p) => [p.day, p.minutes / 60])).toEqual([
      ['2024-03-30', 12],
      ['2024-03-31', 23],
      ['2024-04-01', 12],
    ]);
  });

  it('gives a 25-hour middle piece over the fall-back day', () => {
    // 2024-11-02 12:00 EDT (16:00Z) to 2024-11-04 12:00 EST (17:00Z)
    const pieces = splitIntervalByDay(at('2024-11-02T16:00:00Z'), at('2024-11-04T17:00:00Z'), 'America/New_York');
    expect(pieces.map((p) => [p.day, p.minutes / 60])).toEqual([
      ['2024-11-02', 12],
      ['2024-11-03', 25],
      ['2024-11-04', 12],
    ]);
  });

  it('never yields a skipped day', () => {
    const pieces = splitIntervalByDay(at('2011-12-29T20:00:00Z'), at('2011-12-30T20:00:00Z'), 'Pacific/Apia');
    expect(pieces.map((p) => [p.day, p.minutes / 60])).toEqual([
      ['2011-12-29', 14],
      ['2011-12-31', 10],
    ]);
  });

  it('pieces are contiguous and add up to the interval', () => {
    const start = at('2024-03-29T17:17:17.250Z');
    const end = at('2024-04-03T05:05:05.500Z');
    const pieces = splitIntervalByDay(start, end, 'Europe/Paris');
    expect(pieces).toHaveLength(6);
    expect(pieces[0]?.startMs).toBe(start);
    expect(pieces.at(-1)?.endMs).toBe(end);
    for (let i = 1; i < pieces.length; i += 1) expect(pieces[i]?.startMs).toBe(pieces[i - 1]?.endMs);
    expect(pieces.reduce((sum, p) => sum + (p.endMs - p.startMs), 0)).toBe(end - start);
  });

  it('rejects reversed intervals and unknown zones', () => {
    expect(() => splitIntervalByDay(2_000, 1_000, 'UTC')).toThrow(
      'interval ends before it starts (startMs 2000, endMs 1000)',
    );
    expect(() => splitIntervalByDay(1_000, 2_000, 'Europe/Pariss')).toThrow(/IANA/);
    expect(() => splitIntervalByDay(Number.NaN, 2_000, 'UTC')).toThrow(/startMs/);
  });
});
