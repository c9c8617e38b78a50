import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consecutivePasswordFailures,
  evaluateRisk,
  DEFAULT_RISK_POLICY as P,
  type RiskInput,
} from '../engine';

const NOW = Date.UTC(2026, 10, 28, 4, 0, 0);
const MIN = 60_000;

function input(over: Partial<RiskInput> = {}): RiskInput {
  return {
    action: 'borrow',
    amountFen: 100_000n,
    nowMs: NOW,
    accountFrozen: false,
    logins: [{ deviceId: 'd1', atMs: NOW - MIN }],
    withdrawals: [{ amountFen: 200_000n, atMs: NOW - 30 * 24 * 60 * MIN }],
    attempts: [],
    passwordAttempts: [],
    stepUpSatisfied: false,
    ...over,
  };
}

describe('baseline', () => {
  it('an ordinary borrow is allowed with no rule fired', () => {
    const d = evaluateRisk(input());
    expect(d).toEqual({ decision: 'allow', rule: null, fired: [], cleared: [] });
  });
});

describe('multi_device_login boundary', () => {
  const devices = (n: number, ageMs: number) =>
    Array.from({ length: n }, (_, i) => ({ deviceId: `d${i}`, atMs: NOW - ageMs }));
  it.each([
    { name: '2 devices inside the window', logins: devices(2, MIN), expected: 'allow' },
    { name: '3 devices inside the window', logins: devices(3, MIN), expected: 'step_up' },
    {
      name: '3 devices, oldest exactly at the window edge',
      logins: devices(3, P.multiDeviceWindowMs),
      expected: 'step_up',
    },
    {
      name: '3 devices, one 1 ms outside the window',
      logins: [...devices(2, MIN), { deviceId: 'x', atMs: NOW - P.multiDeviceWindowMs - 1 }],
      expected: 'allow',
    },
    {
      name: 'one device 5 times',
      logins: Array.from({ length: 5 }, () => ({ deviceId: 'same', atMs: NOW - MIN })),
      expected: 'allow',
    },
  ])('$name → $expected', ({ logins, expected }) => {
    const d = evaluateRisk(input({ logins }));
    expect(d.decision).toBe(expected);
    expect(d.rule).toBe(expected === 'allow' ? null : 'multi_device_login');
  });
});

describe('impossible_travel (needs location)', () => {
  const beijing = { latitudeDeg: 39.9042, longitudeDeg: 116.4074 };
  const shanghai = { latitudeDeg: 31.2304, longitudeDeg: 121.4737 }; // ≈1,067 km
  it.each([
    { name: 'Beijing → Shanghai in 30 min', gapMs: 30 * MIN, expected: 'step_up' },
    { name: 'Beijing → Shanghai in 2 h (plane)', gapMs: 120 * MIN, expected: 'allow' },
  ])('$name → $expected', ({ gapMs, expected }) => {
    const logins = [
      { deviceId: 'd1', atMs: NOW - gapMs - MIN, location: beijing },
      { deviceId: 'd1', atMs: NOW - MIN, location: shanghai },
    ];
    expect(evaluateRisk(input({ logins })).decision).toBe(expected);
  });
  it('the same logins without location never fire', () => {
    const logins = [
      { deviceId: 'd1', atMs: NOW - 31 * MIN },
      { deviceId: 'd1', atMs: NOW - MIN },
    ];
    expect(evaluateRisk(input({ logins })).decision).toBe('allow');
  });
});

describe('withdrawal size boundary', () => {
  const history = [{ amountFen: 200_000n, atMs: NOW - 10 * 24 * 60 * MIN }]; // largest ¥2,000
  it.each([
    { name: 'exactly 5× the largest → allow', amountFen: 1_000_000n, rule: null },
    { name: '5× the largest + 1 fen → step_up', amountFen: 1_000_001n, rule: 'large_withdrawal' },
    {
      name: '20× + 1 fen but under the ¥50,000 freeze floor → step_up',
      amountFen: 4_000_001n,
      rule: 'large_withdrawal',
    },
  ])('$name', ({ amountFen, rule }) => {
    const d = evaluateRisk(input({ amountFen, withdrawals: history }));
    expect(d.rule).toBe(rule);
    expect(d.decision).toBe(rule === null ? 'allow' : 'step_up');
  });
  it('at or below the ¥5,000 floor never counts as large, whatever the history', () => {
    const tiny = [{ amountFen: 100n, atMs: NOW - MIN }];
    expect(evaluateRisk(input({ amountFen: P.largeWithdrawalFloorFen, withdrawals: tiny })).decision).toBe(
      'allow',
    );
    expect(evaluateRisk(input({ amountFen: P.largeWithdrawalFloorFen + 1n, withdrawals: tiny })).rule).toBe(
      'large_withdrawal',
    );
  });
  it('extreme: > 20× and ≥ ¥50,000 freezes; exactly 20× steps up', () => {
    const h = [{ amountFen: 300_000n, atMs: NOW - MIN }]; // ¥3,000 → 20× = ¥60,000
    expect(evaluateRisk(input({ amountFen: 6_000_000n, withdrawals: h }))).toMatchObject({
      decision: 'step_up',
      rule: 'large_withdrawal',
    });
    expect(evaluateRisk(input({ amountFen: 6_000_001n, withdrawals: h }))).toMatchObject({
      decision: 'freeze',
      rule: 'extreme_withdrawal',
    });
  });
  it('no history: the first withdrawal steps up only above the no-history limit (¥200,000)', () => {
    expect(evaluateRisk(input({ amountFen: P.firstWithdrawalStepUpFen, withdrawals: [] })).decision).toBe(
      'allow',
    );
    expect(evaluateRisk(input({ amountFen: P.firstWithdrawalStepUpFen + 1n, withdrawals: [] })).rule).toBe(
      'large_withdrawal',
    );
  });
  it('history older than the window is ignored', () => {
    const old = [{ amountFen: 10_000_000n, atMs: NOW - P.withdrawalHistoryWindowMs - 1 }];
    expect(evaluateRisk(input({ amountFen: P.firstWithdrawalStepUpFen + 1n, withdrawals: old })).rule).toBe(
      'large_withdrawal',
    );
    expect(evaluateRisk(input({ amountFen: 3_000_000n, withdrawals: old })).decision).toBe('allow');
  });
});

