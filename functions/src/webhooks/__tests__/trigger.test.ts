import { describe, expect, it } from 'vitest';
import { triggerPlan } from '../trigger';

describe('triggerPlan', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const at = (s: number) => new Date(now.getTime() + s * 1000);
  const row = (id: string, status: string, nextS: number, lockedS: number | null) => ({
    id,
    status,
    nextAttemptAt: at(nextS),
    lockedUntil: lockedS === null ? null : at(lockedS),
  });

  it('delivers committed, due, unleased events; drops leased ones; waits for the rest', () => {
    const plan = triggerPlan(
      [
        row('due', 'pending', 0, null),
        row('lease-ran-out', 'pending', -60, -1),
        row('leased', 'pending', -1, 30),
        row('old-schedule', 'pending', 300, null), // a redelivery not committed yet
        row('delivered', 'delivered', 0, null), // ditto, or a rolled-back request
      ],
      now,
    );
    expect(plan).toEqual({ deliver: ['due', 'lease-ran-out'], done: ['leased'] });
  });

  it('waits for events it cannot see yet', () => {
    expect(triggerPlan([], now)).toEqual({ deliver: [], done: [] });
  });
});
