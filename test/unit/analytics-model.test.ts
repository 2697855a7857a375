import { describe, expect, it } from 'vitest';
import {
  consecutiveRuns,
  daysBetween,
  indicatorsAt,
  notificationOutcomes,
  parseSerialIntervalList,
  ratio,
  suppressionMask,
  weekStartOf,
} from '../../src/modules/analytics/model.js';

describe('daily indicators (7-day average, week-on-week growth rate, doubling time)', () => {
  it('a week of 1 a day followed by a week of 2 a day: average 2, r = ln 2 / 7, doubling in exactly 7 days', () => {
    const series = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2];
    const day = indicatorsAt(series, 13);
    expect(day.cases_7day_avg).toBe(2);
    expect(day.growth_rate).toBe(Math.log(14 / 7) / 7);
    expect(day.growth_rate).toBeCloseTo(0.0990210257942779, 15);
    expect(day.doubling_time_days).toBeCloseTo(7, 12);
  });

  it('mid-series: this week and the week before are the 7 days ending on the day and the 7 before those', () => {
    // Day 10: this week = days 4..10 = 1+1+1+2+2+2+2 = 11 (series below), last week = days 0..3 (+ 3 days before 0) =
    // 4.
    const series = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2];
    const day = indicatorsAt(series, 10);
    expect(day.cases_7day_avg).toBe(11 / 7);
    expect(day.growth_rate).toBe(Math.log(11 / 4) / 7);
    expect(day.doubling_time_days).toBe(Math.LN2 / (Math.log(11 / 4) / 7));
  });

  it('a shrinking epidemic has a negative growth rate and no doubling time', () => {
    const series = [4, 4, 4, 4, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1];
    const day = indicatorsAt(series, 13);
    expect(day.cases_7day_avg).toBe(1);
    expect(day.growth_rate).toBe(Math.log(7 / 28) / 7);
    expect(day.growth_rate).toBeCloseTo(-0.198042051588556, 14);
    expect(day.doubling_time_days).toBeNull();
  });

  it('no growth rate when either week has no case; a flat epidemic has r = 0 and no doubling time', () => {
    expect(indicatorsAt([0, 0, 0, 0, 0, 0, 0, 3], 7)).toEqual({
      cases_7day_avg: 3 / 7,
      growth_rate: null,
      doubling_time_days: null,
    });
    expect(indicatorsAt([3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 13)).toEqual({
      cases_7day_avg: 0,
      growth_rate: null,
      doubling_time_days: null,
    });
    expect(indicatorsAt([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 13)).toEqual({
      cases_7day_avg: 1,
      growth_rate: 0,
      doubling_time_days: null,
    });
    // Days before the series count as zero cases.
    expect(indicatorsAt([5], 0)).toEqual({ cases_7day_avg: 5 / 7, growth_rate: null, doubling_time_days: null });
  });

  it('ratios are null without a denominator', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(0, 4)).toBe(0);
    expect(ratio(3, 0)).toBeNull();
  });
});

describe('notification outcomes', () => {
  const H = 3_600_000;
  const D = 24 * H;
  const t0 = Date.parse('2024-03-10T09:00:00Z');
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('counts people once per tier on the day of their first notification, and those who became cases within the follow-up', () => {
    const notifications = [
      { user_id: 'a', tier: 'high' as const, created_at: t0 },
      { user_id: 'a', tier: 'high' as const, created_at: t0 + 2 * D }, // a second high notification: a is counted once
      { user_id: 'b', tier: 'high' as const, created_at: t0 + H },
      { user_id: 'c', tier: 'medium' as const, created_at: t0 },
      { user_id: 'c', tier: 'high' as const, created_at: t0 + D }, // c rose to high the next day: counted in both tiers
      { user_id: 'd', tier: 'medium' as const, created_at: t0 },
      { user_id: 'e', tier: 'medium' as const, created_at: t0 },
    ];
    const cases = [
      { user_id: 'a', created_at: t0 + 3 * D }, // became a case 3 days after the first notification
      { user_id: 'b', created_at: t0 - D }, // already a case before the notification: not "became"
      { user_id: 'c', created_at: t0 + 5 * D }, // within 14 days of both of c's first notifications
      { user_id: 'd', created_at: t0 + 15 * D }, // too late: beyond the 14-day follow-up
      { user_id: 'z', created_at: t0 }, // never notified
    ];
    expect(notificationOutcomes(notifications, cases, dayOf)).toEqual([
      { day: '2024-03-10', tier: 'high', notified: 2, became_cases: 1 },
      { day: '2024-03-10', tier: 'medium', notified: 3, became_cases: 1 },
      { day: '2024-03-11', tier: 'high', notified: 1, became_cases: 1 },
    ]);
    // With a 30-day follow-up d counts too.
    expect(notificationOutcomes(notifications, cases, dayOf, 30).find((o) => o.tier === 'medium')).toEqual({
      day: '2024-03-10',
      tier: 'medium',
      notified: 3,
      became_cases: 2,
    });
  });

  it('a case exactly at the end of the follow-up counts; one at the very moment of the notification does not', () => {
    const notifications = [
      { user_id: 'a', tier: 'high' as const, created_at: t0 },
      { user_id: 'b', tier: 'high' as const, created_at: t0 },
    ];
    const cases = [
      { user_id: 'a', created_at: t0 + 14 * D },
      { user_id: 'b', created_at: t0 },
    ];
    expect(notificationOutcomes(notifications, cases, dayOf)).toEqual([
      { day: '2024-03-10', tier: 'high', notified: 2, became_cases: 1 },
    ]);
    expect(notificationOutcomes([], cases, dayOf)).toEqual([]);
  });
});