describe('attempt velocity boundary', () => {
  const attempts = (n: number, ageMs: number) => Array.from({ length: n }, () => ({ atMs: NOW - ageMs }));
  it.each([
    { name: '4 in a minute (3 past + this)', a: attempts(3, 10_000), expected: 'allow' },
    { name: '5 in a minute (4 past + this)', a: attempts(4, 10_000), expected: 'refuse' },
    { name: '4 past at exactly 60 s', a: attempts(4, P.burstWindowMs), expected: 'refuse' },
    { name: '4 past at 60 s + 1 ms', a: attempts(4, P.burstWindowMs + 1), expected: 'allow' },
    { name: '19 in an hour', a: attempts(18, 30 * MIN), expected: 'allow' },
    { name: '20 in an hour', a: attempts(19, 30 * MIN), expected: 'step_up' },
  ])('$name → $expected', ({ a, expected }) => {
    expect(evaluateRisk(input({ attempts: a })).decision).toBe(expected);
  });
});

describe('payment password failures', () => {
  const seq = (oks: boolean[]) => oks.map((ok, i) => ({ ok, atMs: NOW - (oks.length - i) * MIN })); // last = newest
  it.each([
    { name: '2 wrong in a row', a: seq([false, false]), expected: 'allow' },
    { name: '3 wrong in a row', a: seq([false, false, false]), expected: 'step_up' },
    { name: '3 wrong, then a correct one', a: seq([false, false, false, true]), expected: 'allow' },
    { name: '2 wrong, correct, 2 wrong', a: seq([false, false, true, false, false]), expected: 'allow' },
    { name: 'correct, then 3 wrong', a: seq([true, false, false, false]), expected: 'step_up' },
  ])('$name → $expected', ({ a, expected }) => {
    const d = evaluateRisk(input({ passwordAttempts: a }));
    expect(d.decision).toBe(expected);
    if (expected === 'step_up') expect(d.rule).toBe('payment_password_failures');
  });
  it('order of the input list does not matter', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 20 }), (oks) => {
        const a = seq(oks);
        expect(consecutivePasswordFailures([...a].reverse())).toBe(consecutivePasswordFailures(a));
      }),
    );
  });
});

describe('combination and step-up', () => {
  const threeDevices = [0, 1, 2].map((i) => ({ deviceId: `d${i}`, atMs: NOW - MIN }));
  it('a completed step-up clears step_up rules only', () => {
    const d = evaluateRisk(input({ logins: threeDevices, stepUpSatisfied: true }));
    expect(d.decision).toBe('allow');
    expect(d.cleared.map((c) => c.rule)).toEqual(['multi_device_login']);
  });
  it('refuse outranks step_up and a step-up does not clear it', () => {
    const burst = Array.from({ length: 4 }, () => ({ atMs: NOW - 1000 }));
    const d = evaluateRisk(input({ logins: threeDevices, attempts: burst, stepUpSatisfied: true }));
    expect(d).toMatchObject({ decision: 'refuse', rule: 'attempt_velocity_burst' });
    expect(d.fired.map((f) => f.rule).sort()).toEqual(['attempt_velocity_burst', 'multi_device_login']);
  });
  it('a frozen account is frozen whatever else holds', () => {
    expect(evaluateRisk(input({ accountFrozen: true, stepUpSatisfied: true }))).toMatchObject({
      decision: 'freeze',
      rule: 'account_frozen',
    });
  });
  it('never allows when a non-step-up rule fired (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 20_000_000n }),
        fc.array(fc.integer({ min: 0, max: 2 * 60 * MIN }), { maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 20 * MIN })), {
          maxLength: 10,
        }),
        fc.boolean(),
        (amountFen, attemptAges, loginSpec, stepUp) => {
          const d = evaluateRisk(
            input({
              amountFen,
              attempts: attemptAges.map((age) => ({ atMs: NOW - age })),
              logins: loginSpec.map(([dev, age]) => ({ deviceId: `d${dev}`, atMs: NOW - age })),
              stepUpSatisfied: stepUp,
            }),
          );
          const hard = d.fired.some((f) => f.decision === 'refuse' || f.decision === 'freeze');
          if (hard) expect(d.decision === 'refuse' || d.decision === 'freeze').toBe(true);
          if (d.fired.length === 0) expect(d.decision).toBe('allow');
          if (!stepUp && d.fired.length > 0) expect(d.decision).not.toBe('allow');
        },
      ),
    );
  });
  it('rejects a non-positive amount as a programmer error', () => {
    expect(() => evaluateRisk(input({ amountFen: 0n }))).toThrow();
  });
});
