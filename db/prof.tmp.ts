import {
  borrowLoan,
  createTestDatabase,
  createUserWithLine,
  runIdempotent,
  simpleSchedule,
  withTransaction,
} from '@fenqi/db';
import { sql } from 'drizzle-orm';

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const d = await createTestDatabase('server', { poolMax: 8 });
const now = new Date();
const { userId, creditLineId } = await createUserWithLine(d.db, { baseLimitFen: 10n ** 12n, now });
const times: Record<string, number> = {};
const lap = (name: string, t: number) => {
  times[name] = (times[name] ?? 0) + performance.now() - t;
};
const N = 200;
const loan = {
  userId,
  creditLineId,
  product: 'cash_loan' as const,
  method: 'equal_installment' as const,
  principalFen: 1000n,
  termMonths: 12,
  annualRate: '0.18',
  dailyRate: '0.0005',
  monthlyRate: '0.015',
  apr: '0.18',
  status: 'active' as const,
  startDate: '2026-11-28',
};
for (let i = 0; i < N; i++) {
  let t = performance.now();
  const t0 = t;
  await withTransaction(d, async (tx) => {
    lap('begin', t);
    t = performance.now();
    await tx.execute(sql`select 1`);
    lap('select1', t);
    t = performance.now();
    await borrowLoan(tx, {
      loan,
      schedule: simpleSchedule({ principalFen: 1000n, count: 12, firstDueDate: '2026-12-28' }),
      now,
    });
    lap('borrow', t);
    t = performance.now();
  });
  lap('commit', t);
  lap('total', t0);
}
for (const [k, v] of Object.entries(times)) console.log(k.padEnd(12), (v / N).toFixed(2), 'ms');
const t1 = performance.now();
for (let i = 0; i < N; i++)
  await d.db.execute(
    sql`insert into login_attempts (id, subject, kind, success) values (${'x' + i}, 's', 'session', true)`,
  );
console.log('autocommit insert', ((performance.now() - t1) / N).toFixed(2), 'ms');
await d.drop();
