import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  businessDateOf,
  daysBetween,
  fromDayNumber,
  isBusinessDate,
  monthlyDueDates,
  startOfBusinessDateIso,
  toDayNumber,
} from '../index';

describe('business dates in Asia/Shanghai', () => {
  it('an instant maps to its Shanghai calendar day (UTC+8): 15:59:59Z is still the same day, 16:00Z is the next', () => {
    expect(businessDateOf('2026-03-01T15:59:59.999Z')).toBe('2026-03-01');
    expect(businessDateOf('2026-03-01T16:00:00Z')).toBe('2026-03-02');
    expect(businessDateOf(Date.UTC(2026, 11, 31, 16))).toBe('2027-01-01');
    expect(startOfBusinessDateIso('2026-03-02')).toBe('2026-03-01T16:00:00.000Z');
  });

  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-01-31', 2, '2026-03-31'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-05-31', -3, '2026-02-28'],
    ['2026-08-30', 6, '2027-02-28'],
  ])('%s + %i month(s) = %s (month-end rule)', (d, m, out) => {
    expect(addMonths(d, m)).toBe(out);
  });

  it('monthly due dates anchor on the start day: Jan 31 → Feb 28, Mar 31, Apr 30', () => {
    expect(monthlyDueDates('2026-01-31', 3)).toEqual(['2026-02-28', '2026-03-31', '2026-04-30']);
  });

  it('validates real calendar days only', () => {
    expect(isBusinessDate('2026-02-29')).toBe(false);
    expect(isBusinessDate('2028-02-29')).toBe(true);
    expect(isBusinessDate('2026-2-1')).toBe(false);
  });

  it('day numbers round-trip and agree with Date.UTC; addDays / daysBetween are inverse', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5_000, max: 200_000 }),
        fc.integer({ min: -5000, max: 5000 }),
        (day, delta) => {
          const d = fromDayNumber(day);
          expect(toDayNumber(d)).toBe(day);
          expect(new Date(day * 86_400_000).toISOString().slice(0, 10)).toBe(d);
          expect(daysBetween(d, addDays(d, delta))).toBe(delta);
        },
      ),
    );
  });
});
