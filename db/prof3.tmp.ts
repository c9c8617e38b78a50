import { randomBytes } from 'node:crypto';
import { borrowLoan, createTestDatabase, createUserWithLine, runIdempotent, simpleSchedule } from '@fenqi/db';

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const d = await createTestDatabase('server', { poolMax: 8 });
const now = new Date();
const lines = [] as Array<{ userId: string; creditLineId: string }>;
for (let i = 0; i < 32; i++) lines.push(await createUserWithLine(d.db, { baseLimitFen: 10n ** 12n, now }));
const t0 = performance.now();
let n = 0;
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: 8 }, async (_, c) => {
    let i = 0;
    while (performance.now() - t0 < 8000) {
      const o = lines[(c * 13 + i++) % lines.length]!;
      await runIdempotent(
        d,
        { scope: o.userId, key: randomBytes(8).toString('hex'), requestHash: 'h' },
        now,
        async (tx) => {
          const r = await borrowLoan(tx, {
            loan: {
              userId: o.userId,
              creditLineId: o.creditLineId,
              product: 'cash_loan',
              method: 'equal_installment',
              principalFen: 1000n,
              termMonths: 12,
              annualRate: '0.18',
              dailyRate: '0.0005',
              monthlyRate: '0.015',
              apr: '0.18',
              status: 'active',
              startDate: '2026-11-28',
            },
            schedule: simpleSchedule({ principalFen: 1000n, count: 12, firstDueDate: '2026-12-28' }),
            now,
          });
          return { status: 201, body: { ok: r.ok } };
        },
      );
      n++;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
console.log((n / 8).toFixed(0), 'tx/s', (((cpu.user + cpu.system) / 1e6 / 8) * 100).toFixed(0), '% node cpu');
await d.drop();
