import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, datesAfter, shanghaiDate, shanghaiMidnight } from '../clock';

describe('business dates in Asia/Shanghai', () => {
  it('16:00 UTC is already the next day in Shanghai', () => {
    expect(shanghaiDate(new Date('2026-11-28T15:59:59Z'))).toBe('2026-11-28');
    expect(shanghaiDate(new Date('2026-11-28T16:00:00Z'))).toBe('2026-11-29');
    expect(shanghaiMidnight('2026-11-29').toISOString()).toBe('2026-11-28T16:00:00.000Z');
  });
  it('midnight of a date maps back to that date, and dates are consecutive (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 60 }), (dayNo, span) => {
        const d = new Date(Date.UTC(2000, 0, 1) + dayNo * 86_400_000).toISOString().slice(0, 10);
        const list = datesAfter(d, addDays(d, span));
        return (
          shanghaiDate(shanghaiMidnight(d)) === d &&
          list.length === span &&
          (span === 0 || list[0] === addDays(d, 1))
        );
      }),
    );
  });
});
