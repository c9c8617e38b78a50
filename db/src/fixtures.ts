/**
 * Small builders for tests and the bench (not used by production code paths).
 */
import { createHash } from 'node:crypto';
import type { DbOrTx } from './client';
import { newId } from './ids';
import type { ScheduleRowInput } from './money-movement';
import { creditLines, users } from './schema';

/** A user with a credit line of `baseLimitFen` (and optionally a temporary increase). */
export async function createUserWithLine(
  db: DbOrTx,
  input: {
    baseLimitFen: bigint;
    temporaryLimitFen?: bigint;
    temporaryExpiresAt?: Date;
    now: Date;
    name?: string;
  },
): Promise<{ userId: string; creditLineId: string }> {
  const userId = newId('usr');
  const creditLineId = newId('cl');
  await db.insert(users).values({
    id: userId,
    openidHash: createHash('sha256').update(`fixture:${userId}`).digest('hex'),
    nickname: input.name ?? null,
    tier: 'regular',
    declaredMonthlyIncomeFen: 1_500_000n,
    educationPassedAt: input.now,
    createdAt: input.now,
    updatedAt: input.now,
  });
  await db.insert(creditLines).values({
    id: creditLineId,
    userId,
    baseLimitFen: input.baseLimitFen,
    temporaryLimitFen: input.temporaryLimitFen ?? 0n,
    temporaryExpiresAt: input.temporaryExpiresAt ?? null,
    createdAt: input.now,
    updatedAt: input.now,
  });
  return { userId, creditLineId };
}

/**
 * A simple schedule for tests: principal split as evenly as fen allow (remainder on the
 * first rows), a flat `interestFen` per period, monthly due dates from `firstDueDate`.
 */
export function simpleSchedule(input: {
  principalFen: bigint;
  count: number;
  interestFen?: bigint;
  feeFen?: bigint;
  firstDueDate: string;
}): ScheduleRowInput[] {
  const n = BigInt(input.count);
  const base = input.principalFen / n;
  const remainder = input.principalFen % n;
  const [y, m, d] = input.firstDueDate.split('-').map(Number) as [number, number, number];
  return Array.from({ length: input.count }, (_, i) => {
    const month = m - 1 + i;
    const due = new Date(Date.UTC(y + Math.floor(month / 12), month % 12, Math.min(d, 28)));
    return {
      number: i + 1,
      dueDate: due.toISOString().slice(0, 10),
      principalFen: base + (BigInt(i) < remainder ? 1n : 0n),
      interestFen: input.interestFen ?? 0n,
      feeFen: input.feeFen ?? 0n,
    };
  });
}
