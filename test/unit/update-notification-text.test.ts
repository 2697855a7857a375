import { describe, expect, it } from 'vitest';
import {
  composeUpdateNotification,
  storedUpdateFacts,
  type UpdateFacts,
} from '../../src/modules/notifications/model.js';

const fell = (overrides: Partial<UpdateFacts>): UpdateFacts => ({
  cause: 'negative_test',
  exposure_date: '2026-03-03',
  previous_tier: 'high',
  tier: 'low',
  total_weighted_minutes: 0,
  episodes: 0,
  ...overrides,
});

describe('update notification text', () => {
  it('a revoked case after a negative test: the exposure no longer counts, no longer at risk', () => {
    expect(composeUpdateNotification(fell({}))).toEqual({
      title: 'Update: your exposure on Tuesday 3 March 2026 no longer counts',
      body:
        'A person you were near has since tested negative: your exposure on Tuesday 3 March 2026 no longer counts. ' +
        'Your risk for that day is now low: you are no longer at risk from that day.\n\n' +
        'What to do: you no longer need to take the precautions the high-risk notification for that day asked for, ' +
        'unless another notification asks you to. If you have symptoms, still report them in the app and get tested.',
    });
  });

  it('a case entered in error, from medium', () => {
    expect(composeUpdateNotification(fell({ cause: 'entered_in_error', previous_tier: 'medium' }))).toEqual({
      title: 'Update: your exposure on Tuesday 3 March 2026 no longer counts',
      body:
        'A person you were near was reported in error: your exposure on Tuesday 3 March 2026 no longer counts. ' +
        'Your risk for that day is now low: you are no longer at risk from that day.\n\n' +
        'What to do: you no longer need to take the precautions the medium-risk notification for that day asked for, ' +
        'unless another notification asks you to. If you have symptoms, still report them in the app and get tested.',
    });
  });

  it('corrected dates that leave part of the day: high to medium, with the medium advice until 14 days after', () => {
    expect(
      composeUpdateNotification(fell({ cause: 'corrected', tier: 'medium', total_weighted_minutes: 7.5, episodes: 1 })),
    ).toEqual({
      title: 'Update: your risk for Tuesday 3 March 2026 is now medium',
      body:
        'The report of a person you were near has been corrected: part of your exposure on Tuesday 3 March 2026 no ' +
        'longer counts. Your risk for that day is now medium (it was high).\n\n' +
        'What to do: you no longer need to stay at home because of that day. Watch for symptoms such as fever, cough, ' +
        'sore throat, shortness of breath, or loss of taste or smell until Tuesday 17 March 2026 (14 days after the ' +
        'exposure), and limit close contacts until then. If symptoms appear, stay at home, get tested and report them ' +
        'in the app.',
    });
  });

  it('refuses facts that are not a fall, and keeps only the known facts', () => {
    expect(() => composeUpdateNotification(fell({ tier: 'medium', previous_tier: 'medium' }))).toThrow(RangeError);
    expect(() => composeUpdateNotification(fell({ tier: 'high' as 'medium' }))).toThrow(RangeError);
    expect(() => composeUpdateNotification(fell({ exposure_date: '2026-02-30' }))).toThrow(RangeError);
    expect(() => composeUpdateNotification(fell({ cause: 'who knows' as 'corrected' }))).toThrow(RangeError);
    expect(storedUpdateFacts({ ...fell({}), source_user_id: 'x' } as UpdateFacts)).toEqual({
      kind: 'update',
      cause: 'negative_test',
      exposure_date: '2026-03-03',
      previous_tier: 'high',
      tier: 'low',
      total_weighted_minutes: 0,
      episodes: 0,
      main: null,
    });
  });
});
