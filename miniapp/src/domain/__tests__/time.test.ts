import { describe, expect, it } from 'vitest';
import { beijingTime } from '../time';

describe('beijingTime', () => {
  it.each([
    ['2026-11-29T10:56:36.688Z', '2026-11-29 18:56'],
    ['2026-12-31T16:30:00Z', '2027-01-01 00:30'],
    [null, '—'],
    ['not a time', '—'],
  ])('%s → %s', (iso, expected) => {
    expect(beijingTime(iso)).toBe(expected);
  });
});
