/**
 * The simulator's own parts: the seeded PRNG replays, the fault proxy really cuts
 * connections, the generic money check catches floats, the barrage reads an OpenAPI document.
 */
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readOperations } from '../sim/barrage';
import { jsonEqual, moneyFieldProblems } from '../sim/client';
import { startFaultProxy } from '../sim/fault-proxy';
import { coolingOffRequired } from '../sim/model';
import { Prng } from '../sim/prng';

describe('Prng', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const a = new Prng(seed);
        const b = new Prng(seed);
        const c = new Prng(seed + 1);
        const xs = Array.from({ length: 20 }, () => a.u32());
        const ys = Array.from({ length: 20 }, () => b.u32());
        const zs = Array.from({ length: 20 }, () => c.u32());
        expect(xs).toEqual(ys);
        expect(xs).not.toEqual(zs);
      }),
    );
  });

  it('int stays inside its inclusive bounds and reaches both ends', () => {
    const prng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = prng.int(3, 9);
      expect(x).toBeGreaterThanOrEqual(3);
      expect(x).toBeLessThanOrEqual(9);
      seen.add(x);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('forks are independent of how much the parent drew', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 10; i++) b.u32();
    expect(a.fork('lane-0').u32()).toBe(b.fork('lane-0').u32());
    expect(a.fork('lane-0').u32()).not.toBe(a.fork('lane-1').u32());
  });
});

describe('moneyFieldProblems', () => {
  it('accepts integer fen and flags floats, strings and negatives at any depth', () => {
    expect(moneyFieldProblems({ amount: 100, installments: [{ principal_amount: 5 }] })).toEqual([]);
    expect(moneyFieldProblems({ amount: 1.5 })).toEqual(['$.amount=1.5']);
    expect(moneyFieldProblems({ loan: { total_amount: '100' } })).toEqual(['$.loan.total_amount="100"']);
    expect(moneyFieldProblems({ xs: [{ fee_amount: -1 }] })).toEqual(['$.xs[0].fee_amount=-1']);
    expect(moneyFieldProblems({ amount_display: '¥1.00' })).toEqual([]);
  });
});

describe('jsonEqual', () => {
  it('ignores the listed keys only', () => {
    expect(jsonEqual({ a: 1, request_id: 'x' }, { a: 1, request_id: 'y' }, new Set(['request_id']))).toBe(
      true,
    );
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
  });
});

describe('coolingOffRequired', () => {
  it('follows the brief: > 60 % of income, or income < 5,000 CNY and loan > 3,000 CNY', () => {
    expect(coolingOffRequired(600_001, 1_000_000)).toBe(true);
    expect(coolingOffRequired(600_000, 1_000_000)).toBe(false);
    expect(coolingOffRequired(240_000, 400_000)).toBe(false);
    expect(coolingOffRequired(240_001, 400_000)).toBe(true);
    expect(coolingOffRequired(300_001, 1_000_000)).toBe(false);
  });
});

describe('fault proxy', () => {
  it('forwards bytes and severs every open connection', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as net.AddressInfo).port;
    const proxy = await startFaultProxy({ host: '127.0.0.1', port });
    try {
      const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write('ping');
      const reply = await new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
      expect(reply).toBe('ping');
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      socket.on('error', () => {});
      expect(proxy.sever()).toBe(1);
      await closed;
      expect(proxy.connectionCount()).toBe(0);
      expect(proxy.severedTotal()).toBe(1);
    } finally {
      await proxy.close();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});

describe('barrage readOperations', () => {
  it('reads method, auth, path params, idempotency and body schema', () => {
    const ops = readOperations({
      paths: {
        '/v1/loans/{id}/repayments': {
          post: {
            operationId: 'repay',
            security: [{ session: [] }],
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string' } },
            ],
            requestBody: {
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { amount: { type: 'integer' } } },
                },
              },
            },
          },
        },
        '/v1/health': { get: { operationId: 'health', security: [], parameters: [] } },
      },
    });
    expect(ops.map((o) => [o.method, o.path, o.auth, o.idempotency, o.pathParams])).toEqual([
      ['GET', '/v1/health', 'none', 'none', []],
      ['POST', '/v1/loans/{id}/repayments', 'session', 'required', ['id']],
    ]);
    expect(ops[1]?.body).toBeDefined();
  });
});
