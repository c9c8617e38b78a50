/**
 * The service clock: wall clock + an offset stored in the database (`service_clock`, one
 * row), so every stateless function instance agrees. Only test/dev configuration can move
 * it, and only forward. Business dates are Asia/Shanghai (UTC+8, no DST).
 */
import { eq, sql } from 'drizzle-orm';
import type { AppConfig } from './config';
import { type Database, schema, type Tx } from './db';
import { ApiError } from './http/errors';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export type WallClock = () => number;
export const systemWallClock: WallClock = () => Date.now();

export async function readOffsetMs(db: Database['db'] | Tx): Promise<number> {
  const rows = await db
    .select({ offsetMs: schema.serviceClock.offsetMs })
    .from(schema.serviceClock)
    .where(eq(schema.serviceClock.id, 1));
  return Number(rows[0]?.offsetMs ?? 0);
}

/** Current service time. Production never reads the offset (it cannot be moved there). */
export async function serviceNow(
  database: Database,
  config: AppConfig,
  wall: WallClock = systemWallClock,
): Promise<Date> {
  if (config.mode === 'production') return new Date(wall());
  return new Date(wall() + (await readOffsetMs(database.db)));
}

/**
 * Moves the clock forward to `target` inside `tx` (row-locked). Returns the previous and new
 * service times. Refuses to go back.
 */
export async function advanceClock(
  tx: Tx,
  target: Date,
  wall: WallClock = systemWallClock,
): Promise<{ from: Date; to: Date }> {
  await tx.insert(schema.serviceClock).values({ id: 1, offsetMs: 0 }).onConflictDoNothing();
  const rows = await tx
    .select({ offsetMs: schema.serviceClock.offsetMs })
    .from(schema.serviceClock)
    .where(eq(schema.serviceClock.id, 1))
    .for('update');
  const wallMs = wall();
  const from = new Date(wallMs + Number(rows[0]?.offsetMs ?? 0));
  if (target.getTime() < from.getTime()) {
    throw new ApiError(
      'business_rule',
      'clock_cannot_go_back',
      `The service clock is at ${from.toISOString()}; it only moves forward.`,
      'now',
    );
  }
  await tx
    .update(schema.serviceClock)
    .set({ offsetMs: target.getTime() - wallMs, updatedAt: sql`now()` })
    .where(eq(schema.serviceClock.id, 1));
  return { from, to: target };
}

/** `YYYY-MM-DD` of an instant in Asia/Shanghai. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00 Asia/Shanghai of a business date, as an instant. */
export function shanghaiMidnight(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Business dates strictly after `fromDate` up to and including `toDate` (bounded). */
export function datesAfter(fromDate: string, toDate: string, max = 4000): string[] {
  const out: string[] = [];
  let d = addDays(fromDate, 1);
  while (d <= toDate) {
    if (out.length >= max) throw new Error('datesAfter: range too long');
    out.push(d);
    d = addDays(d, 1);
  }
  return out;
}
