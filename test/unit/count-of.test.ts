import { describe, expect, it } from 'vitest';
import { countOf } from '../../web/shared/format.js';

describe('countOf', () => {
  it('puts the noun in the number its count needs', () => {
    expect(countOf(1, 'day', 'days')).toBe('1 day');
    expect(countOf(0, 'day', 'days')).toBe('0 days');
    expect(countOf(1000, 'day', 'days')).toBe('1000 days');
    expect(countOf(2, 'cell', 'cells')).toBe('2 cells');
  });
});
