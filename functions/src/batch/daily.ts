/**
 * The daily batch, run once per Asia/Shanghai business date (recorded in `batch_runs`), by
 * Vercel cron (`/v1/cron/daily`) and by the test clock for every date it passes. Each step
 * runs in its own transaction and is idempotent for its date, so a crashed run is simply run
 * again. Other areas add steps with `registerDailyStep` (checkout expiry, audit purge …).
 */
import { eq } from 'drizzle-orm';
import { addDays, datesAfter, shanghaiDate, shanghaiMidnight } from '../clock';
import type { AppConfig } from '../config';
import { type Database, schema, type Tx, withTransaction } from '../db';
import { borrowerDailySteps } from './borrower-steps';

export interface DailyStepContext {
  tx: Tx;
  database: Database;
  config: AppConfig;
  /** The business date being processed (Asia/Shanghai, `YYYY-MM-DD`). */
  businessDate: string;
  /** 00:00 Asia/Shanghai of `businessDate`: the instant the step runs "as of". */
  asOf: Date;
}

export interface DailyStep {
  name: string;
  /** Returns a small summary (counts) recorded in `batch_runs.summary`. */
  run(ctx: DailyStepContext): Promise<Record<string, number> | undefined>;
}

const registered: DailyStep[] = [];

/** Adds a step after the borrower steps. Registering the same name twice replaces it. */
export function registerDailyStep(step: DailyStep): void {
  const i = registered.findIndex((s) => s.name === step.name);
  if (i >= 0) registered[i] = step;
  else registered.push(step);
}

export function dailySteps(): readonly DailyStep[] {
  return [...borrowerDailySteps, ...registered];
}

export interface BatchSummary {
  business_date: string;
  steps: Record<string, Record<string, number> | undefined>;
  skipped?: boolean;
}

/** Runs every step for one business date, unless that date is already completed. */
export async function runDailyBatchFor(
  deps: { database: Database; config: AppConfig },
  businessDate: string,
): Promise<BatchSummary> {
  const { database, config } = deps;
  const runs = schema.batchRuns;
  const [existing] = await database.db.select().from(runs).where(eq(runs.businessDate, businessDate));
  if (existing?.completedAt) return { business_date: businessDate, steps: {}, skipped: true };
  if (!existing) await database.db.insert(runs).values({ businessDate }).onConflictDoNothing();
  const asOf = shanghaiMidnight(businessDate);
  const steps: BatchSummary['steps'] = {};
  for (const step of dailySteps()) {
    steps[step.name] = await withTransaction(database, (tx) =>
      step.run({ tx, database, config, businessDate, asOf }),
    );
  }
  await database.db
    .update(runs)
    .set({ completedAt: new Date(), summary: steps })
    .where(eq(runs.businessDate, businessDate));
  return { business_date: businessDate, steps };
}

/**
 * Runs the batch for every business date after the last completed one up to the date of
 * `now` (catch-up after missed crons, or a test clock jump). The first run ever starts at
 * `firstDate` (default: the date of `now`).
 */
export async function runDailyBatchUpTo(
  deps: { database: Database; config: AppConfig },
  now: Date,
  firstDate?: string,
): Promise<BatchSummary[]> {
  const today = shanghaiDate(now);
  const rows = await deps.database.db
    .select({ d: schema.batchRuns.businessDate, c: schema.batchRuns.completedAt })
    .from(schema.batchRuns);
  const done = rows.filter((r) => r.c !== null).map((r) => r.d);
  const last = done.sort().at(-1);
  const start = last ?? addDays(firstDate ?? today, -1);
  const out: BatchSummary[] = [];
  for (const d of datesAfter(start, today)) out.push(await runDailyBatchFor(deps, d));
  return out;
}
