import {
  borrowLoan,
  createTestDatabase,
  createUserWithLine,
  simpleSchedule,
  withTransaction,
} from '@fenqi/db';
import { sql } from 'drizzle-orm';

process.env.FENQI_TEST_PG_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
const d = await createTestDatabase('server', { poolMax: 1 });
await d.db.execute(sql.raw(`alter database "${d.name}" set session_preload_libraries = 'auto_explain'`));
await d.db.execute(sql.raw(`alter database "${d.name}" set auto_explain.log_min_duration = 0`));
await d.db.execute(sql.raw(`alter database "${d.name}" set auto_explain.log_analyze = on`));
await d.db.execute(sql.raw(`alter database "${d.name}" set auto_explain.log_nested_statements = on`));
await d.db.execute(sql.raw(`alter database "${d.name}" set log_min_duration_statement = 0`));
await d.close();
const { openDatabase } = await import('@fenqi/db');
const u = new URL(process.env.FENQI_TEST_PG_URL!);
u.pathname = '/' + d.name;
const e = await openDatabase({ url: u.toString(), poolMax: 1 });
const now = new Date();
const { userId, creditLineId } = await createUserWithLine(e.db, { baseLimitFen: 10n ** 12n, now });
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
for (let i = 0; i < 5; i++)
  await withTransaction(e, (tx) =>
    borrowLoan(tx, {
      loan,
      schedule: simpleSchedule({ principalFen: 1000n, count: 12, firstDueDate: '2026-12-28' }),
      now,
    }),
  );
await e.close();
console.log(d.name);