describe('small-count suppression', () => {
  it('suppresses 1..k-1 and never 0 or k', () => {
    expect(suppressionMask([0, 5, 6, 100], 5)).toEqual([false, false, false, false]);
    expect(suppressionMask([4, 5], 5)).toEqual([true, true]); // 4 alone could be worked out from a total: 5 goes too
    expect(suppressionMask([1, 4, 9], 5)).toEqual([true, true, false]); // hidden 1 + 4 = 5 = k: enough
  });

  it('suppresses the smallest shown counts too until the suppressed ones add up to k', () => {
    expect(suppressionMask([0, 3, 7, 10], 5)).toEqual([false, true, true, false]);
    expect(suppressionMask([6, 2, 2], 5)).toEqual([true, true, true]);
    expect(suppressionMask([8, 3, 8], 5)).toEqual([true, true, false]); // on a tie, the first
    expect(suppressionMask([2, 1, 1], 5)).toEqual([true, true, true]); // everything small: all hidden, nothing else to hide
    expect(suppressionMask([3, 0, 0], 5)).toEqual([true, false, false]); // zeros stay shown
    expect(suppressionMask([], 5)).toEqual([]);
  });

  it('k = 2 hides single cases only (with their complement)', () => {
    expect(suppressionMask([1, 2, 3], 2)).toEqual([true, true, false]);
    expect(suppressionMask([2, 2], 2)).toEqual([false, false]);
  });
});

describe('calendar helpers', () => {
  it('weeks start on Monday', () => {
    expect(weekStartOf('2024-01-01')).toBe('2024-01-01'); // a Monday
    expect(weekStartOf('2024-01-07')).toBe('2024-01-01'); // Sunday
    expect(weekStartOf('2024-01-08')).toBe('2024-01-08');
    expect(weekStartOf('1970-01-01')).toBe('1969-12-29'); // a Thursday
    expect(weekStartOf('1969-12-28')).toBe('1969-12-22'); // before day 0
    expect(weekStartOf('2009-04-27')).toBe('2009-04-27');
  });

  it('lists days and groups them into runs', () => {
    expect(daysBetween('2024-02-27', '2024-03-02')).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
      '2024-03-02',
    ]);
    expect(daysBetween('2024-03-02', '2024-03-01')).toEqual([]);
    expect(
      consecutiveRuns(['2024-03-03', '2024-02-29', '2024-03-01', '2024-03-01', '2024-03-05', '2024-03-04']),
    ).toEqual([
      ['2024-02-29', '2024-03-01'],
      ['2024-03-03', '2024-03-05'],
    ]);
    expect(consecutiveRuns([])).toEqual([]);
  });
});

describe('si_distr parsing', () => {
  it('reads a comma-separated distribution', () => {
    expect(parseSerialIntervalList('0,0.233,0.359,.198,1e-3', 366)).toEqual([0, 0.233, 0.359, 0.198, 0.001]);
  });

  it('says what is wrong', () => {
    expect(parseSerialIntervalList('0,0.5,abc', 366)).toBe('entry 2 ("abc") is not a number');
    expect(parseSerialIntervalList('0,,1', 366)).toBe('entry 1 ("") is not a number');
    expect(parseSerialIntervalList('0,1-2', 366)).toBe('entry 1 ("1-2") is not a number');
    expect(parseSerialIntervalList('0,0.5,0.5', 2)).toBe('has 3 entries; at most 2 are allowed');
  });
});
